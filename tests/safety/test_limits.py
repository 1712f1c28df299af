"""New accounts meet gentle limits in their first days, whatever pays for their membership."""

import pytest
from sqlalchemy import func, select

from app.accounts.services import get_account_by_handle
from app.groups.models import Post, Thread
from app.memberships.services import current_membership
from app.messages.models import Conversation
from tests.helpers import add_to_group, make_group, make_reply, make_thread
from tests.safety.support import LIMITS, complimentary_member, paying_member, sponsored_member


@pytest.fixture
def app(make_app):
    return make_app(**LIMITS)


def _arrange(session, newcomer):
    host = complimentary_member("host", 400)
    group = make_group(host, "gardens")
    add_to_group(group, newcomer)
    for handle in ("ana", "ben", "cyd"):
        add_to_group(group, complimentary_member(handle, 400))
    thread = make_thread(group, host, "Welcome", "Say hello.")
    return group, thread


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _new_thread(client, n: int, body: str = "Hello there."):
    return client.post("/groups/gardens/threads/new", data={"title": f"Question {n}", "body": body})


def _reply(client, thread, body: str):
    return client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": body})


def test_a_day_old_account_meets_the_thread_limit_and_keeps_what_it_wrote(client, auth, session):
    _arrange(session, complimentary_member("dan", 1))
    auth.login("dan")
    assert _new_thread(client, 1).status_code == 303
    assert _new_thread(client, 2).status_code == 303
    before = _count(session, Thread)
    response = _new_thread(client, 3, "My third question, carefully written.")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "New accounts can start 2 threads a day in their first 3 days" in html
    assert "You can again from" in html
    assert "My third question, carefully written." in html
    assert 'value="Question 3"' in html
    assert _count(session, Thread) == before


def test_a_day_old_account_meets_the_reply_limit(client, auth, session):
    _, thread = _arrange(session, complimentary_member("dan", 1))
    auth.login("dan")
    for n in range(3):
        assert _reply(client, thread, f"Reply {n}").status_code == 303
    before = _count(session, Post)
    response = _reply(client, thread, "One more thought I do not want to lose.")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "New accounts can write 3 replies a day in their first 3 days" in html
    assert "One more thought I do not want to lose." in html
    assert _count(session, Post) == before


def test_a_day_old_account_meets_the_link_and_mention_limits(client, auth, session):
    _, thread = _arrange(session, complimentary_member("dan", 1))
    auth.login("dan")
    links = "See https://a.example, https://b.example and https://c.example"
    response = _reply(client, thread, links)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "New accounts can put 2 links in a post in their first 3 days; this one has 3" in html
    assert "This limit lifts on" in html
    assert "https://c.example" in html
    response = _reply(client, thread, "Hello @ana, @ben and @cyd")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "New accounts can mention 2 people in a post in their first 3 days" in html
    assert _count(session, Post) == 1
    assert _reply(client, thread, "Hello @ana and https://a.example").status_code == 303


def test_a_day_old_account_cannot_start_a_direct_message_but_can_answer_one(client, auth, session):
    _arrange(session, complimentary_member("dan", 1))
    auth.login("dan")
    response = client.post("/messages/new", data={"handle": "ana", "body": "Hi Ana, spam here"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "New accounts can&#39;t start direct messages in their first 3 days" in html
    assert "Hi Ana, spam here" in html
    assert _count(session, Conversation) == 0
    auth.logout()
    auth.login("ana")
    assert (
        client.post("/messages/new", data={"handle": "dan", "body": "Welcome!"}).status_code == 303
    )
    conversation = session.scalars(select(Conversation)).one()
    auth.logout()
    auth.login("dan")
    assert client.post(f"/messages/{conversation.id}", data={"body": "Thanks"}).status_code == 303


def test_a_week_old_account_meets_none_of_the_limits(client, auth, session):
    _, thread = _arrange(session, complimentary_member("dan", 7))
    auth.login("dan")
    for n in range(4):
        assert _new_thread(client, n).status_code == 303
    for n in range(5):
        assert _reply(client, thread, f"Reply {n}").status_code == 303
    assert (
        _reply(
            client, thread, "https://a.example https://b.example https://c.example @ana @ben @cyd"
        ).status_code
        == 303
    )
    assert client.post("/messages/new", data={"handle": "ana", "body": "Hi"}).status_code == 303


def test_replies_from_others_lift_the_limits_early(client, auth, session):
    _arrange(session, complimentary_member("dan", 1))
    auth.login("dan")
    assert _new_thread(client, 1).status_code == 303
    assert _new_thread(client, 2).status_code == 303
    mine = session.scalars(select(Thread).where(Thread.title == "Question 1")).one()
    for handle in ("ana", "ben", "cyd"):
        make_reply(mine, get_account_by_handle(handle), f"Welcome, from {handle}")
    assert _new_thread(client, 3).status_code == 303


def test_sponsored_complimentary_and_paying_accounts_of_the_same_age_meet_the_same_limits(
    client, auth, session
):
    free = complimentary_member("dan", 1)
    paying = paying_member("eve", 1)
    sponsored = sponsored_member("fay", 1)
    assert current_membership(free).kind == "complimentary"
    assert current_membership(paying).kind == "paid"
    assert current_membership(sponsored).kind == "sponsored"
    group, thread = _arrange(session, free)
    add_to_group(group, paying)
    add_to_group(group, sponsored)
    results = {}
    for handle in ("dan", "eve", "fay"):
        auth.login(handle)
        outcomes = []
        tries = [
            lambda n: _new_thread(client, n),
            lambda n: _new_thread(client, n),
            lambda n: _new_thread(client, n),
            lambda n: _reply(
                client, thread, "https://a.example https://b.example https://c.example"
            ),
            lambda n: _reply(client, thread, "@ana @ben @cyd"),
            lambda n: client.post("/messages/new", data={"handle": "ana", "body": "Hi"}),
        ] + [lambda n: _reply(client, thread, f"Reply {n}")] * 4
        for n, attempt in enumerate(tries):
            response = attempt(n)
            html = response.get_data(as_text=True)
            start = html.find("New accounts")
            refusal = html[start : html.find(".", start)] if start >= 0 else ""
            outcomes.append((response.status_code, refusal))
        results[handle] = outcomes
        auth.logout()
    assert results["dan"] == results["eve"] == results["fay"]
    refused = [refusal for status, refusal in results["dan"] if status == 400]
    assert len(refused) == 5
    assert all(refusal.startswith("New accounts") for refusal in refused)
