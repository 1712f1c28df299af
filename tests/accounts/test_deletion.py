"""Deleting an account: it is gone, nothing names the person, and they can come back."""

from __future__ import annotations

import pytest
from sqlalchemy import String, func, select

from app.accounts.models import Account
from app.billing import stripe_api
from app.billing.closing import UNREACHABLE
from app.billing.models import BillingCustomer, Invoice, Subscription
from app.db import Base
from app.groups.models import Group, GroupMember, ModerationLogEntry, Post, PostRevision, Thread
from app.groups.personal_data import ERASED_TITLE
from tests.billing.conftest import sandbox  # noqa: F401  (the served Stripe sandbox)

# ruff: noqa: F811  (pytest hands the imported fixture to the tests that name it)
from tests.exports.support import EMAIL, HANDLE, seed_story
from tests.helpers import DEFAULT_PASSWORD, make_group, make_member, make_thread


def log_in(client, identifier=HANDLE):
    response = client.post("/login", data={"identifier": identifier, "password": DEFAULT_PASSWORD})
    assert response.status_code == 303


def delete(client, posts="erase", password=DEFAULT_PASSWORD):
    return client.post("/settings/delete", data={"posts": posts, "password": password})


def mentions(session, needle: str) -> list[tuple[str, str, dict]]:
    """Every row of every table whose text columns contain ``needle``, whatever the case."""
    session.expire_all()
    hits = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String):
                query = select(table).where(func.lower(column).contains(needle.lower()))
                hits += [
                    (table.name, column.name, dict(row))
                    for row in session.execute(query).mappings()
                ]
    return hits


def only_in_others_posts(hits, people) -> bool:
    """Other members' posts may quote the person: those are their words and stay."""
    return all(
        table == "posts" and column in {"body", "body_html"} and row["author_id"] in people
        for table, column, row in hits
    )


