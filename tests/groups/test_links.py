"""Each post's links, built once per page, are the links ``url_for`` would build."""

from __future__ import annotations

from flask import url_for

from app.groups.links import _MARK, each_post

ENDPOINTS = [
    "groups.edit_post",
    "groups.report_post",
    "groups.delete_post",
    "groups.hide_post",
    "groups.unhide_post",
    "groups.post_revisions",
]


def test_each_posts_link_is_the_one_url_for_builds(app):
    # A slug holding the mark's digits must not confuse where the id goes.
    with app.test_request_context("/"):
        for slug in ("gardens", f"room-{_MARK}", "0-1"):
            for endpoint in ENDPOINTS:
                link = each_post(endpoint, slug=slug)
                for post_id in (1, 7, 12345):
                    assert link(post_id) == url_for(endpoint, slug=slug, post_id=post_id)
            quote = each_post(
                "groups.show_thread", "quote", slug=slug, thread_id=3, _anchor="reply"
            )
            assert quote(9) == url_for(
                "groups.show_thread", slug=slug, thread_id=3, quote=9, _anchor="reply"
            )
            assert quote(9).endswith("?quote=9#reply")


def test_an_id_in_the_query_string_is_put_in_its_place_too(app):
    with app.test_request_context("/"):
        link = each_post("groups.show_group", "before", slug=f"plot-{_MARK}")
        assert link(5) == url_for("groups.show_group", slug=f"plot-{_MARK}", before=5)


def test_a_thread_page_links_each_post_to_its_own_actions(client, auth, session):
    from sqlalchemy import select

    from app.groups import services
    from app.groups.models import Post
    from app.groups.permissions import access_to
    from tests.helpers import make_group, make_member, make_thread

    host = make_member("linkhost")
    group = make_group(host, "link-room")
    thread = make_thread(group, host)
    services.reply(access_to(group, host), thread, "A reply to act on")
    session.commit()
    posts = session.scalars(select(Post.id).where(Post.thread_id == thread.id)).all()
    assert len(posts) == 2
    auth.login("linkhost")
    html = client.get(f"/groups/link-room/threads/{thread.id}").get_data(as_text=True)
    for post_id in posts:
        for path in (
            f"/groups/link-room/threads/{thread.id}?quote={post_id}#reply",
            f"/groups/link-room/posts/{post_id}/edit",
            f"/groups/link-room/posts/{post_id}/delete",
            f"/groups/link-room/posts/{post_id}/hide",
        ):
            assert f'"{path}"' in html, path
