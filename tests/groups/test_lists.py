"""Lists: a fixed number of queries per page, and keyset pages that never skip or repeat."""

import re
from contextlib import contextmanager

from sqlalchemy import event

from app.db import db
from app.groups import services
from app.groups.log import log_action
from app.groups.models import GroupMember, Report
from app.groups.permissions import access_to
from app.pagination import PAGE_SIZE
from tests.helpers import add_to_group, make_account, make_group, make_member, make_reply


@contextmanager
def counting_queries(engine):
    """Count SQL statements on ``engine`` (the tests' engine: the app's sessions are bound
    to one of its connections, see conftest)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def _queries(engine, client, path: str) -> int:
    """The queries the page runs (not BEGIN, COMMIT or savepoints: a read-only request
    commits nothing, and in tests requests share one session, see conftest)."""
    with counting_queries(engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    queries = [statement for statement in statements if not TRANSACTION_CONTROL.match(statement)]
    assert queries, "no queries counted"
    return len(queries)


def _threads(group, author, count: int, title: str = "Thread"):
    access = access_to(group, author)
    threads = [services.start_thread(access, f"{title} {n}", "Body") for n in range(count)]
    db.session.commit()
    return threads


def _two_groups(host):
    return make_group(host, "one-item"), make_group(host, "many-items")


def test_group_page_runs_the_same_queries_for_1_or_50_threads(engine, client, auth, session):
    host = make_member("bea")
    one, many = _two_groups(host)
    _threads(one, host, 1)
    _threads(many, host, PAGE_SIZE)
    auth.login("bea")
    assert _queries(engine, client, "/groups/one-item") == _queries(
        engine, client, "/groups/many-items"
    )
    assert _queries(engine, client, "/groups/one-item/unanswered") == _queries(
        engine, client, "/groups/many-items/unanswered"
    )


def test_thread_page_runs_the_same_queries_for_1_or_50_posts(engine, client, auth, session):
    host = make_member("bea")
    group = make_group(host)
    cai = make_member("cai")
    add_to_group(group, cai)
    short, long = _threads(group, host, 2)
    for n in range(PAGE_SIZE - 1):
        services.reply(access_to(group, cai if n % 2 else host), long, f"Reply {n}")
    db.session.commit()
    auth.login("cai")
    assert _queries(engine, client, f"/groups/gardens/threads/{short.id}") == _queries(
        engine, client, f"/groups/gardens/threads/{long.id}"
    )


def test_directory_runs_the_same_queries_for_1_or_50_groups(engine, client, auth, session):
    host = make_member("bea")
    make_group(host, "solo", name="Solo")
    for n in range(PAGE_SIZE):
        services.create_group(host, f"Many {n}", f"many-{n}", "Many", "", "public", "open")
    db.session.commit()
    auth.login("bea")
    assert _queries(engine, client, "/groups?q=solo") == _queries(engine, client, "/groups?q=many")
    assert _queries(engine, client, "/groups?q=solo&order=az") == _queries(
        engine, client, "/groups?q=many&order=az"
    )


def test_my_groups_runs_the_same_queries_for_1_or_50_threads(engine, client, auth, session):
    bea, cai = make_member("bea"), make_member("cai")
    _threads(make_group(bea, "small"), bea, 1)
    _threads(make_group(cai, "large"), cai, PAGE_SIZE)
    auth.login("bea")
    few = _queries(engine, client, "/groups/mine")
    auth.login("cai")
    assert few == _queries(engine, client, "/groups/mine")


def test_moderation_pages_run_the_same_queries_for_1_or_50_items(engine, client, auth, session):
    host = make_member("bea")
    one, many = _two_groups(host)
    reporter = make_account("eve")
    for group, count in ((one, 1), (many, PAGE_SIZE)):
        for thread in _threads(group, host, count):
            opener_id = services.posts_page(thread, None).items[0].id
            session.add(
                Report(post_id=opener_id, group_id=group.id, reporter_id=reporter.id, reason="spam")
            )
            log_action(group, host, "host", "locked", thread=thread, reason="test")
        for n in range(count - 1):
            session.add(
                GroupMember(group_id=group.id, account_id=make_account(f"{group.slug}-{n}").id)
            )
    session.commit()
    auth.login("bea")
    for page in ("reports", "log", "members"):
        assert _queries(engine, client, f"/groups/one-item/{page}") == _queries(
            engine, client, f"/groups/many-items/{page}"
        ), page


def _walk(client, path: str, pattern: str, between=None) -> list[str]:
    """Follow the "Older"/"Later" links, collecting item titles; ``between`` runs between pages."""
    seen: list[str] = []
    while path:
        html = client.get(path).get_data(as_text=True)
        seen += re.findall(pattern, html)
        match = re.search(r'<a href="([^"]+)">(?:Older|Later)</a>', html)
        path = match.group(1).replace("&amp;", "&") if match else None
        if between and path:
            between()
    return seen


def test_thread_list_pages_neither_skip_nor_repeat_while_new_threads_arrive(client, session):
    host = make_member("bea")
    group = make_group(host)
    _threads(group, host, PAGE_SIZE * 2 + 5, title="Old")
    arrivals = iter(range(100))

    def new_thread_arrives():
        _threads(group, host, 1, title=f"New {next(arrivals)}")

    seen = _walk(client, "/groups/gardens", r">(Old \d+)</a>", new_thread_arrives)
    assert sorted(seen) == sorted(f"Old {n}" for n in range(PAGE_SIZE * 2 + 5))


def test_reply_pages_neither_skip_nor_repeat_while_new_replies_arrive(client, session):
    host = make_member("bea")
    group = make_group(host)
    (thread,) = _threads(group, host, 1)
    for n in range(PAGE_SIZE * 2):
        services.reply(access_to(group, host), thread, f"Reply number {n}.")
    db.session.commit()
    arrivals = iter(range(PAGE_SIZE * 2, PAGE_SIZE * 3))

    def new_reply_arrives():
        make_reply(thread, host, f"Reply number {next(arrivals)}.")

    seen = _walk(
        client, f"/groups/gardens/threads/{thread.id}", r"Reply number (\d+)\.", new_reply_arrives
    )
    numbers = [int(n) for n in seen]
    assert numbers == sorted(set(numbers))
    assert numbers[: PAGE_SIZE * 2] == list(range(PAGE_SIZE * 2))


def test_a_tampered_cursor_is_a_broken_link_page(client, session):
    host = make_member("bea")
    _threads(make_group(host), host, 1, title="Only")
    for cursor in ("garbage", "W10", "WyJ4IiwgMV0"):
        response = client.get(f"/groups/gardens?before={cursor}")
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "This link is broken" in text
        assert "Only 0" not in text
    assert "Only 0" in client.get("/groups/gardens?before=").get_data(as_text=True)
