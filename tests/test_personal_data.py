"""Every table about an account is decided in code, and nothing stores who is browsing."""

from __future__ import annotations

import html
import re

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, inspect
from sqlalchemy.dialects import postgresql

from app import personal_data
from app.db import Base


def reflected(engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine)
    return metadata


def test_every_table_about_an_account_in_the_database_is_decided(engine):
    assert personal_data.schema_problems(reflected(engine)) == []
    assert personal_data.schema_problems(Base.metadata) == []


def with_extra(*extra) -> MetaData:
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    for build in extra:
        build(metadata)
    return metadata


def test_a_new_table_about_accounts_without_a_decision_fails_the_guard():
    def notes(metadata):
        Table(
            "test_only_notes",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE")),
        )

    def pages(metadata):
        # No reference to accounts of its own: it is about one through its parent.
        Table(
            "test_only_note_pages",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("note_id", ForeignKey("test_only_notes.id")),
        )

    problems = personal_data.schema_problems(with_extra(notes, pages))
    assert len(problems) == 2
    assert "table 'test_only_note_pages' holds data about accounts" in problems[0]
    assert "table 'test_only_notes' holds data about accounts" in problems[1]


def test_a_table_about_groups_only_is_about_accounts_through_its_parent():
    def topics(metadata):
        Table(
            "test_only_topics",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("group_id", ForeignKey("groups.id")),
        )

    assert "test_only_topics" in personal_data.tables_about_accounts(with_extra(topics))


def test_a_deletion_decision_the_foreign_key_does_not_carry_out_fails_the_guard():
    declared = dict(personal_data.tables())
    invoices = declared["invoices"]
    declared["invoices"] = type(invoices)(
        **{**invoices.__dict__, "references": {"account_id": personal_data.Deletion.REMOVED}}
    )
    problems = personal_data.schema_problems(Base.metadata, declared)
    assert problems == [
        "column invoices.account_id is declared removed on deletion but its foreign key says "
        "ON DELETE SET NULL"
    ]


def test_an_undecided_column_and_a_stale_declaration_fail_the_guard():
    declared = dict(personal_data.tables())
    posts = declared["posts"]
    declared["posts"] = type(posts)(**{**posts.__dict__, "references": {}})
    declared["gone"] = type(posts)(**{**posts.__dict__, "name": "gone"})
    revisions = declared["post_revisions"]
    declared["post_revisions"] = type(revisions)(
        **{**revisions.__dict__, "references": {"author_id": personal_data.Deletion.UNLINKED}}
    )
    problems = personal_data.schema_problems(Base.metadata, declared)
    assert sorted(problems) == [
        "column posts.author_id refers to accounts but has no deletion decision",
        "post_revisions.author_id is declared but does not refer to accounts",
        "table 'gone' is declared but is not in the schema",
    ]


def test_every_export_file_a_table_names_is_written_by_a_section():
    files = {section.file for section in personal_data.sections()}
    for table in personal_data.tables().values():
        assert table.export is None or table.export in files
        assert table.export or table.excluded
        assert table.title and table.holds and table.why and table.kept and table.on_delete


ADDRESS_OR_AGENT = re.compile(
    r"(^|_)(ip|ips|ip_?addr(ess)?|remote_?addr(ess)?|user_?agent|ua|browser|client_?ip|"
    r"x_?forwarded(_for)?|fingerprint)($|_)"
)


def test_no_column_stores_an_ip_address_or_a_user_agent(engine):
    inspector = inspect(engine)
    names = inspector.get_table_names()
    assert "accounts" in names
    for table in names:
        for column in inspector.get_columns(table):
            assert not ADDRESS_OR_AGENT.search(column["name"].lower()), f"{table}.{column['name']}"
            assert not isinstance(column["type"], postgresql.INET | postgresql.CIDR)
            assert not isinstance(column["type"], postgresql.MACADDR)


def test_the_address_check_would_catch_the_usual_names():
    for name in ("ip", "ip_address", "last_ip", "user_agent", "remote_addr", "signup_ua"):
        assert ADDRESS_OR_AGENT.search(name), name
    for name in ("email", "display_name", "description", "shipping_status"):
        assert not ADDRESS_OR_AGENT.search(name), name


def test_privacy_page_lists_everything_the_registry_declares(client):
    page = html.unescape(client.get("/privacy").get_data(as_text=True))
    for table in personal_data.tables().values():
        assert table.title in page
        assert table.on_delete in page
        assert table.kept in page
    assert "nothing in them names you any more" in page
    assert "Set-Cookie" not in str(client.get("/privacy").headers)
