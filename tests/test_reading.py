"""Reading is nearly free: no cookie, cacheable public pages, no writes, no secrets loaded.

The page walks read ``app.url_map``, so a new page is covered without touching this file.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager

import pytest
from flask import template_rendered
from sqlalchemy import create_engine, event, select
from werkzeug.routing import IntegerConverter

from app import caching
from app.accounts.models import Account
from app.db import db, has_writes, ping_idle_connections
from app.groups import moderation, services
from app.groups.models import Group, Post, Thread
from app.groups.permissions import access_to
from app.pagination import PAGE_SIZE
from tests.helpers import DEFAULT_PASSWORD, add_to_group, make_group, make_member, make_thread

# GET pages that answer a signed-out visitor with a cookie, and why: each holds a form
# they can send, and its CSRF token lives in the session.
FORM_PAGES = {
    "accounts.login": "the sign-in form",
    "accounts.signup": "the sign-up form",
    "accounts.request_reset": "the form asking for a reset link",
    "accounts.reset_password": "the new-password form (or a message about the link)",
    "accounts.check_email": "the form that sends the verification mail again",
    "accounts.verify_email": "the button that confirms the address",
}
# Signed-out views that shared caches may keep (with an ETag, answered 304).
PUBLIC_PAGES = [
    "/groups",
    "/groups/gardens",
    "/groups/gardens/unanswered",
    "/groups/gardens/threads/{thread}",
    "/groups/gardens/log",
    "/about",
    "/privacy",
]
SECRET_COLUMNS = re.compile(
    r"\baccounts(?:_\d+)?\.(?:email|password_hash)\b(?!_)|\btotp_secrets(?:_\d+)?\.secret\b"
    r"|\brecovery_codes(?:_\d+)?\.code_digest\b|\bpasskeys(?:_\d+)?\.public_key\b"
)


@pytest.fixture
def csrf_app(make_app):
    """CSRF on, as in production: building a form then puts a token in the session."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def world(csrf_app):
    """A public group with a thread of a few replies, by members with display names."""
    with csrf_app.app_context():
        bea = make_member("bea", display_name="Bea B")
        cai = make_member("cai")
        group = make_group(bea, "gardens")
        add_to_group(group, cai)
        thread = make_thread(group, bea)
        replies = [services.reply(access_to(group, cai), thread, f"Reply {n}") for n in range(3)]
        db.session.commit()
        return {
            "slug": group.slug,
            "thread_id": thread.id,
            "post_id": replies[0].id,
            "handle": "cai",
        }


def _url(rule, values) -> str:
    arguments = {}
    for name in rule.arguments:
        if rule.endpoint == "static":
            arguments[name] = "kindred.css"
        elif name in values:
            arguments[name] = values[name]
        elif isinstance(rule._converters[name], IntegerConverter):
            arguments[name] = 1
        else:
            arguments[name] = "dummy"
    return rule.build(arguments, append_unknown=False)[1]


def _get(client, url: str, **options):
    """GET ``url`` and close the response (a static file's is a file left open otherwise)."""
    with client.get(url, **options) as response:
        response.get_data()
        return response


def _get_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in rule.methods),
        key=lambda rule: rule.rule,
    )


