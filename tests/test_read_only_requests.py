"""A signed-out GET only reads: it runs without a transaction (no BEGIN, no ROLLBACK), and
a statement that would write is refused before it reaches the database.

These run on an app whose requests use connections of their own (``tests/committing``), as
in production: the suite's other apps run inside each test's transaction, which a
transactionless read could not see into.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import session as cookie_session
from sqlalchemy import delete, event, select, update

from app import create_app
from app.accounts.models import Account
from app.db import ReadOnlyRequest, _reads_only, db
from app.groups import services
from app.groups.models import Group
from app.groups.permissions import access_to
from config import ConfigurationError
from tests.committing import committing_app
from tests.conftest import TEST_DATABASE_URL
from tests.groups.test_lists import counting_queries
from tests.helpers import DEFAULT_PASSWORD, make_group, make_member, make_thread
from tests.test_reading import _get, _get_rules, _url

HANDLE = "rdonly"
SLUG = "read-only-room"


def _remove_what_it_made() -> None:
    db.session.execute(delete(Group).where(Group.slug == SLUG))
    db.session.execute(delete(Account).where(Account.handle.like(f"{HANDLE}%")))


@contextmanager
def _committed(engine, tmp_path, **config) -> Iterator[tuple]:
    with committing_app(engine, tmp_path, _remove_what_it_made, **config) as (app, _sandbox):
        with app.app_context():
            host = make_member(f"{HANDLE}host")
            group = make_group(host, SLUG)
            thread = make_thread(group, host)
            reply = services.reply(access_to(group, host), thread, "A reply worth keeping")
            db.session.commit()
            values = {
                "slug": SLUG,
                "thread_id": thread.id,
                "post_id": reply.id,
                "handle": host.handle,
            }
        yield app, values


@pytest.fixture
def committed(engine, tmp_path) -> Iterator[tuple]:
    with _committed(engine, tmp_path) as made:
        yield made


def _in_transaction(dbapi_connection) -> bool:
    """Whether the driver's connection is inside a transaction just after a statement: with
    none, each statement stood alone."""
    if hasattr(dbapi_connection, "in_transaction"):  # sqlite3
        return dbapi_connection.in_transaction
    from psycopg.pq import TransactionStatus

    return dbapi_connection.info.transaction_status != TransactionStatus.IDLE


@contextmanager
def transactions(app) -> Iterator[list[bool]]:
    """For each statement on the app's engine, whether it ran inside a transaction."""
    inside: list[bool] = []
    engine = app.extensions["kindred_db"].engine

    def record(conn, cursor, _statement, *_args):
        inside.append(_in_transaction(cursor.connection))

    event.listen(engine, "after_cursor_execute", record)
    try:
        yield inside
    finally:
        event.remove(engine, "after_cursor_execute", record)


def test_only_a_signed_out_get_or_head_counts_as_reading_only(committed):
    app, _values = committed
    for method, expected in (("GET", True), ("HEAD", True), ("POST", False), ("PUT", False)):
        with app.test_request_context("/groups", method=method):
            assert _reads_only() is expected, method
    with app.test_request_context("/groups", method="GET"):
        cookie_session["_user_id"] = "a session token"
        assert _reads_only() is False, "someone signed in may write (a read position)"


def test_a_signed_out_read_runs_without_a_transaction(committed):
    app, values = committed
    path = f"/groups/{SLUG}/threads/{values['thread_id']}"
    with transactions(app) as inside:
        page = app.test_client().get(path)
    assert page.status_code == 200
    assert "A reply worth keeping" in page.get_data(as_text=True)
    assert inside, "the page reads the database"
    assert not any(inside), "each statement stood alone"

    member = app.test_client()
    signed_in = member.post(
        "/login", data={"identifier": values["handle"], "password": DEFAULT_PASSWORD}
    )
    assert signed_in.status_code == 303
    with transactions(app) as inside:
        assert member.get(path).status_code == 200
    assert inside and all(inside), "a signed-in page reads in one transaction"


def test_a_signed_out_get_that_tried_to_write_would_be_refused(committed):
    app, _values = committed
    with app.test_request_context("/groups", method="GET"), pytest.raises(ReadOnlyRequest):
        db.session.execute(update(Group).where(Group.slug == SLUG).values(name="Changed"))
    with app.app_context():
        assert db.session.scalar(select(Group.name).where(Group.slug == SLUG)) != "Changed"


def test_every_signed_out_page_answers_on_the_reading_session(committed):
    app, values = committed
    answered = {}
    for rule in _get_rules(app):
        response = _get(app.test_client(), _url(rule, values))
        assert response.status_code < 500, f"{rule.rule} ({rule.endpoint})"
        answered[rule.endpoint] = response.status_code
    for endpoint in ("groups.show_thread", "groups.show_group", "groups.directory", "pages.home"):
        assert answered[endpoint] == 200, endpoint


def test_signed_out_reads_go_to_the_read_replica_and_the_rest_to_the_primary(engine, tmp_path):
    if engine.dialect.name == "sqlite":
        with pytest.raises(ConfigurationError, match="PostgreSQL"):
            create_app({"DATABASE_URL": "sqlite://", "DATABASE_READ_URL": TEST_DATABASE_URL})
        return
    # The suite's database stands in for the replica: the app holds a second engine on it.
    with _committed(engine, tmp_path, DATABASE_READ_URL=TEST_DATABASE_URL) as (app, values):
        databases = app.extensions["kindred_db"]
        assert databases.read_engine is not databases.engine
        path = f"/groups/{SLUG}/threads/{values['thread_id']}"
        with (
            counting_queries(databases.engine) as primary,
            counting_queries(databases.read_engine) as replica,
        ):
            assert app.test_client().get(path).status_code == 200
        assert replica and not primary
        member = app.test_client()
        with (
            counting_queries(databases.engine) as primary,
            counting_queries(databases.read_engine) as replica,
        ):
            signed_in = member.post(
                "/login", data={"identifier": values["handle"], "password": DEFAULT_PASSWORD}
            )
            assert signed_in.status_code == 303
            assert member.get(path).status_code == 200
        assert primary and not replica, "someone signed in reads their own writes"


def test_a_read_replica_must_be_postgresql(monkeypatch):
    import config

    monkeypatch.setattr(config.Config, "DATABASE_READ_URL", "sqlite:///replica.sqlite3")
    with pytest.raises(ConfigurationError, match="PostgreSQL read replica"):
        config.Config.check()
