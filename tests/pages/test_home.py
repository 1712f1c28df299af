"""The signed-in home: what is new in one's groups, what waits for an answer, what needs one."""

from __future__ import annotations

import re
from datetime import timedelta

from app.blocks import services as blocks
from app.db import db, utcnow
from app.groups import moderation
from app.groups.models import Invitation, JoinRequest
from app.groups.permissions import access_to
from app.pagination import PAGE_SIZE
from tests.groups.test_lists import counting_queries
from tests.helpers import (
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_reply,
    make_thread,
)


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str, heading_id: str) -> str:
    """The part of the page from the heading with ``heading_id`` to the next h2."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<h2", start)
    return page[start : end if end != -1 else None]


def test_a_new_reply_in_my_group_is_on_my_home_and_links_to_the_first_unread_post(
    client, auth, session
):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea)
    add_to_group(group, cai)
    thread = make_thread(group, bea, "Tomatoes indoors?")
    auth.login("bea")
    client.get(f"/groups/gardens/threads/{thread.id}")  # Bea reads her own thread.
    assert "Nothing new in your groups" in _home(client)

    reply = make_reply(thread, cai, "Use a south window.")
    page = _home(client)
    assert "Tomatoes indoors?" in page
    assert "new replies" in page
    link = f'href="/groups/gardens/threads/{thread.id}/unread"'
    assert link in page

    landing = client.get(f"/groups/gardens/threads/{thread.id}/unread")
    assert landing.status_code == 303
    assert landing.headers["Location"].endswith(f"#post-{reply.id}")
    assert "after=" in landing.headers["Location"]
    thread_page = client.get(landing.headers["Location"]).get_data(as_text=True)
    assert f'id="post-{reply.id}"' in thread_page

    # Read now: no longer new.
    page = _home(client)
    assert "Tomatoes indoors?" not in _section(page, "your-groups")
    assert "Nothing new in your groups" in page


def test_a_thread_started_since_i_joined_is_a_new_thread_and_my_own_posts_are_never_new(
    client, auth, session
):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea)
    add_to_group(group, cai)
    auth.login("cai")
    client.post("/groups/gardens/threads/new", data={"title": "Mine", "body": "By me."})
    make_thread(group, bea, "Seed swap")
    page = _section(_home(client), "your-groups")
    assert "Seed swap" in page and "new thread by" in page
    assert "Mine" not in page

    auth.login("bea")
    thread = make_thread(group, cai, "Cai asks")
    client.get(f"/groups/gardens/threads/{thread.id}")
    client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": "My answer"})
    assert "Cai asks" not in _section(_home(client), "your-groups")


def test_threads_from_before_i_joined_are_not_new_and_other_readers_do_not_change_mine(
    client, auth, session
):
    bea, cai, dev = make_member("bea"), make_member("cai"), make_member("dev")
    group = make_group(bea)
    old = make_thread(group, bea, "Old news")
    add_to_group(group, cai)
    add_to_group(group, dev)
    fresh = make_thread(group, bea, "Fresh news")
    auth.login("dev")
    client.get(f"/groups/gardens/threads/{fresh.id}")  # Dev reading it changes nothing for Cai.
    auth.login("cai")
    page = _section(_home(client), "your-groups")
    assert "Fresh news" in page
    assert "Old news" not in page
    assert old.id != fresh.id


def test_home_names_nothing_hidden_removed_or_by_someone_i_blocked(client, auth, session):
    bea, cai, eve = make_member("bea"), make_member("cai"), make_member("eve")
    group = make_group(bea)
    add_to_group(group, cai)
    add_to_group(group, eve)
    removed = make_thread(group, cai, "Removed title")
    moderation.hide_post(access_to(group, bea), removed_opener(removed), "Off-topic")
    make_thread(group, eve, "By Eve")
    private = make_group(eve, "hidden-club", visibility="private")
    make_thread(private, eve, "Private words")
    db.session.commit()
    blocks.block(cai, "eve")
    db.session.commit()
    auth.login("cai")
    page = _home(client)
    for text in ("Removed title", "By Eve", "Private words", "hidden-club"):
        assert text not in page


def removed_opener(thread):
    from sqlalchemy import select

    from app.groups.models import Post

    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opener))


def test_waiting_for_an_answer_lists_unanswered_threads_of_others_oldest_first(
    client, auth, session
):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea)
    add_to_group(group, cai)
    first = make_thread(group, cai, "First question")
    make_thread(group, cai, "Second question")
    answered = make_thread(group, cai, "Answered question")
    make_reply(answered, bea)
    make_thread(group, bea, "Bea's own question")
    first.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    auth.login("bea")
    waiting = _section(_home(client), "waiting")
    assert waiting.index("First question") < waiting.index("Second question")
    assert "Answered question" not in waiting
    assert "Bea&#39;s own question" not in waiting and "Bea's own question" not in waiting


def test_what_needs_me_invitations_join_requests_and_reports(client, auth, session):
    bea, cai, dev = make_member("bea"), make_member("cai"), make_member("dev")
    asking = make_group(bea, "asking", join_policy="request")
    db.session.add(JoinRequest(group_id=asking.id, account_id=dev.id))
    secret = make_group(cai, "secret", visibility="private", join_policy="invite")
    db.session.add(Invitation(group_id=secret.id, account_id=bea.id, invited_by_id=cai.id))
    add_to_group(asking, cai)
    thread = make_thread(asking, cai, "Spammy")
    moderation.report_post(access_to(asking, dev), removed_opener(thread), "spam", "")
    db.session.commit()
    auth.login("bea")
    needs = _section(_home(client), "needs-you")
    assert "You are invited to" in needs and "Secret" in needs
    assert 'href="/groups/asking/members"' in needs and "1 request to join Asking" in needs
    assert 'href="/groups/asking/reports"' in needs and "1 open report in Asking" in needs

    auth.login("cai")  # A plain member of Asking decides nothing there.
    assert 'id="needs-you"' not in _home(client)


def test_a_person_who_is_not_a_member_is_offered_membership_on_home_only(client, auth, session):
    make_account("ann")
    auth.login("ann")
    page = _home(client)
    needs = _section(page, "needs-you")
    assert 'action="/membership/checkout"' in needs
    assert "Become a member — $25 a year" in needs
    # Not on every page.
    assert "/membership/checkout" not in client.get("/groups").get_data(as_text=True)


def test_a_member_whose_membership_ends_soon_is_told_once_on_home(client, auth, session):
    make_member("bea", ends_at=utcnow() + timedelta(days=10))
    make_member("cai", ends_at=utcnow() + timedelta(days=200), email="cai@example.org")
    auth.login("bea")
    assert "Your membership ends on" in _home(client)
    auth.login("cai")
    assert 'id="needs-you"' not in _home(client)


def test_nothing_new_says_so_and_suggests_public_groups(client, auth, session):
    bea = make_member("bea")
    make_group(bea, "public-one", name="Public one")
    make_group(bea, "quiet-club", name="Quiet club", visibility="members")
    make_account("ann")
    auth.login("ann")
    page = _home(client)
    assert "You are not in any group yet." in page
    suggestions = _section(page, "suggestions")
    assert "Public one" in suggestions
    assert "Quiet club" not in suggestions


def test_home_runs_the_same_queries_for_one_or_many_groups_and_threads(
    engine, client, auth, session
):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea, "first")
    add_to_group(group, cai)
    make_thread(group, bea, "One")
    auth.login("cai")
    with counting_queries(engine) as statements:
        _home(client)
    few = len(statements)

    for n in range(5):
        other = make_group(bea, f"group-{n}")
        add_to_group(other, cai)
        for m in range(PAGE_SIZE // 5):
            thread = make_thread(other, bea, f"Thread {n}-{m}")
            make_reply(thread, bea)
    with counting_queries(engine) as statements:
        page = _home(client)
    assert len(statements) == few
    assert len(re.findall(r"/unread\"", page)) > 10


def test_groups_with_news_come_first_latest_news_first(client, auth, session):
    bea, cai = make_member("bea"), make_member("cai")
    quiet, older, newer = (make_group(bea, slug) for slug in ("aa-quiet", "bb-older", "cc-newer"))
    for group in (quiet, older, newer):
        add_to_group(group, cai)
    make_thread(older, bea, "Older news")
    make_thread(newer, bea, "Newer news")
    auth.login("cai")
    page = _section(_home(client), "your-groups")
    assert page.index("Cc Newer") < page.index("Bb Older") < page.index("Aa Quiet")