def _sign_in(app, handle: str = "bea"):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(
        "/login", data={"identifier": handle, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    return client


@contextmanager
def recording(engine):
    """Every SQL statement on ``engine``, and every commit (a released savepoint in tests:
    the app's sessions run inside the test's transaction, see conftest)."""
    statements: list[str] = []
    commits: list[str] = []

    def statement(_conn, _cursor, text, *_args):
        statements.append(text)

    def committed(_conn, *_args):
        commits.append("commit")

    listeners = [
        ("before_cursor_execute", statement),
        ("commit", committed),
        ("release_savepoint", committed),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield statements, commits
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


# No cookie for reading ---------------------------------------------------------------


def test_a_signed_out_reader_gets_no_cookie_from_any_page_but_a_form(csrf_app, world):
    checked = []
    for rule in _get_rules(csrf_app):
        url = _url(rule, world)
        response = _get(csrf_app.test_client(), url)
        cookies = response.headers.getlist("Set-Cookie")
        location = response.headers.get("Location", "")
        if rule.endpoint in FORM_PAGES or location.startswith("/login"):
            continue  # a form to send, or the way to one
        assert cookies == [], f"{url} ({rule.endpoint}) sets {cookies}"
        checked.append(rule.endpoint)
    assert {
        "pages.home",
        "pages.about",
        "pages.privacy",
        "groups.directory",
        "groups.show_group",
        "groups.show_thread",
        "groups.unanswered",
        "groups.moderation_log",
        "search.search_posts",
        "static",
    } <= set(checked)


def test_the_sign_in_form_still_sets_its_cookie_and_needs_its_token(csrf_app, world):
    client = csrf_app.test_client()
    response = client.get("/login")
    (cookie,) = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("kindred_session=")
    refused = client.post("/login", data={"identifier": "bea", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 400


def test_a_signed_out_reader_is_shown_no_forms_to_send(csrf_app, world):
    client = csrf_app.test_client()
    for path in (f"/groups/gardens/threads/{world['thread_id']}", "/groups/gardens"):
        html = client.get(path).get_data(as_text=True)
        assert 'method="post"' not in html, path
        assert "Log in</a> to" in html, path


def test_a_member_still_gets_the_reply_form_with_its_token(csrf_app, world):
    client = _sign_in(csrf_app, "cai")
    html = client.get(f"/groups/gardens/threads/{world['thread_id']}").get_data(as_text=True)
    assert 'name="csrf_token"' in html and "Post reply" in html


# Caching -----------------------------------------------------------------------------


def test_public_pages_are_kept_by_shared_caches_and_answer_304(csrf_app, world):
    client = csrf_app.test_client()
    for path in PUBLIC_PAGES:
        path = path.format(thread=world["thread_id"])
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "public, max-age=60", path
        etag = response.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.get_data() == b""
        assert again.headers["ETag"] == etag
        assert again.headers["Content-Security-Policy"].startswith("default-src 'none'")
        weak = client.get(path, headers={"If-None-Match": f"W/{etag}"})
        assert weak.status_code == 304, "a proxy that compressed the page weakens its ETag"
        other = client.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200


def test_a_304_is_answered_without_rendering(csrf_app, world, monkeypatch):
    client = csrf_app.test_client()
    path = f"/groups/gardens/threads/{world['thread_id']}"
    etag = client.get(path).headers["ETag"]
    rendered = []
    monkeypatch.setattr(
        "app.groups.routes.render_template", lambda *a, **k: rendered.append(a) or ""
    )
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert rendered == []


def test_an_unchanged_public_page_is_sent_again_without_rendering(csrf_app, world):
    client = csrf_app.test_client()
    rendered = []

    def record(_app, template, context):
        rendered.append(template.name)

    paths = [path.format(thread=world["thread_id"]) for path in PUBLIC_PAGES]
    first = {path: client.get(path) for path in paths}
    with template_rendered.connected_to(record, csrf_app):
        for path in paths:
            again = client.get(path)
            assert again.status_code == 200, path
            assert again.get_data() == first[path].get_data(), path
            for header in ("ETag", "Cache-Control", "Content-Type", "Content-Security-Policy"):
                assert again.headers[header] == first[path].headers[header], (path, header)
            assert "Set-Cookie" not in again.headers, path
        assert rendered == []
        path = f"/groups/gardens/threads/{world['thread_id']}"
        with csrf_app.app_context():
            group = db.session.scalar(select(Group).where(Group.slug == "gardens"))
            cai = db.session.scalar(select(Account).where(Account.handle == "cai"))
            thread = db.session.get(Thread, world["thread_id"])
            services.reply(access_to(group, cai), thread, "New!")
            db.session.commit()
        changed = client.get(path)
    assert rendered == ["groups/thread.html"], "a changed thread is rendered anew"
    assert "New!" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != first[path].headers["ETag"]


def test_a_kept_page_is_never_sent_to_someone_signed_in(csrf_app, world):
    path = f"/groups/gardens/threads/{world['thread_id']}"
    kept = csrf_app.extensions["kindred_page_cache"]
    csrf_app.test_client().get(path)
    assert len(kept) == 1
    member = _sign_in(csrf_app, "cai")
    page = member.get(path).get_data(as_text=True)
    assert "Post reply" in page and 'name="csrf_token"' in page
    assert "Log in</a> to reply" not in page
    assert len(kept) == 1, "a signed-in page is not kept"


def test_with_no_budget_no_page_is_kept(csrf_app, world, monkeypatch):
    monkeypatch.setitem(csrf_app.extensions, "kindred_page_cache", caching.PageCache(0))
    client = csrf_app.test_client()
    client.get("/groups/gardens")
    client.get("/groups/gardens")
    assert len(csrf_app.extensions["kindred_page_cache"]) == 0


def test_the_rows_an_etag_is_made_of_are_the_posts_and_threads_the_page_shows(csrf_app, world):
    """A signed-out thread or group page's ETag comes from plain rows read apart from the
    page's own objects: both must pick the same posts (a held one left out) and threads."""
    from app.db import utcnow

    with csrf_app.test_request_context("/"):
        group = db.session.scalar(select(Group).where(Group.slug == "gardens"))
        bea = db.session.scalar(select(Account).where(Account.handle == "bea"))
        thread = db.session.get(Thread, world["thread_id"])
        for n in range(PAGE_SIZE + 3):
            services.reply(access_to(group, bea), thread, f"More {n}")
        held = services.reply(access_to(group, bea), thread, "Waiting")
        held.held_at = utcnow()
        make_thread(group, bea, title="Another")
        db.session.commit()
        reader = access_to(group, None)
        cursor = None
        for _page in range(2):
            page = services.posts_page(thread, cursor, reader)
            shown = services.posts_page_shown(thread, cursor, reader)
            assert [row[0] for row in shown] == [post.id for post in page.items] + (
                [shown[-1][0]] if page.next_cursor else []
            )
            assert held.id not in [row[0] for row in shown]
            cursor = page.next_cursor
        # Threads: more than a page, one held, and another group's alongside.
        for n in range(PAGE_SIZE + 1):
            make_thread(group, bea, title=f"Thread {n}")
        make_thread(group, bea, title="Held").held_at = utcnow()
        make_thread(make_group(bea, "orchards"), bea, title="Elsewhere")
        db.session.commit()
        cursor = None
        for _page in range(2):
            threads = services.threads_page(reader, cursor)
            shown = services.threads_page_shown(reader, cursor)
            assert [row[0] for row in shown] == [thread.id for thread in threads.items] + (
                [shown[-1][0]] if threads.next_cursor else []
            )
            assert {row[3] for row in shown}.isdisjoint({"Held", "Elsewhere"})
            cursor = threads.next_cursor
        assert cursor is None, "both pages walked"
        # The directory: a private group left out, in either order, searched or not.
        make_group(bea, "quiet-room", visibility="private")
        for n in range(PAGE_SIZE + 1):
            make_group(bea, f"plot-{n}", name=f"Plot {n}")
        for search, order in ((None, "new"), (None, "az"), ("plot", "az"), ("quiet", "new")):
            cursor = None
            for _page in range(2):
                page = services.directory(None, search, order, cursor)
                shown = services.directory_shown(None, search, order, cursor)
                assert [row[0] for row in shown] == [group.id for group in page.items] + (
                    [shown[-1][0]] if page.next_cursor else []
                ), (search, order)
                assert "quiet-room" not in [row[1] for row in shown]
                cursor = page.next_cursor


def test_the_page_cache_drops_the_least_recently_sent_past_its_budget():
    kept = caching.PageCache(400)
    kept.put("a", b"x" * 100, "text/html")
    kept.put("b", b"x" * 100, "text/html")
    kept.put("c", b"x" * 100, "text/html")
    assert kept.get("a") is not None  # sent again: now the most recent
    kept.put("d", b"x" * 100, "text/html")
    kept.put("e", b"x" * 100, "text/html")
    assert kept.get("b") is None, "the least recently sent went first"
    assert [kept.get(key) is not None for key in "acde"] == [True, True, True, True]
    assert kept.size == 400
    kept.put("huge", b"x" * 101, "text/html")
    assert kept.get("huge") is None, "no page larger than a quarter of the budget"
    assert len(kept) == 4


def _etag(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.headers["ETag"]


def test_the_etag_changes_when_the_words_for_a_time_would(csrf_app, world, monkeypatch):
    """A page says "just now", later "yesterday": a cached copy must not keep the old words."""
    from datetime import timedelta

    from app import caching
    from app.db import utcnow

    client = csrf_app.test_client()
    path = f"/groups/gardens/threads/{world['thread_id']}"
    first = _etag(client, path)
    assert _etag(client, path) == first  # the same words: the same ETag
    later = utcnow() + timedelta(days=2)
    monkeypatch.setattr(caching, "utcnow", lambda: later)
    page = client.get(path, headers={"If-None-Match": first})
    assert page.status_code == 200
    # The page says its times relative to the moment its ETag counted from.
    assert "2 days ago</time>" in page.get_data(as_text=True)
    assert "just now" not in page.get_data(as_text=True)


def test_a_changed_thread_changes_its_etag(csrf_app, world):
    client = csrf_app.test_client()
    path = f"/groups/gardens/threads/{world['thread_id']}"
    group_path = "/groups/gardens"
    seen = {_etag(client, path)}
    seen_group = {_etag(client, group_path)}

    def changed(change):
        with csrf_app.app_context():
            group = db.session.scalar(select(Group).where(Group.slug == "gardens"))
            thread = db.session.get(Thread, world["thread_id"])
            cai = db.session.scalar(select(Account).where(Account.handle == "cai"))
            bea = db.session.scalar(select(Account).where(Account.handle == "bea"))
            change(group, thread, cai, bea)
            db.session.commit()
        etag = _etag(client, path)
        assert etag not in seen
        seen.add(etag)
        old = client.get(path, headers={"If-None-Match": ",".join(seen - {etag})})
        assert old.status_code == 200

    def reply(group, thread, cai, _bea):
        services.reply(access_to(group, cai), thread, "One more reply")

    def edit(group, thread, cai, _bea):
        post = db.session.get(Post, world["post_id"])
        services.edit_post(access_to(group, cai), post, "Reply 0, put better")

    def hide(group, thread, _cai, bea):
        post = db.session.get(Post, world["post_id"])
        moderation.hide_post(access_to(group, bea), post, "Off topic")

    def rename(_group, _thread, cai, _bea):
        cai.display_name = "Cai C"

    def lock(group, thread, _cai, bea):
        moderation.lock_thread(access_to(group, bea), thread, "Done")

    for change in (reply, edit, hide, rename, lock):
        changed(change)
    assert _etag(client, group_path) not in seen_group, "the group's list shows the thread"


def test_a_changed_directory_changes_its_etag(csrf_app, world):
    client = csrf_app.test_client()
    seen = {_etag(client, "/groups")}

    def changed(change):
        with csrf_app.app_context():
            group = db.session.scalar(select(Group).where(Group.slug == "gardens"))
            bea = db.session.scalar(select(Account).where(Account.handle == "bea"))
            change(group, bea)
            db.session.commit()
        page = client.get("/groups", headers={"If-None-Match": ",".join(seen)})
        assert page.status_code == 200, "not answered from the old page"
        assert page.headers["ETag"] not in seen
        seen.add(page.headers["ETag"])
        return page.get_data(as_text=True)

    def rename(group, _bea):
        group.name = "Window Gardens"

    def start(_group, bea):
        make_group(bea, "orchards", name="Orchards")

    def close(group, _bea):
        group.visibility = "members"

    assert "Window Gardens" in changed(rename)
    assert "Orchards" in changed(start)
    assert "Window Gardens" not in changed(close)


def test_the_moderation_log_changes_its_etag_with_the_words_it_shows(csrf_app, world):
    client = csrf_app.test_client()
    path = "/groups/gardens/log"
    seen = {_etag(client, path)}

    def changed(change, words):
        with csrf_app.app_context():
            group = db.session.scalar(select(Group).where(Group.slug == "gardens"))
            thread = db.session.get(Thread, world["thread_id"])
            bea = db.session.scalar(select(Account).where(Account.handle == "bea"))
            change(group, thread, bea)
            db.session.commit()
        page = client.get(path)
        assert page.headers["ETag"] not in seen
        seen.add(page.headers["ETag"])
        assert words in page.get_data(as_text=True)

    def hide(group, _thread, bea):
        moderation.hide_post(access_to(group, bea), db.session.get(Post, world["post_id"]), "Oops")

    def retitle(_group, thread, _bea):  # the entry names the post's thread by its title
        thread.title = "A better title"

    def rehandle(_group, _thread, _bea):  # read through the entry's post: two steps away
        db.session.get(Post, world["post_id"]).author.handle = "cai2"

    def name_moderators(group, _thread, _bea):
        group.log_names_moderators = True

    changed(hide, "Oops")
    changed(retitle, "in “A better title”")
    changed(rehandle, "by @cai2")
    changed(name_moderators, "@bea")


def test_signed_in_pages_are_never_kept_by_shared_caches(csrf_app, world):
    client = _sign_in(csrf_app, "cai")
    for rule in _get_rules(csrf_app):
        response = _get(client, _url(rule, world))
        cache_control = response.headers.get("Cache-Control", "")
        assert "public" not in cache_control, rule.endpoint
        if response.mimetype == "text/html":
            assert cache_control == "no-store", rule.endpoint
    path = f"/groups/gardens/threads/{world['thread_id']}"
    etag = _etag(csrf_app.test_client(), path)
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_a_signed_out_reader_with_a_message_waiting_gets_a_private_page(csrf_app, world):
    client = csrf_app.test_client()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You are logged out.")]
    response = client.get("/groups/gardens")
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
    assert "You are logged out." in response.get_data(as_text=True)


# No writes, few queries, no secrets ----------------------------------------------------


def test_read_only_pages_do_not_commit(csrf_app, engine, world):
    signed_out, signed_in = csrf_app.test_client(), _sign_in(csrf_app, "cai")
    for client in (signed_out, signed_in):
        for rule in _get_rules(csrf_app):
            url = _url(rule, world)
            # Opening a thread the first time writes the reader's place in it (their read
            # position); the same page again, with nothing new, writes nothing.
            _get(client, url)
            with recording(engine) as (_statements, commits):
                _get(client, url)
            assert commits == [], f"GET {url} committed"


def test_a_write_still_commits(csrf_app, engine, world):
    client = _sign_in(csrf_app, "cai")
    path = f"/groups/gardens/threads/{world['thread_id']}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(True))
    with recording(engine) as (_statements, commits):
        response = client.post(
            f"{path}/replies", data={"body": "Committed?", "csrf_token": token.group(1)}
        )
    assert response.status_code == 303
    assert commits == ["commit"]
    assert "Committed?" in client.get(path).get_data(as_text=True)


def test_the_session_knows_when_it_wrote(app, session):
    assert not has_writes(session)
    session.scalar(select(Account.id))
    assert not has_writes(session)
    make_member("ada")  # flushes and commits
    assert not has_writes(session)
    session.execute(Account.__table__.update().values(bio="changed"))
    assert has_writes(session)
    session.rollback()
    account = session.scalar(select(Account))
    account.bio = "again"
    assert has_writes(session)


def test_pages_that_list_posts_load_no_secret_columns(csrf_app, engine, world):
    signed_out, signed_in = csrf_app.test_client(), _sign_in(csrf_app, "cai")
    paths = [path.format(thread=world["thread_id"]) for path in PUBLIC_PAGES]
    paths += ["/groups/mine", "/search?q=reply", "/groups/gardens/log", "/"]
    for client in (signed_out, signed_in):
        for path in paths:
            with recording(engine) as (statements, _commits):
                assert client.get(path).status_code in {200, 302}, path
            for statement in statements:
                assert not _secrets_in(statement), (path, statement)


PASSWORD_HASH = re.compile(r"\baccounts(?:_\d+)?\.password_hash\b")


def _secrets_in(statement: str):
    """Secret columns the statement loads. The signed-in viewer's own account (loaded with
    their session) may carry their own email address, never their password hash."""
    if statement.lstrip().startswith("SELECT account_sessions."):
        return PASSWORD_HASH.search(statement)
    return SECRET_COLUMNS.search(statement)


def test_the_secret_column_check_would_notice_one():
    assert SECRET_COLUMNS.search("SELECT accounts_1.email, accounts_1.handle FROM accounts")
    assert SECRET_COLUMNS.search("SELECT accounts.password_hash FROM accounts")
    assert not SECRET_COLUMNS.search("SELECT accounts.email_verified_at FROM accounts")
    assert _secrets_in("SELECT account_sessions.id, accounts_1.password_hash FROM account_sessions")
    assert not _secrets_in("SELECT account_sessions.id, accounts_1.email FROM account_sessions")


def _selects(engine, client, path) -> int:
    with recording(engine) as (statements, _commits):
        assert client.get(path).status_code == 200
    return sum(1 for statement in statements if statement.lstrip().upper().startswith("SELECT"))


def test_signed_out_pages_run_a_fixed_small_number_of_queries(csrf_app, engine, world):
    with csrf_app.app_context():
        group = db.session.scalar(select(Group).where(Group.slug == "gardens"))
        bea = db.session.scalar(select(Account).where(Account.handle == "bea"))
        long = make_thread(group, bea, title="Long")
        for n in range(PAGE_SIZE + 5):
            services.reply(access_to(group, bea), long, f"Reply {n}")
        for n in range(PAGE_SIZE):
            make_thread(group, bea, title=f"More {n}")
        db.session.commit()
        long_id = long.id
    client = csrf_app.test_client()
    # The group with the thread, the rows its ETag is made of, then (to render the page)
    # its posts with their authors; once kept, the page is sent without the last.
    for thread_id in (world["thread_id"], long_id):
        assert _selects(engine, client, f"/groups/gardens/threads/{thread_id}") == 3
        assert _selects(engine, client, f"/groups/gardens/threads/{thread_id}") == 2
    # The group, the rows of its ETag, its threads with their authors (kept: not the last).
    assert _selects(engine, client, "/groups/gardens") == 3
    assert _selects(engine, client, "/groups/gardens") == 2
    assert _selects(engine, client, "/groups/gardens/unanswered") == 2
    # The rows of the directory's ETag, then its groups (kept: not the last).
    assert _selects(engine, client, "/groups") == 2
    assert _selects(engine, client, "/groups") == 1


# Pinging idle connections only ---------------------------------------------------------


def test_a_connection_is_pinged_only_after_lying_idle(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite:///{tmp_path / 'ping.sqlite3'}", pool_size=1)
    ping_idle_connections(engine, after_idle=10)
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def raw_connection():
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            return connection.connection.dbapi_connection

    first = raw_connection()
    clock[0] += 5
    assert raw_connection() is first, "a connection used a moment ago is reused unpinged"
    first.close()  # the database went away behind the pool's back
    clock[0] += 60
    second = raw_connection()
    assert second is not first, "the ping found the dead connection and a new one was opened"
    engine.dispose()
