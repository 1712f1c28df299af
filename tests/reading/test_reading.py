"""Read positions: kept as one reads, only ever forward, the reader's own; a long thread
offers the first unread post and the latest reply."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db import db
from app.groups.models import Post
from app.pagination import PAGE_SIZE
from app.reading import services as reading
from app.reading.models import ReadPosition
from tests.exports.support import read_json, unzip
from tests.helpers import (
    DEFAULT_PASSWORD,
    add_to_group,
    make_group,
    make_member,
    make_reply,
    make_thread,
)


def _long_thread(group, author, replier, replies: int):
    thread = make_thread(group, author, "A long one")
    return thread, [make_reply(thread, replier, f"Reply number {n}") for n in range(replies)]


def _position(account, thread) -> ReadPosition | None:
    db.session.expire_all()
    return reading.position_for(account, thread)


def test_opening_a_thread_keeps_my_place_and_never_moves_it_back(client, auth, session):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea)
    add_to_group(group, cai)
    thread, posts = _long_thread(group, bea, cai, PAGE_SIZE + 5)
    auth.login("cai")
    client.get(f"/groups/gardens/threads/{thread.id}")
    first_page_end = posts[PAGE_SIZE - 2]  # the opener plus 49 replies
    assert _position(cai, thread).last_read_post_id == first_page_end.id

    response = client.get(f"/groups/gardens/threads/{thread.id}/latest")
    client.get(response.headers["Location"])
    assert _position(cai, thread).last_read_post_id == posts[-1].id

    client.get(f"/groups/gardens/threads/{thread.id}")  # the first page again
    assert _position(cai, thread).last_read_post_id == posts[-1].id


def test_a_long_thread_offers_the_first_unread_post_and_the_latest_reply(client, auth, session):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea)
    add_to_group(group, cai)
    thread, _replies = _long_thread(group, bea, cai, 3)
    auth.login("bea")
    first = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert "Jump to the first unread post" not in first  # Never opened: read from the top.
    assert f'href="/groups/gardens/threads/{thread.id}/latest"' in first

    new = make_reply(thread, cai, "Something new")
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert "Jump to the first unread post" in page
    assert f'#post-{new.id}"' in page
    # Having opened the page, nothing is unread any more.
    again = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert "Jump to the first unread post" not in again

    latest = client.get(f"/groups/gardens/threads/{thread.id}/latest")
    assert latest.status_code == 303
    assert latest.headers["Location"].endswith(f"#post-{new.id}")


def test_the_unread_link_of_a_thread_never_opened_goes_to_its_first_post(client, auth, session):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea)
    add_to_group(group, cai)
    thread = make_thread(group, bea)
    make_reply(thread, bea)
    opener = session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opener))
    auth.login("cai")
    response = client.get(f"/groups/gardens/threads/{thread.id}/unread")
    assert response.headers["Location"] == f"/groups/gardens/threads/{thread.id}#post-{opener.id}"


def test_the_unread_link_of_a_thread_read_to_the_end_goes_to_its_latest_post(client, auth, session):
    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea)
    reply = make_reply(thread, bea)
    auth.login("bea")
    client.get(f"/groups/gardens/threads/{thread.id}")
    response = client.get(f"/groups/gardens/threads/{thread.id}/unread")
    assert response.headers["Location"].endswith(f"#post-{reply.id}")


def test_unread_and_latest_links_follow_the_groups_reading_rule(client, auth, session):
    bea = make_member("bea")
    secret = make_group(bea, "secret", visibility="private")
    thread = make_thread(secret, bea)
    make_member("eve")
    auth.login("eve")
    for end in ("unread", "latest"):
        assert client.get(f"/groups/secret/threads/{thread.id}/{end}").status_code == 404


def test_a_visitor_reads_without_a_position_being_kept(client, session):
    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea)
    assert client.get(f"/groups/gardens/threads/{thread.id}").status_code == 200
    assert session.scalar(select(func.count()).select_from(ReadPosition)) == 0


def test_positions_are_in_my_export_and_go_with_my_account(client, auth, session):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea)
    add_to_group(group, cai)
    thread = make_thread(group, bea)
    reply = make_reply(thread, bea)
    auth.login("cai")
    client.get(f"/groups/gardens/threads/{thread.id}")
    archive = unzip(client.post("/settings/export"))
    positions = read_json(archive, "reading.json")["read_positions"]
    assert len(positions) == 1
    assert positions[0]["read_up_to"].endswith(
        f"/groups/gardens/threads/{thread.id}#post-{reply.id}"
    )
    index = archive.read("index.html").decode()
    assert 'id="reading-json"' in index and f"#post-{reply.id}" in index

    response = client.post("/settings/delete", data={"password": DEFAULT_PASSWORD, "posts": "keep"})
    assert response.status_code == 303
    assert session.scalar(select(func.count()).select_from(ReadPosition)) == 0


def test_mark_read_twice_at_once_keeps_one_position(app, session):
    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea)
    reply = make_reply(thread, bea)
    opener = session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opener))
    reading.mark_read(bea, opener)
    reading.mark_read(bea, reply)
    reading.mark_read(bea, opener)
    db.session.commit()
    rows = list(session.scalars(select(ReadPosition)))
    assert [(row.account_id, row.last_read_post_id) for row in rows] == [(bea.id, reply.id)]
