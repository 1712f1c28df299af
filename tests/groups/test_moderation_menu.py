"""Moderation actions sit together in one ``<details>`` menu (it opens without JavaScript);
readers see quiet post actions and no menu; the reply form keeps what was typed."""

from __future__ import annotations

import re

from tests.helpers import add_to_group, make_group, make_member, make_reply, make_thread


def _details(html: str) -> list[str]:
    return re.findall(r'<details class="moderation-menu">(.*?)</details>', html, re.S)


def test_moderators_find_hide_lock_and_ban_in_details_menus(client, auth, session):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea)
    add_to_group(group, cai)
    thread = make_thread(group, cai)
    reply = make_reply(thread, cai, "A reply")
    auth.login("bea")
    html = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    menus = _details(html)
    assert len(menus) == 3  # the thread's and one per post
    assert "<summary>Moderate this thread</summary>" in menus[0]
    assert f"/threads/{thread.id}/lock" in menus[0]
    assert f"/posts/{reply.id}/hide" in menus[2] and "/bans/new?handle=cai" in menus[2]
    outside = re.sub(r'<details class="moderation-menu">.*?</details>', "", html, flags=re.S)
    assert "/hide" not in outside and "/lock" not in outside and "/bans/new" not in outside
    # Moderation sits below the title and the reading links, not above them.
    assert html.index("<h1>") < html.index('<details class="moderation-menu">')


def test_readers_see_quiet_post_actions_and_no_moderation_menu(client, auth, session):
    bea, cai = make_member("bea"), make_member("cai")
    group = make_group(bea)
    add_to_group(group, cai)
    thread = make_thread(group, bea)
    auth.login("cai")
    html = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert not _details(html)
    actions = re.findall(r'<p class="actions post-actions">(.*?)</p>', html, re.S)
    assert actions and "Quote" in actions[0] and "Report" in actions[0]


def test_a_reply_that_fails_validation_keeps_what_was_typed(client, auth, session):
    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea)
    auth.login("bea")
    typed = "A thoughtful answer " + "x" * 20000
    response = client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": typed})
    assert response.status_code == 400
    assert typed in response.get_data(as_text=True)
