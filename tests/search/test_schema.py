"""The index's schema is made by ``create_all`` (through the same statements a migration
runs), and the search query reads it through its index on either database."""

from sqlalchemy import event, inspect, text

from app.db import db
from app.search import schema
from app.search.services import search_posts
from tests.helpers import make_group, make_member, make_thread


def _names(kind: str) -> set[str]:
    if db.session.get_bind().dialect.name == "postgresql":
        sql = {
            "trigger": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
            "index": "SELECT indexname FROM pg_indexes WHERE tablename = 'post_search'",
            "function": "SELECT proname FROM pg_proc WHERE proname LIKE 'post_search%'",
        }[kind]
    else:
        sql = f"SELECT name FROM sqlite_master WHERE type = '{kind}'"
    return set(db.session.execute(text(sql)).scalars())


def test_create_all_makes_the_index_and_its_triggers(session):
    assert "post_search" in inspect(session.connection()).get_table_names()
    if session.get_bind().dialect.name == "postgresql":
        assert {"post_search_sync_post", "post_search_sync_title"} <= _names("trigger")
        assert "ix_post_search_document" in _names("index")
        assert {"post_search_document", "post_search_words"} <= _names("function")
    else:
        assert {
            "post_search_post_inserted",
            "post_search_post_updated",
            "post_search_post_deleted",
            "post_search_title_changed",
        } <= _names("trigger")


def test_every_statement_can_run_again(session):
    for _ in range(2):
        schema.create_index(session.connection())
    assert schema.statements("sqlite") and schema.statements("postgresql")
    assert schema.drop_statements("sqlite") and schema.drop_statements("postgresql")


def test_the_search_reads_the_index(session, engine):
    bea = make_member("bea")
    make_thread(make_group(bea), bea, "Tomatoes in pots", "How deep?")
    seen = []

    def capture(_conn, _cursor, statement, parameters, *_args):
        if "post_search" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        for order in ("new", "best"):
            search_posts(None, "tomatoes pots", order=order)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) == 2
    connection = session.connection()
    for statement, parameters in seen:
        if connection.dialect.name == "postgresql":
            # With a few rows a table scan is cheaper; forbid it to see the index can serve.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(
                row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            )
            assert "ix_post_search_document" in plan, plan
        else:
            plan = "\n".join(
                row[-1]
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            assert "VIRTUAL TABLE INDEX" in plan and "post_search" in plan, plan


def test_dropping_and_creating_again_fills_the_index_from_the_posts(session):
    """What a migration's downgrade and upgrade run; the upgrade indexes existing posts."""
    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea, "Tomatoes in pots", "How deep?")
    connection = session.connection()
    schema.drop_index(connection)
    assert "post_search" not in inspect(connection).get_table_names()
    make_thread(thread.group, bea, "Beans on poles", "Written while there was no index.")
    schema.create_index(connection)
    _query, page = search_posts(None, "beans")
    assert [hit.post.thread.title for hit in page.items] == ["Beans on poles"]
    _query, page = search_posts(None, "tomatoes")
    assert [hit.post.thread_id for hit in page.items] == [thread.id]
