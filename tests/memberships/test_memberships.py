"""Who is a member, and why; what lapsed accounts keep; admins' complimentary memberships."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from app.billing.models import Subscription
from app.db import db, utcnow
from app.memberships import services
from app.memberships.models import ComplimentaryMembership
from app.memberships.services import (
    Membership,
    can_write,
    current_membership,
    is_member,
    require_writer,
)
from tests.helpers import make_account, make_member


def paid(account, status: str = "active", days_left: int = 200, **fields) -> Subscription:
    now = utcnow()
    if status == "past_due":
        fields.setdefault("past_due_since", now - timedelta(days=1))
    sub = Subscription(
        stripe_subscription_id=f"sub_{account.handle}_{status}",
        stripe_customer_id=f"cus_{account.handle}",
        account_id=account.id,
        status=status,
        current_period_start=now - timedelta(days=365 - days_left),
        current_period_end=now + timedelta(days=days_left),
        last_event_created=0,
        **fields,
    )
    db.session.add(sub)
    db.session.commit()
    return sub


@pytest.fixture
def count_queries(app, session):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


# -- the one answer ------------------------------------------------------------------------


def test_account_without_anything_is_not_a_member(session):
    ada = make_account("ada")
    assert current_membership(ada) is None
    assert not can_write(ada)
    with pytest.raises(services.NotAllowed, match="Only members can do this"):
        require_writer(ada)


@pytest.mark.parametrize("status", ["active", "trialing", "past_due"])
def test_running_subscription_makes_a_paid_member(session, status):
    ada = make_account("ada")
    sub = paid(ada, status)
    membership = current_membership(ada)
    assert membership.kind == "paid"
    if status != "past_due":
        assert membership.until == sub.current_period_end
    assert can_write(ada)


@pytest.mark.parametrize("status", ["canceled", "unpaid", "incomplete", "incomplete_expired"])
def test_ended_or_unpaid_subscription_does_not_count(session, status):
    ada = make_account("ada")
    paid(ada, status)
    assert current_membership(ada) is None


def test_active_subscription_stops_counting_when_its_period_ends(session):
    ada = make_account("ada")
    sub = paid(ada, cancel_at_period_end=True)
    assert current_membership(ada, sub.current_period_end - timedelta(seconds=1)).kind == "paid"
    assert current_membership(ada, sub.current_period_end) is None


def test_past_due_is_a_grace_period_counted_from_the_failed_payment(session):
    ada = make_account("ada")
    failed = utcnow() - timedelta(days=3)
    # Stripe would go on retrying for weeks: that does not stretch the grace period.
    paid(
        ada,
        "past_due",
        days_left=365,
        past_due_since=failed,
        next_payment_attempt=utcnow() + timedelta(days=20),
    )
    grace_end = failed + timedelta(days=14)
    assert current_membership(ada) == Membership("paid", grace_end)
    assert current_membership(ada, grace_end - timedelta(seconds=1)).kind == "paid"
    assert current_membership(ada, grace_end) is None
    assert not is_member(ada, utcnow() + timedelta(days=12))


def test_the_grace_period_is_configured(app, session):
    app.config["MEMBERSHIP_GRACE_DAYS"] = 2
    ada = make_account("ada")
    paid(ada, "past_due", past_due_since=utcnow() - timedelta(days=3))
    assert current_membership(ada) is None
    app.config["MEMBERSHIP_GRACE_DAYS"] = 4
    assert current_membership(ada).kind == "paid"


def test_a_set_cancellation_date_ends_the_membership_before_the_period_does(session):
    ada = make_account("ada")
    cancel_at = utcnow() + timedelta(days=30)
    paid(ada, days_left=200, cancel_at=cancel_at)
    assert current_membership(ada) == Membership("paid", cancel_at)
    assert current_membership(ada, cancel_at) is None
    assert services.membership_status(ada).state == "cancelling"


def test_paid_comes_before_complimentary(session):
    ada = make_member("ada")
    sub = paid(ada)
    assert current_membership(ada) == Membership("paid", sub.current_period_end)


def test_complimentary_membership_counts_until_its_end(session):
    ends = utcnow() + timedelta(days=10)
    ada = make_member("ada", ends_at=ends)
    assert current_membership(ada) == Membership("complimentary", ends)
    assert current_membership(ada, ends) is None


def test_suspended_member_cannot_write(session):
    ada = make_member("ada")
    ada.suspended_at = utcnow()
    assert not can_write(ada)
    with pytest.raises(services.NotAllowed, match="suspended"):
        require_writer(ada)


def test_asking_costs_at_most_three_queries_whatever_the_history(session, count_queries):
    ada = make_member("ada")
    for status in ("canceled", "active", "past_due", "unpaid"):
        paid(ada, status)
    for _ in range(3):
        services.grant_complimentary(ada, None, "again")
    db.session.commit()
    db.session.expire_all()
    assert ada.id  # the account itself is loaded before counting

    counts = []
    for moment in (utcnow(), utcnow() + timedelta(days=3000)):
        count_queries.clear()
        current_membership(ada, moment)
        counts.append(len([q for q in count_queries if q.startswith("SELECT")]))

    # Paid answers after one query; a lapsed paid membership also asks about sponsored
    # seats, then complimentary grants.
    assert counts == [1, 3]


# -- the membership page states ------------------------------------------------------------


def test_status_names_each_situation(session):
    ada = make_account("ada")
    assert services.membership_status(ada).state == "none"
    sub = paid(ada, cancel_at_period_end=True)
    assert services.membership_status(ada).state == "cancelling"
    sub.cancel_at_period_end = False
    assert services.membership_status(ada).state == "renewing"
    sub.cancel_at = utcnow() + timedelta(days=9)
    assert services.membership_status(ada).state == "cancelling"
    sub.cancel_at = None
    sub.status, sub.past_due_since = "past_due", utcnow() - timedelta(days=2)
    assert services.membership_status(ada).state == "past_due"
    sub.action_url = "https://invoice.stripe.com/i/test"
    assert services.membership_status(ada).state == "action_required"
    sub.past_due_since = utcnow() - timedelta(days=15)
    status = services.membership_status(ada)
    assert (status.state, status.until) == ("grace_ended", sub.past_due_since + timedelta(14))
    sub.status = "canceled"
    assert services.membership_status(ada).state == "lapsed"
    services.grant_complimentary(ada, None, "staff")
    assert services.membership_status(ada).state == "complimentary"


# -- admins' complimentary memberships -----------------------------------------------------


def login_admin(auth):
    make_account("grace", admin=True)
    auth.login("grace")


def test_only_admins_see_complimentary_memberships(client, auth, session):
    make_account("ada")
    auth.login()
    assert client.get("/admin/memberships").status_code == 403
    assert (
        client.post("/admin/memberships", data={"handle": "ada", "reason": "x"}).status_code == 403
    )
    assert session.scalar(select(ComplimentaryMembership)) is None


def test_admin_grants_a_complimentary_membership_with_an_end_date(client, auth, session):
    login_admin(auth)
    ada = make_account("ada")
    ends_on = date.today() + timedelta(days=30)

    response = client.post(
        "/admin/memberships",
        data={"handle": "@Ada", "reason": "moderator", "ends_on": ends_on.isoformat()},
    )

    assert response.status_code == 303
    grant = session.scalar(select(ComplimentaryMembership))
    assert (grant.account_id, grant.reason, grant.ends_at.date()) == (ada.id, "moderator", ends_on)
    assert grant.granted_by.handle == "grace"
    assert current_membership(ada).kind == "complimentary"
    page = client.get("/admin/memberships").get_data(as_text=True)
    assert "@ada" in page
    assert "moderator" in page


def test_admin_grants_an_open_ended_membership(client, auth, session):
    login_admin(auth)
    ada = make_account("ada")
    client.post("/admin/memberships", data={"handle": "ada", "reason": "staff"})
    assert current_membership(ada) == Membership("complimentary", None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"handle": "nobody", "reason": "staff"}, "There is no account with that handle."),
        ({"handle": "ada", "reason": ""}, "Say why this membership is complimentary."),
        ({"handle": "ada", "reason": "staff", "ends_on": "2001-01-01"}, "in the future"),
        ({"handle": "ada", "reason": "staff", "ends_on": "soon"}, "Not a valid date value."),
    ],
    ids=["unknown-handle", "no-reason", "past-end", "not-a-date"],
)
def test_bad_grant_says_why_and_changes_nothing(client, auth, session, data, message):
    login_admin(auth)
    make_account("ada")
    response = client.post("/admin/memberships", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(ComplimentaryMembership)) is None


def test_admin_ends_a_complimentary_membership_early(client, auth, session):
    login_admin(auth)
    ada = make_member("ada")
    grant = session.scalar(select(ComplimentaryMembership))

    response = client.post(f"/admin/memberships/{grant.id}/end", follow_redirects=True)

    assert "The complimentary membership of @ada has ended." in response.get_data(as_text=True)
    session.expire_all()
    assert current_membership(ada) is None
    again = client.post(f"/admin/memberships/{grant.id}/end", follow_redirects=True)
    assert "has already ended" in again.get_data(as_text=True)


def test_complimentary_list_is_paged_by_cursor(client, auth, session, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    login_admin(auth)
    for handle in ("ann", "bob", "cat"):
        make_member(handle)

    first = client.get("/admin/memberships").get_data(as_text=True)
    assert "@cat" in first and "@bob" in first and "@ann" not in first
    cursor = session.scalar(
        select(ComplimentaryMembership.id).order_by(ComplimentaryMembership.id.desc()).offset(1)
    )
    assert f"before={cursor}" in first
    second = client.get(f"/admin/memberships?before={cursor}").get_data(as_text=True)
    assert "@ann" in second and "@bob" not in second
