"""Direct messages: who may write to whom, who may read, and what each side sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.admin.services import suspend_account
from app.blocks import services as blocks
from app.db import utcnow
from app.memberships.models import ComplimentaryMembership
from app.messages import services as messages
from app.messages.models import Conversation, Message
from app.pagination import PAGE_SIZE
from tests.groups.test_lists import _queries
from tests.helpers import add_to_group, make_member
from tests.notifications.support import count, kinds_of, neighbours, page, write


def test_members_who_share_a_group_write_to_each_other_in_one_conversation(client, auth, session):
    _group, _ana, _bob = neighbours()
    auth.login("ana")
    form = client.get("/messages/new?to=bob")
    assert 'value="bob"' in page(form)
    response = client.post(
        "/messages/new", data={"handle": "@Bob", "body": "Do you have **bean** seeds?"}
    )
    assert response.status_code == 303
    conversation = session.scalars(select(Conversation)).one()
    assert response.headers["Location"].startswith(f"/messages/{conversation.id}#message-")

    auth.login("bob")
    inbox = page(client.get("/messages"))
    assert "Ana" in inbox
    shown = page(client.get(f"/messages/{conversation.id}"))
    assert "<strong>bean</strong>" in shown
    response = client.post(f"/messages/{conversation.id}", data={"body": "Plenty, @ana."})
    assert response.status_code == 303
    # Writing again from the "new message" page goes on in the same conversation.
    client.post("/messages/new", data={"handle": "ana", "body": "And peas."})

    assert count(Conversation) == 1
    texts = [m.body for m in session.scalars(select(Message).order_by(Message.id))]
    assert texts == ["Do you have **bean** seeds?", "Plenty, @ana.", "And peas."]
    shown = page(client.get(f"/messages/{conversation.id}"))
    assert shown.index("bean") < shown.index("Plenty") < shown.index("And peas")
    assert '<a href="/u/ana" rel="nofollow noopener noreferrer ugc">@ana</a>' in shown


def test_people_without_a_shared_group_cannot_start_a_conversation(client, auth, session):
    _group, ana, _bob = neighbours()
    make_member("cai")
    auth.login("cai")
    response = client.post("/messages/new", data={"handle": "ana", "body": "Hi, stranger"})
    assert response.status_code == 400
    assert messages.CANNOT_START in page(response)
    assert count(Conversation) == 0
    assert count(Message) == 0
    assert kinds_of(ana) == []


def test_an_account_that_accepts_all_members_can_be_written_to_by_any_member(client, auth, session):
    _group, ana, _bob = neighbours()
    cai = make_member("cai")
    make_member("dee")
    auth.login("ana")
    assert client.get("/settings/messages").status_code == 200
    response = client.post("/settings/messages", data={"who": "all"})
    assert response.status_code == 303
    assert messages.accepts_all_members(ana)

    message = write(cai, "ana", "I saw your post")
    assert message.conversation.includes(ana)
    assert kinds_of(ana) == ["message"]
    # The setting does not open the door the other way round.
    with pytest.raises(messages.MessageError, match="share a group"):
        messages.start_conversation(ana, "dee", "x")


def test_nobody_else_can_read_a_conversation_not_even_an_admin(client, auth, session):
    _group, ana, _bob = neighbours()
    make_member("cai")
    make_member("opal", admin=True)
    conversation = write(ana, "bob").conversation
    for handle in ("cai", "opal"):
        auth.login(handle)
        assert client.get(f"/messages/{conversation.id}").status_code == 404
        response = client.post(f"/messages/{conversation.id}", data={"body": "Sneaky"})
        assert response.status_code == 404
        assert "Hello there" not in page(client.get("/messages"))
    assert count(Message) == 1
    auth.logout()
    response = client.get(f"/messages/{conversation.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_lapsed_account_reads_its_conversations_but_cannot_send(client, auth, session):
    group, ana, _bob = neighbours()
    cai = make_member("cai", ends_at=utcnow() + timedelta(days=1))
    add_to_group(group, cai)
    conversation = write(ana, "cai", "Welcome!").conversation
    # Cai's membership ends.
    grant = session.scalars(
        select(ComplimentaryMembership).where(ComplimentaryMembership.account_id == cai.id)
    ).one()
    grant.ends_at = utcnow() - timedelta(minutes=1)
    session.commit()

    auth.login("cai")
    shown = page(client.get(f"/messages/{conversation.id}"))
    assert "Welcome!" in shown
    assert "Only members can do this" in shown
    assert 'name="body"' not in shown
    response = client.post(f"/messages/{conversation.id}", data={"body": "Thanks"})
    assert response.status_code == 403
    assert client.post("/messages/new", data={"handle": "ana", "body": "Hi"}).status_code == 403
    assert count(Message) == 1


def test_a_suspended_account_cannot_send(client, auth, session):
    _group, ana, bob = neighbours()
    opal = make_member("opal", admin=True)
    conversation = write(ana, "bob").conversation
    suspend_account(opal, bob, "Spam")
    session.commit()
    auth.login("bob")
    assert "Hello there" in page(client.get(f"/messages/{conversation.id}"))
    response = client.post(f"/messages/{conversation.id}", data={"body": "More spam"})
    assert response.status_code == 403
    assert "suspended" in page(response)
    assert count(Message) == 1


@pytest.mark.parametrize(
    ("handle", "body", "message"),
    [
        ("nobody", "Hi", "There is no account with that handle."),
        ("ana", "Hi", "You can't send a message to yourself."),
        ("bob", "   ", "Write a message."),
        ("bob", "x" * (messages.BODY_MAX + 1), f"Keep a message to {messages.BODY_MAX}"),
    ],
)
def test_bad_messages_are_explained_and_change_nothing(
    client, auth, session, handle, body, message
):
    neighbours()
    auth.login("ana")
    response = client.post("/messages/new", data={"handle": handle, "body": body})
    assert response.status_code == 400
    assert message in page(response)
    assert count(Message) == 0 and count(Conversation) == 0


def test_a_blocked_account_cannot_start_a_conversation_and_hears_nothing_of_the_block(
    client, auth, session
):
    _group, ana, bob = neighbours()
    blocks.block(ana, "bob")
    session.commit()
    auth.login("bob")
    response = client.post("/messages/new", data={"handle": "ana", "body": "Hello?"})
    assert response.status_code == 400
    # The same words as for someone who shares no group: nothing says "blocked".
    assert messages.CANNOT_START in page(response)
    assert "block" not in page(response).lower().split("<main", 1)[1]
    assert count(Message) == 0
    assert kinds_of(bob) == [] and kinds_of(ana) == []


def test_a_block_stops_an_existing_conversation_both_ways(client, auth, session):
    _group, ana, bob = neighbours()
    conversation = write(bob, "ana", "Hi Ana").conversation
    auth.login("ana")
    response = client.post("/u/bob/block", data={"next": f"/messages/{conversation.id}"})
    assert response.headers["Location"] == f"/messages/{conversation.id}"
    shown = page(client.get(f"/messages/{conversation.id}"))
    assert "Hi Ana" in shown, "the blocker still reads what was said"
    assert "You blocked @bob. Unblock them to write to them." in shown
    response = client.post(f"/messages/{conversation.id}", data={"body": "Go away"})
    assert response.status_code == 400

    auth.login("bob")
    response = client.post(f"/messages/{conversation.id}", data={"body": "Ana?"})
    assert response.status_code == 400
    assert messages.CANNOT_SEND in page(response)
    response = client.post("/messages/new", data={"handle": "ana", "body": "Ana??"})
    assert response.status_code == 400 and messages.CANNOT_SEND in page(response)
    assert [m.body for m in session.scalars(select(Message))] == ["Hi Ana"]
    assert kinds_of(bob) == []

    auth.login("ana")
    client.post("/u/bob/unblock", data={"next": "/settings/blocked"})
    write(bob, "ana", "Sorry")
    assert kinds_of(ana) == ["message"]


def test_deleted_other_side_reads_as_a_deleted_member_and_cannot_be_written_to(
    client, auth, session
):
    _group, _ana, bob = neighbours()
    conversation = write(bob, "ana", "Goodbye, all").conversation
    messages.erase_for_deletion(bob)
    session.delete(bob)
    session.commit()
    auth.login("ana")
    shown = page(client.get(f"/messages/{conversation.id}"))
    assert "Conversation with a deleted member" in shown
    assert "Removed when its author deleted their account." in shown
    assert "Goodbye, all" not in shown
    assert client.post(f"/messages/{conversation.id}", data={"body": "?"}).status_code == 400


def test_the_inbox_and_a_conversation_run_the_same_queries_for_1_or_many(
    engine, client, auth, session
):
    group, ana, bob = neighbours()
    short = write(bob, "ana", "Only one").conversation
    auth.login("ana")
    inbox_of_one = _queries(engine, client, "/messages")
    others = []
    for number in range(PAGE_SIZE + 5):
        other = make_member(f"p{number:02d}")
        add_to_group(group, other)
        others.append(other)
        write(other, "ana", f"Message {number}")
    long = write(others[0], "ana", "Reply").conversation
    for number in range(PAGE_SIZE + 5):
        messages.send_message(others[0] if number % 2 else ana, long, f"Reply {number}")
    session.commit()
    assert "Older" in page(client.get("/messages"))
    assert _queries(engine, client, "/messages") == inbox_of_one
    assert _queries(engine, client, f"/messages/{short.id}") == _queries(
        engine, client, f"/messages/{long.id}"
    )


def test_a_long_conversation_shows_its_latest_messages_and_pages_back(client, auth, session):
    _group, ana, bob = neighbours()
    conversation = write(ana, "bob", "Message 0").conversation
    for number in range(1, 55):
        messages.send_message(bob if number % 2 else ana, conversation, f"Message {number}")
    session.commit()
    auth.login("ana")
    latest = page(client.get(f"/messages/{conversation.id}"))
    assert "<p>Message 54</p>" in latest and "<p>Message 5</p>" in latest
    assert "<p>Message 4</p>" not in latest
    assert latest.index("<p>Message 5</p>") < latest.index("<p>Message 54</p>")
    cursor = messages.messages_page(conversation, None).next_cursor
    earlier = page(client.get(f"/messages/{conversation.id}?before={cursor}"))
    assert "<p>Message 0</p>" in earlier and "<p>Message 4</p>" in earlier
    assert "<p>Message 5</p>" not in earlier
    assert client.get(f"/messages/{conversation.id}?before=broken").status_code == 400
