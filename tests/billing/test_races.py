"""One checkout's events arriving all at once, as Stripe sends them, while the new member is
already back on the welcome page and cron runs reconcile.

These tests commit for real, on separate connections from several threads, so they cannot
use the rolled-back outer transaction the rest of the suite shares: on PostgreSQL they use
the suite's database and delete what they made afterwards; on SQLite (where the suite's
in-memory database is one shared connection) they use a database file of their own, with
the write-ahead log, the way Kindred runs on SQLite.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from app.accounts.models import Account
from app.billing import services as billing
from app.billing.models import (
    BillingCustomer,
    Dispute,
    Invoice,
    StripeEvent,
    Subscription,
)
from app.db import db
from app.memberships.services import current_membership
from devstack.stripe_sandbox import SandboxState
from devstack.stripe_sandbox.cards import read_card
from tests.billing import events as ev
from tests.committing import committing_app
from tests.helpers import DEFAULT_PASSWORD, checkout_session_id, make_account, sandbox_time

HANDLE = "racer"
DELIVERY_THREADS = 6


@dataclass
class Committing:
    """An app whose requests really commit, and the sandbox it talks to."""

    app: Flask
    sandbox: SandboxState


def _remove_what_it_made() -> None:
    # Billing rows go with the account (ON DELETE CASCADE), except the invoices and
    # disputes the law has Kindred keep (they are only unlinked): those go by hand.
    made_here = select(Account.id).where(Account.handle.like(f"{HANDLE}%"))
    for kept in (Invoice, Dispute):
        db.session.execute(delete(kept).where(kept.account_id.in_(made_here)))
    db.session.execute(delete(Account).where(Account.handle.like(f"{HANDLE}%")))


@pytest.fixture
def committing(engine, tmp_path) -> Iterator[Committing]:
    with committing_app(engine, tmp_path, _remove_what_it_made) as (app, sandbox):
        yield Committing(app, sandbox)


def paid_checkout(committing: Committing) -> tuple[int, str, list[dict]]:
    """A member who has just paid at Checkout, none of whose events has been delivered yet:
    (account id, Checkout Session id, every event of the checkout)."""
    sandbox = committing.sandbox
    with committing.app.app_context():
        billing.membership_price(create=True)
        first_event = len(sandbox.events)
        account = make_account(HANDLE)
        url = billing.start_checkout(
            account, "http://kindred.test/membership/welcome", "http://kindred.test/membership"
        )
        db.session.commit()
        account_id = account.id
    session_id = checkout_session_id(url)
    sandbox.complete_checkout(session_id, read_card("4242424242424242", "12 / 34", "123"))
    return account_id, session_id, sandbox.events[first_event:]


def billing_state(committing: Committing, account_id: int) -> tuple:
    with committing.app.app_context():
        account = db.session.get(Account, account_id)
        subscriptions = db.session.scalars(
            select(Subscription).where(Subscription.account_id == account_id)
        ).all()
        invoices = db.session.scalars(select(Invoice).where(Invoice.account_id == account_id)).all()
        customers = db.session.scalars(
            select(BillingCustomer.stripe_customer_id).where(
                BillingCustomer.account_id == account_id
            )
        ).all()
        return (
            current_membership(account, sandbox_time(committing.sandbox)),
            customers,
            [
                (
                    sub.stripe_subscription_id,
                    sub.status,
                    sub.current_period_start,
                    sub.current_period_end,
                    sub.cancel_at_period_end,
                    sub.last_event_created,
                )
                for sub in subscriptions
            ],
            [
                (
                    invoice.stripe_invoice_id,
                    invoice.number,
                    invoice.amount_paid,
                    invoice.amount_refunded,
                    invoice.payment_intent_id,
                    invoice.paid_at,
                )
                for invoice in invoices
            ],
        )


def forget_deliveries(committing: Committing, account_id: int, events: list[dict]) -> None:
    """Back to the moment before any event arrived (the customer link stays: it was made at
    checkout)."""
    with committing.app.app_context():
        db.session.execute(delete(Invoice).where(Invoice.account_id == account_id))
        db.session.execute(delete(Subscription).where(Subscription.account_id == account_id))
        ids = [event["id"] for event in events]
        db.session.execute(delete(StripeEvent).where(StripeEvent.stripe_event_id.in_(ids)))
        db.session.commit()


def test_a_checkouts_events_at_once_twice_over_with_the_welcome_page(committing):
    app = committing.app
    account_id, session_id, events = paid_checkout(committing)
    assert len({event["type"] for event in events}) == 9

    deliveries = [event for event in events for _ in range(2)]
    random.Random(12).shuffle(deliveries)
    batches = [deliveries[i::DELIVERY_THREADS] for i in range(DELIVERY_THREADS)]
    member = app.test_client()
    assert member.post(
        "/login", data={"identifier": HANDLE, "password": DEFAULT_PASSWORD}
    ).status_code in (302, 303)
    start = threading.Barrier(DELIVERY_THREADS + 2)

    def deliver(batch: list[dict]) -> list[int]:
        client = app.test_client()
        start.wait()
        return [ev.post_event(client, event).status_code for event in batch]

    def welcome() -> tuple[int, str]:
        start.wait()
        page = member.get(f"/membership/welcome?session_id={session_id}")
        return page.status_code, page.get_data(as_text=True)

    def reconcile() -> int:
        runner = app.test_cli_runner()
        start.wait()
        return runner.invoke(args=["billing", "reconcile"], catch_exceptions=False).exit_code

    with ThreadPoolExecutor(max_workers=DELIVERY_THREADS + 2) as pool:
        deliveries_done = [pool.submit(deliver, batch) for batch in batches]
        welcome_done = pool.submit(welcome)
        reconcile_done = pool.submit(reconcile)
        statuses = [status for done in deliveries_done for status in done.result()]
        welcome_status, welcome_page = welcome_done.result()
        reconciled = reconcile_done.result()

    assert statuses == [200] * len(deliveries)
    assert reconciled == 0
    assert welcome_status == 200
    assert "Welcome, member" in welcome_page
    at_once = billing_state(committing, account_id)
    membership, customers, subscriptions, invoices = at_once
    assert membership.kind == "paid"
    assert (len(customers), len(subscriptions), len(invoices)) == (1, 1, 1)
    with app.app_context():
        stored = db.session.scalar(
            select(func.count())
            .select_from(StripeEvent)
            .where(StripeEvent.stripe_event_id.in_([event["id"] for event in events]))
        )
    assert stored == len(events)

    forget_deliveries(committing, account_id, events)
    client = app.test_client()
    for event in events:
        assert ev.post_event(client, event).status_code == 200

    assert billing_state(committing, account_id) == at_once
