"""Held first posts and watched words: the author sees "waiting for a moderator", the
group's moderators see the queue, and nobody else sees the post anywhere until approved."""

from sqlalchemy import select

from app.accounts.services import get_account_by_handle
from app.db import db
from app.groups import rules
from app.groups.models import Post, Thread
from app.groups.permissions import access_to
from app.notifications.models import Notification
from app.search.services import search_posts
from tests.helpers import add_to_group, make_account, make_group, make_member, make_thread


def _arrange(session, hold_first_posts: bool = True):
    host = make_member("host")
    group = make_group(host, "gardens")
    group.hold_first_posts = hold_first_posts
    add_to_group(group, make_member("moda"), "moderator")
    add_to_group(group, make_member("newcomer"))
    add_to_group(group, make_member("reader"))
    make_account("outsider")
    thread = make_thread(group, host, "Welcome", "Say hello.")
    session.commit()
    return group, thread


def _as(client, auth, handle):
    auth.logout()
    auth.login(handle)


def _sees(client, path: str, text: str) -> bool:
    response = client.get(path)
    return response.status_code == 200 and text in response.get_data(as_text=True)


def test_a_held_first_thread_is_seen_by_its_author_and_moderators_alone(client, auth, session):
    _group, _ = _arrange(session)
    auth.login("newcomer")
    response = client.post(
        "/groups/gardens/threads/new",
        data={"title": "Cheap pills zzheld", "body": "Buy zzheldbody now"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "waiting for a moderator" in html
    assert "Waiting for a moderator: nobody else sees this" in html
    thread = session.scalars(select(Thread).where(Thread.title.like("%zzheld%"))).one()
    page = f"/groups/gardens/threads/{thread.id}"
    assert _sees(client, "/groups/gardens", "zzheld")
    for viewer in ("reader", "outsider", None):
        auth.logout()
        if viewer:
            auth.login(viewer)
        assert client.get(page).status_code == 404
        assert not _sees(client, "/groups/gardens", "zzheld")
        assert not _sees(client, "/groups/gardens/unanswered", "zzheld")
        assert not _sees(client, "/groups/mine", "zzheld")
        assert not _sees(client, "/search?q=zzheldbody", "Cheap pills")
    for viewer in ("moda", "host"):
        _as(client, auth, viewer)
        assert _sees(client, page, "zzheldbody")
        assert _sees(client, "/groups/gardens/held", "zzheldbody")
    # Not even the author finds it by search: the index holds readable posts only.
    reader = get_account_by_handle("reader")
    assert search_posts(reader, "zzheldbody")[1].items == []
    assert search_posts(get_account_by_handle("newcomer"), "zzheldbody")[1].items == []


def test_approving_a_held_reply_publishes_it_counts_it_and_tells_people(client, auth, session):
    _group, thread = _arrange(session)
    auth.login("newcomer")
    client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": "Hi @reader zzreply"})
    post = session.scalars(select(Post).where(Post.body.like("%zzreply%"))).one()
    assert post.held_at is not None and post.held_because == "a first post in this group"
    session.refresh(thread)
    assert thread.reply_count == 0 and thread.answered_at is None
    reader = get_account_by_handle("reader")
    assert not session.scalars(
        select(Notification).where(Notification.recipient_id == reader.id)
    ).all()
    _as(client, auth, "reader")
    assert not _sees(client, f"/groups/gardens/threads/{thread.id}", "zzreply")
    assert client.get(f"/groups/gardens/posts/{post.id}/report").status_code == 404

    _as(client, auth, "moda")
    assert client.post(f"/groups/gardens/posts/{post.id}/approve").status_code == 303
    session.expire_all()
    assert post.held_at is None
    assert thread.reply_count == 1 and thread.answered_at is not None
    assert [
        n.kind
        for n in session.scalars(select(Notification).where(Notification.recipient_id == reader.id))
    ] == ["mention"]
    _as(client, auth, "reader")
    assert _sees(client, f"/groups/gardens/threads/{thread.id}", "zzreply")
    assert search_posts(reader, "zzreply")[1].items[0].post.id == post.id
    # Their next post is not held: one approved post is enough.
    _as(client, auth, "newcomer")
    client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": "Again zzsecond"})
    assert session.scalars(select(Post).where(Post.body.like("%zzsecond%"))).one().held_at is None


def test_a_declined_post_stays_unseen_and_its_author_is_told_how_to_appeal(client, auth, session):
    _group, _thread = _arrange(session)
    auth.login("newcomer")
    client.post("/groups/gardens/threads/new", data={"title": "zzspam", "body": "Spam"})
    opener = session.scalars(select(Post).where(Post.body == "Spam")).one()
    _as(client, auth, "moda")
    response = client.post(f"/groups/gardens/posts/{opener.id}/decline", data={"reason": "Spam."})
    assert response.status_code == 303
    _as(client, auth, "reader")
    assert not _sees(client, "/groups/gardens", "zzspam")
    newcomer = get_account_by_handle("newcomer")
    notice = session.scalars(
        select(Notification).where(Notification.recipient_id == newcomer.id)
    ).one()
    assert notice.kind == "moderation"
    assert "declined your post" in notice.text and "appeal" in notice.text


def test_posts_are_not_held_when_the_setting_is_off_or_by_moderators(client, auth, session):
    _arrange(session, hold_first_posts=False)
    auth.login("newcomer")
    client.post("/groups/gardens/threads/new", data={"title": "Open", "body": "zzopen"})
    assert session.scalars(select(Post).where(Post.body == "zzopen")).one().held_at is None


def test_watched_words_block_or_hold_and_only_hosts_edit_them(client, auth, session):
    group, thread = _arrange(session, hold_first_posts=False)
    auth.login("moda")
    response = client.post("/groups/gardens/rules", data={"rules": "x", "block": "casino"})
    assert response.status_code == 403
    _as(client, auth, "host")
    response = client.post(
        "/groups/gardens/rules",
        data={"rules": "Be kind\nStay on topic", "block": "casino", "hold": "free money"},
    )
    assert response.status_code == 303
    assert [r.text for r in rules.rules_of(group)] == ["Be kind", "Stay on topic"]
    _as(client, auth, "newcomer")
    before = len(session.scalars(select(Post)).all())
    response = client.post(
        f"/groups/gardens/threads/{thread.id}/replies", data={"body": "Try my CASINO today"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "doesn&#39;t take posts with “casino” in them" in html
    assert "Try my CASINO today" in html
    assert len(session.scalars(select(Post)).all()) == before
    client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": "Free  Money here"})
    held = session.scalars(select(Post).where(Post.body.like("Free%"))).one()
    assert held.held_at is not None and "free money" in held.held_because
    # A word inside another word is not the word.
    client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": "casinos? no"})
    assert session.scalars(select(Post).where(Post.body == "casinos? no")).one().held_at is None


def test_the_rule_for_one_post_matches_the_clause_for_every_post(session):
    """Access.sees_on_thread_page and can_read_thread agree with the SQL clauses."""
    from app.groups import services
    from app.groups.permissions import on_thread_page, readable_threads

    group, thread = _arrange(session)
    newcomer = get_account_by_handle("newcomer")
    services.reply(access_to(group, newcomer), thread, "zzclause")
    services.start_thread(access_to(group, newcomer), "zzthread", "zzthreadbody")
    db.session.commit()
    posts = session.scalars(select(Post)).all()
    threads = session.scalars(select(Thread)).all()
    for handle in ("newcomer", "reader", "moda", "host", "outsider", None):
        viewer = get_account_by_handle(handle) if handle else None
        access = access_to(group, viewer)
        shown = set(session.scalars(select(Post.id).where(on_thread_page(access))))
        assert shown == {p.id for p in posts if access.sees_on_thread_page(p)}
        opened = set(session.scalars(select(Thread.id).where(readable_threads(viewer))))
        assert opened == {t.id for t in threads if access.can_read_thread(t)}
