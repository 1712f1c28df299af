"""The migrations build exactly the schema the models declare, constraints included.

``alembic check`` (run by CI) compares tables, columns and indexes; it does not compare
CHECK constraints, so this test does, on the database the suite runs on.
"""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

import app.models  # noqa: F401  (every table)
from app import create_app
from app.cli import alembic_config
from app.db import Base, make_engine
from tests.conftest import TEST_DATABASE_URL


@pytest.fixture
def empty_url(tmp_path):
    """A new, empty database of the suite's kind."""
    if TEST_DATABASE_URL.startswith("postgresql"):
        name = f"kindred_test_migrations_{uuid.uuid4().hex[:8]}"
        admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name
    else:
        admin, name = None, None
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    yield url
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str, revision: str = "head", down: bool = False) -> None:
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        (command.downgrade if down else command.upgrade)(alembic_config(), revision)


@pytest.fixture
def migrated_url(empty_url):
    """A new database of the suite's kind, migrated to head."""
    migrate(empty_url)
    return empty_url


def _checks(inspector, table: str) -> set[str]:
    return {check["name"] for check in inspector.get_check_constraints(table)}


def test_migrations_create_every_table_and_check_constraint_the_models_declare(migrated_url):
    engine = make_engine(migrated_url)
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) - {"alembic_version"} >= set(Base.metadata.tables)
    for table in Base.metadata.sorted_tables:
        declared = {
            constraint.name
            for constraint in table.constraints
            if constraint.__class__.__name__ == "CheckConstraint"
        }
        assert _checks(inspector, table.name) >= declared, table.name
    engine.dispose()


def test_the_migration_check_would_notice_a_missing_constraint(migrated_url):
    engine = make_engine(migrated_url)
    assert "ck_groups_visibility" in _checks(inspect(engine), "groups")
    assert "ck_groups_nonexistent" not in _checks(inspect(engine), "groups")
    engine.dispose()


AT = "'2026-01-01T00:00:00+00:00'"
ROWS_AT_0002 = [
    "INSERT INTO accounts (id, email, handle, handle_key, password_hash, login_id, is_admin,"
    f" created_at) VALUES (1, 'ada@example.org', 'Ada', 'ada', 'h', 'l1', false, {AT})",
    "INSERT INTO groups (id, slug, name, sort_name, purpose, description, visibility,"
    f" join_policy, created_at) VALUES (1, 'g', 'G', 'g', 'p', '', 'public', 'open', {AT})",
    "INSERT INTO group_members (id, group_id, account_id, role, joined_at)"
    f" VALUES (1, 1, 1, 'host', {AT})",
    "INSERT INTO threads (id, group_id, author_id, title, created_at, last_activity_at,"
    f" reply_count, removed) VALUES (1, 1, 1, 'Hello', {AT}, {AT}, 0, false)",
    "INSERT INTO posts (id, thread_id, group_id, author_id, is_opener, body, body_html,"
    f" created_at) VALUES (5, 1, 1, 1, true, 'b', '<p>b</p>', {AT})",
    "INSERT INTO invoices (id, stripe_invoice_id, account_id, status, amount_paid,"
    f" amount_refunded, currency, paid_at, created_at)"
    f" VALUES (1, 'in_1', 1, 'paid', 2500, 0, 'usd', {AT}, {AT})",
    *(
        "INSERT INTO moderation_log (id, group_id, actor_id, actor_handle, role, action,"
        f" target, reason, created_at) VALUES ({n}, 1, 1, 'ada', 'host', 'hid', '{target}',"
        f" '', {AT})"
        for n, target in enumerate(
            ["@Ada", "first post #5 by @Ada in \u201cHello\u201d", "thread \u201cHello\u201d"],
            start=1,
        )
    ),
]


def test_migrating_a_populated_database_keeps_every_row_and_fills_the_log_references(
    empty_url,
):
    migrate(empty_url, "0002")
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        for statement in ROWS_AT_0002:
            connection.execute(text(statement))
    migrate(empty_url)
    with engine.connect() as connection:
        for table in ("accounts", "groups", "group_members", "threads", "posts", "invoices"):
            assert connection.scalar(text(f"SELECT count(*) FROM {table}")) == 1, table
        log = connection.execute(
            text(
                "SELECT target_kind, subject_id, post_id, thread_id FROM moderation_log ORDER BY id"
            )
        ).all()
        if connection.dialect.name == "sqlite":
            # Every rebuild of accounts keeps AUTOINCREMENT: a deleted id is never reused.
            schema = connection.scalar(
                text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'accounts'")
            )
            assert "AUTOINCREMENT" in schema
        # The search index was filled from the posts already there.
        assert connection.scalar(text("SELECT count(*) FROM post_search")) == 1
    assert [tuple(row) for row in log] == [
        ("account", 1, None, None),
        ("post", None, 5, 1),
        ("thread", None, None, 1),
    ]
    engine.dispose()
    migrate(empty_url, "0003", down=True)
    migrate(empty_url)


def test_the_migrations_build_the_search_index(migrated_url):
    engine = make_engine(migrated_url)
    with engine.connect() as connection:
        assert "post_search" in inspect(connection).get_table_names()
        if connection.dialect.name == "postgresql":
            triggers = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            assert "ix_post_search_document" in {
                index["name"] for index in inspect(connection).get_indexes("post_search")
            }
        else:
            triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        names = set(connection.execute(text(triggers)).scalars())
        assert {
            "post_search_post_inserted"
            if connection.dialect.name == "sqlite"
            else "post_search_sync_post"
        } <= names, names
    engine.dispose()
