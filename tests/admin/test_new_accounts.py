"""Admins see new accounts with their first posts, and suspend a spammer and hide all of
their posts everywhere in one step, in the site log."""

from datetime import timedelta

from sqlalchemy import select

from app.accounts.services import get_account_by_handle
from app.db import utcnow
from app.groups.models import ModerationLogEntry, Post, Thread
from app.search.services import search_posts
from tests.helpers import (
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_reply,
    make_thread,
)


def _spammer_in_two_groups(session):
    make_account("root_admin", admin=True)
    bea = make_member("bea")
    bea.created_at = utcnow() - timedelta(days=400)
    gardens = make_group(bea, "gardens")
    kitchens = make_group(bea, "kitchens")
    spam = make_member("spammy")
    for group in (gardens, kitchens):
        add_to_group(group, spam)
    welcome = make_thread(gardens, bea, "Welcome", "Say hello")
    reply = make_reply(welcome, spam, "Cheap zzpills here")
    opener = make_thread(kitchens, spam, "Deals zzdeals", "Buy zzwatches now")
    make_thread(kitchens, spam, "More zzmore", "Again")
    session.commit()
    return welcome, reply, opener


def test_the_new_accounts_page_shows_first_posts_and_not_old_accounts(client, auth, session):
    _spammer_in_two_groups(session)
    auth.login("root_admin")
    page = client.get("/admin/accounts/new").get_data(as_text=True)
    assert "@spammy" in page and "Cheap zzpills here" in page and "zzwatches" in page
    assert "@bea" not in page
    assert page.count("<blockquote>") == 3  # the spammer's first three posts, nobody else's


def test_suspending_a_spammer_hides_every_post_everywhere_at_once(client, auth, session):
    welcome, _reply, opener = _spammer_in_two_groups(session)
    auth.login("root_admin")
    assert client.get("/admin/accounts/spammy/suspend-and-hide").status_code == 200
    response = client.post("/admin/accounts/spammy/suspend-and-hide", data={"reason": ""})
    assert response.status_code == 400
    assert not get_account_by_handle("spammy").is_suspended
    response = client.post(
        "/admin/accounts/spammy/suspend-and-hide", data={"reason": "Spam in two groups"}
    )
    assert response.status_code == 303
    session.expire_all()
    spammy = get_account_by_handle("spammy")
    assert spammy.is_suspended
    posts = session.scalars(select(Post).where(Post.author_id == spammy.id)).all()
    assert len(posts) == 3 and all(post.hidden_at is not None for post in posts)
    assert session.get(Thread, opener.id).removed
    log = client.get("/admin/log").get_data(as_text=True)
    assert "suspended @spammy" in log and "hid all 3 posts of @spammy" in log
    assert (
        session.scalar(
            select(ModerationLogEntry.reason).where(ModerationLogEntry.action.like("hid all%"))
        )
        == "Spam in two groups"
    )
    auth.logout()
    for where in ("/groups/gardens", f"/groups/gardens/threads/{welcome.id}", "/groups/kitchens"):
        html = client.get(where).get_data(as_text=True)
        assert "zz" not in html.replace("zzz", ""), where
    assert search_posts(None, "zzpills")[1].items == []
    # Once done, there is nothing left to do.
    auth.login("root_admin")
    response = client.post(
        "/admin/accounts/spammy/suspend-and-hide", data={"reason": "Again"}, follow_redirects=True
    )
    assert "is suspended already and has no posts to hide" in response.get_data(as_text=True)