def test_deleting_erases_everything_that_names_the_person(app, client, session, sandbox, mail):
    story = seed_story(sandbox)
    subscription_id = session.scalar(select(Subscription.stripe_subscription_id))
    customer_id = session.scalar(select(BillingCustomer.stripe_customer_id))
    invoices = session.scalar(select(func.count()).select_from(Invoice))
    assert invoices == 1
    other_device = app.test_client()
    log_in(other_device)
    log_in(client)
    page = client.get("/settings/delete").get_data(as_text=True)
    assert 'action="/settings/export"' in page  # a final export is offered first

    response = delete(client)
    assert response.status_code == 303, response.get_data(as_text=True)
    sandbox.deliver_pending()  # Stripe's webhooks about the cancellation change nothing

    assert session.scalar(select(Account).where(Account.handle_key == HANDLE)) is None
    people = {story.bob.id, story.cai.id, story.dan.id}
    for needle in (EMAIL, HANDLE):
        hits = mentions(session, needle)
        assert only_in_others_posts(hits, people), hits
    assert mentions(session, HANDLE), "Bob's reply quoting her stays as Bob wrote it"
    assert not mentions(session, "Zinnia Q.")
    assert not mentions(session, "Balcony tomatoes")

    # Stripe got the cancellation and forgot the customer; the books keep the invoice.
    api = stripe_api.client()
    assert api.v1.subscriptions.retrieve(subscription_id).status == "canceled"
    assert getattr(api.v1.customers.retrieve(customer_id), "deleted", False)
    kept = session.scalars(select(Invoice)).all()
    assert len(kept) == invoices and kept[0].account_id is None and kept[0].amount_paid == 2500
    assert session.scalar(select(func.count()).select_from(Subscription)) == 0

    # Her words are erased; the replies of others stay, in order, under an erased title.
    thread = session.get(Thread, story.thread.id)
    assert (thread.title, thread.removed, thread.author_id) == (ERASED_TITLE, True, None)
    erased = session.scalars(
        select(Post).where(Post.thread_id == thread.id, Post.author_id.is_(None))
    ).all()
    assert len(erased) == 2
    assert all(p.body == "" and p.body_html == "" and p.deleted_at for p in erased)
    assert session.scalar(select(func.count()).select_from(PostRevision)) == 0
    others = session.scalars(select(Post.body).where(Post.author_id == story.bob.id)).all()
    assert any("Agreed, and mine did well in pots." in body for body in others)

    # The group she alone hosted passed to its moderator, and the log says so.
    hosts = session.scalars(
        select(GroupMember.account_id).where(
            GroupMember.group_id == story.gardens.id, GroupMember.role == "host"
        )
    ).all()
    assert hosts == [story.cai.id]
    log_in(client, "cai")
    log = client.get("/groups/gardens/log").get_data(as_text=True)
    assert "passed the group to @cai" in log
    assert "a deleted member (host)" in log
    assert HANDLE not in log

    # Every session ended; a goodbye was mailed; and she can come back with the same address.
    assert other_device.get("/settings").status_code == 302
    assert mail[-1]["To"] == EMAIL and mail[-1]["Subject"] == "Your account is deleted"
    client.post("/logout")
    response = client.post(
        "/signup", data={"email": EMAIL, "handle": HANDLE, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 303
    assert session.scalar(select(Account.email).where(Account.handle_key == HANDLE)) == EMAIL


def test_keeping_posts_leaves_them_under_a_deleted_member(client, session):
    story = seed_story()
    log_in(client)
    assert delete(client, posts="keep").status_code == 303
    thread = session.get(Thread, story.thread.id)
    assert thread.title == "Tomatoes in shade?" and thread.author_id is None
    kept = session.get(Post, story.edited.id)
    assert (kept.body, kept.author_id, kept.deleted_at) == (
        "Second thoughts, after a week.",
        None,
        None,
    )
    assert session.scalar(select(func.count()).select_from(PostRevision)) == 1
    people = {story.bob.id, story.cai.id, story.dan.id}
    for needle in (EMAIL, HANDLE):
        assert only_in_others_posts(mentions(session, needle), people)
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert "a deleted member" in page
    assert "Second thoughts, after a week." in page


def test_a_group_only_the_person_was_in_goes_when_they_erase(client, session):
    zinnia = make_member(HANDLE, email=EMAIL)
    make_thread(make_group(zinnia, "alone"), zinnia, "Notes to self", "Just me here.")
    log_in(client)
    assert delete(client).status_code == 303
    assert session.scalar(select(Group).where(Group.slug == "alone")) is None
    assert session.scalar(select(func.count()).select_from(Post)) == 0


def test_a_group_only_the_person_was_in_stays_when_they_keep_their_posts(client, session):
    zinnia = make_member(HANDLE, email=EMAIL)
    make_thread(make_group(zinnia, "alone"), zinnia, "Notes to self", "Just me here.")
    log_in(client)
    assert delete(client, posts="keep").status_code == 303
    group = session.scalar(select(Group).where(Group.slug == "alone"))
    assert group is not None and group.created_by_id is None
    assert session.scalar(select(Post.body)) == "Just me here."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"posts": "erase", "password": "not my password"}, "Your password is not correct."),
        ({"password": DEFAULT_PASSWORD}, "Choose what happens to your posts."),
        ({"posts": "burn", "password": DEFAULT_PASSWORD}, "Not a valid choice"),
    ],
)
def test_a_wrong_password_or_no_choice_deletes_nothing(client, session, data, message):
    story = seed_story()
    log_in(client)
    response = client.post("/settings/delete", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Account, story.zinnia.id) is not None
    assert session.scalar(select(func.count()).select_from(ModerationLogEntry)) == 2
    assert client.get("/settings").status_code == 200


def test_when_stripe_cannot_be_reached_nothing_is_deleted(app, client, session, sandbox):
    story = seed_story(sandbox)
    log_in(client)
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    response = delete(client)
    assert response.status_code == 400
    assert UNREACHABLE in response.get_data(as_text=True).replace("&#39;", "'")
    session.expire_all()
    assert session.get(Account, story.zinnia.id) is not None
    assert session.scalar(select(Subscription.status)) == "active"
    assert (
        session.scalar(
            select(GroupMember.role).where(
                GroupMember.account_id == story.zinnia.id, GroupMember.group_id == story.gardens.id
            )
        )
        == "host"
    )


def test_the_delete_page_needs_a_signed_in_account(client):
    assert client.get("/settings/delete").status_code == 302


def test_a_new_account_never_gets_a_deleted_accounts_id(client, session):
    make_member("bea")
    newest = make_member(HANDLE, email=EMAIL)
    log_in(client)
    assert delete(client).status_code == 303
    client.post("/signup", data={"email": EMAIL, "handle": HANDLE, "password": DEFAULT_PASSWORD})
    again = session.scalar(select(Account).where(Account.handle_key == HANDLE))
    assert again.id > newest.id


def test_an_empty_group_only_the_person_was_in_goes_either_way(client, session):
    zinnia = make_member(HANDLE, email=EMAIL)
    make_group(zinnia, "quiet")
    log_in(client)
    assert delete(client, posts="keep").status_code == 303
    assert session.scalar(select(Group).where(Group.slug == "quiet")) is None
