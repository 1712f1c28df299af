"""Blocking: silent, and it holds for messages, mentions, replies and posts in groups."""

from __future__ import annotations

import re

from app.blocks import services as blocks
from app.blocks.models import Block
from tests.helpers import make_reply, make_thread
from tests.notifications.support import count, kinds_of, neighbours, page


def test_blocking_from_a_profile_is_silent_and_can_be_undone(client, auth, session, mail):
    _group, ana, bob = neighbours()
    auth.login("ana")
    profile = page(client.get("/u/bob"))
    assert "Send a message" in profile and "Block @bob" in profile
    response = client.post("/u/bob/block")
    assert response.headers["Location"] == "/u/bob"
    assert blocks.has_blocked(ana.id, bob.id)
    profile = page(client.get("/u/bob"))
    assert "Unblock @bob" in profile and "Send a message" not in profile
    assert kinds_of(bob) == [] and mail == []
    assert "@bob" in page(client.get("/settings/blocked"))

    client.post("/u/bob/block")  # twice is no error, and still one block
    assert count(Block) == 1
    client.post("/u/bob/unblock", data={"next": "/settings/blocked"})
    assert not blocks.has_blocked(ana.id, bob.id)

    auth.login("bob")
    assert "Unblock" not in page(client.get("/u/ana"))


def test_block_by_handle_explains_mistakes(client, auth, session):
    neighbours()
    auth.login("ana")
    for handle, message in [("nobody", "There is no account"), ("ana", "can't block yourself")]:
        response = client.post("/settings/blocked", data={"handle": handle})
        assert response.status_code == 400 and message in page(response)
    assert client.post("/settings/blocked", data={"handle": "@bob"}).status_code == 303
    assert count(Block) == 1
    # An unsafe "next" is ignored.
    response = client.post("/u/bob/unblock", data={"next": "https://elsewhere.example/"})
    assert response.headers["Location"] == "/u/bob"


def test_a_blocked_authors_posts_are_folded_away_for_the_blocker_only(client, auth, session):
    group, ana, bob = neighbours()
    thread = make_thread(group, ana, "Seeds", "Which seeds?")
    make_reply(thread, bob, "Buy my magic beans")
    blocks.block(ana, "bob")
    session.commit()
    auth.login("ana")
    shown = page(client.get(f"/groups/gardens/threads/{thread.id}"))
    folded = re.search(r"<details><summary>(.*?)</summary>(.*?)</details>", shown, re.S)
    assert folded and "an account you blocked" in folded.group(1)
    assert "Buy my magic beans" in folded.group(2), "the show control works without JavaScript"
    auth.login("bob")
    shown = page(client.get(f"/groups/gardens/threads/{thread.id}"))
    assert "<details>" not in shown and "Buy my magic beans" in shown


def test_a_blocked_account_can_mention_or_answer_the_blocker_without_notifying_them(
    session,
):
    group, ana, bob = neighbours()
    thread = make_thread(group, ana, "Seeds", "Which seeds?")
    blocks.block(ana, "bob")
    session.commit()
    reply = make_reply(thread, bob, "Hey @ana, beans!")
    assert kinds_of(ana) == []
    assert 'href="/u/ana"' in reply.body_html, "silent: the mention still reads as one"
