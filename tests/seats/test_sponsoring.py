"""Sponsors pay through the same Checkout, webhooks and reconcile as members; seats enter the
pool only once Stripe confirms the payment, and once only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.billing import services as billing
from app.billing.models import Subscription
from app.db import db
from app.memberships.services import current_membership
from app.seats import services as seats
from app.seats.models import SeatLedgerEntry
from tests.billing.events import post_event
from tests.helpers import make_account, make_paid_member
from tests.seats.support import ask, sponsor, start, sync_catalog


@pytest.fixture
def shop(session, sandbox):
    sync_catalog()
    return sandbox


def test_seats_enter_the_pool_only_when_stripe_confirms_payment(shop):
    sam = make_account("sam")
    start(sam, 3)
    assert seats.available_seats() == 0  # a Checkout started is not a payment
    sponsor(shop, sam, 3)
    assert seats.available_seats() == 3
    report = seats.ledger_report()
    assert (report.funded, report.available, report.balances) == (3, 3, True)


def test_a_sponsor_is_not_made_a_member_by_sponsoring(shop):
    sam, _ = sponsor(shop, "sam", 2, "yearly")
    assert current_membership(sam) is None
    sub = db.session.scalar(select(Subscription).where(Subscription.account_id == sam.id))
    assert (sub.purpose, sub.seat_quantity) == ("sponsorship", 2)
    assert seats.available_seats() == 2


def test_a_paying_member_can_also_sponsor_every_year_and_stays_one_member(shop):
    ada = make_paid_member(shop, "ada")
    sponsor(shop, ada, 4, "yearly")
    assert current_membership(ada).kind == "paid"
    assert billing.live_subscription(ada).purpose == "membership"
    assert seats.available_seats() == 4
    with pytest.raises(billing.BillingError, match="already have a paid membership"):
        billing.start_checkout(ada, "http://kindred.test/w", "http://kindred.test/c")


@pytest.mark.parametrize("kind", ["once", "yearly"])
def test_every_event_delivered_again_or_under_a_new_id_credits_once(shop, client, kind):
    sponsor(shop, "sam", 3, kind)
    for event in shop.events:
        assert post_event(client, event).get_json()["duplicate"] is True
        # The same payment told again in a new event (Stripe's retries are new deliveries,
        # but a resent event is a new id): the ledger's unique source says no.
        assert post_event(client, {**event, "id": event["id"] + "_again"}).status_code == 200
    db.session.expire_all()
    assert seats.available_seats() == 3
    assert db.session.scalar(select(func.count(SeatLedgerEntry.id))) == 1


def test_a_yearly_sponsorship_credits_its_seats_on_every_paid_invoice(shop):
    sam, session = sponsor(shop, "sam", 2, "yearly")
    shop.renew_now(session["subscription"])
    shop.deliver_pending()
    db.session.expire_all()
    assert seats.available_seats() == 4
    summary = seats.sponsor_summaries(sam)[0]
    assert (summary.funded, summary.in_pool, summary.paid) == (4, 4, 4 * 2500)


def test_a_refund_removes_only_unused_seats(shop):
    _, session = sponsor(shop, "sam", 3)
    bea, _ = ask("bea")
    assert seats.available_seats() == 2
    shop.create_refund({"payment_intent": session["payment_intent"]})
    shop.deliver_pending()
    db.session.expire_all()
    assert seats.available_seats() == 0
    assert current_membership(bea).kind == "sponsored"
    report = seats.ledger_report()
    assert (report.funded, report.granted, report.refunded, report.balances) == (3, 1, 2, True)


def test_a_partial_refund_removes_the_seats_the_money_paid_for(shop):
    _, session = sponsor(shop, "sam", 3)
    shop.create_refund({"payment_intent": session["payment_intent"], "amount": 2500})
    shop.deliver_pending()
    assert seats.available_seats() == 2
    shop.create_refund({"payment_intent": session["payment_intent"], "amount": 1000})
    shop.deliver_pending()
    assert seats.available_seats() == 1  # part of a seat's price refunded takes the seat


@pytest.mark.parametrize("kind", ["once", "yearly"])
def test_reconcile_repairs_a_sponsorship_payment_no_webhook_delivered(shop, kind):
    sam, _ = sponsor(shop, "sam", 3, kind, deliver=False)
    assert seats.available_seats() == 0
    changes = billing.reconcile_customer(sam.id)
    assert any("3 sponsored seat(s) credited" in line for line in changes)
    assert seats.available_seats() == 3
    assert billing.reconcile_customer(sam.id) == []


def test_returning_from_checkout_credits_before_the_webhook(shop, client, auth):
    sam = make_account("sam")
    session_id = start(sam, 2)
    from devstack.stripe_sandbox.cards import read_card

    shop.complete_checkout(session_id, read_card("4242424242424242", "12 / 34", "123"))
    auth.login("sam@example.org")
    page = client.get(f"/sponsor?session_id={session_id}")
    assert page.status_code == 200
    assert seats.available_seats() == 2
    shop.deliver_pending()
    assert seats.available_seats() == 2


def test_pay_it_forward_adds_seats_to_the_members_own_yearly_subscription(shop, client, auth):
    ada = make_account("ada")
    auth.login("ada@example.org")
    response = client.post("/membership/checkout", data={"seats": "2"})
    assert response.status_code == 303
    from devstack.stripe_sandbox.cards import read_card
    from tests.helpers import checkout_session_id

    shop.complete_checkout(
        checkout_session_id(response.headers["Location"]),
        read_card("4242424242424242", "12 / 34", "123"),
    )
    shop.deliver_pending()
    db.session.expire_all()
    assert current_membership(ada).kind == "paid"
    sub = billing.live_subscription(ada)
    assert (sub.purpose, sub.seat_quantity, sub.renewal_amount) == ("membership", 2, 3 * 2500)
    assert seats.available_seats() == 2
    shop.renew_now(sub.stripe_subscription_id)
    shop.deliver_pending()
    assert seats.available_seats() == 4


def test_pay_it_forward_offers_at_most_five_seats(shop, client, auth):
    make_account("ada")
    auth.login("ada@example.org")
    response = client.post("/membership/checkout", data={"seats": "6"}, follow_redirects=True)
    assert seats.available_seats() == 0
    assert "/checkout/" not in response.request.path
