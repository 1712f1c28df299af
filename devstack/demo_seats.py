"""Sponsored seats in the demo community: fay sponsors 5 seats every year, cai holds one,
and the pool keeps the rest, so eve can ask for a seat and get one at once.

The demo is loaded before the local Stripe sandbox starts, so fay's yearly sponsorship is
recorded as a paid one would be (a subscription row and a funded ledger entry) without a
Stripe customer: her sponsor page shows it, "Manage billing" does not appear for it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.accounts.models import Account
from app.billing.models import Subscription
from app.db import db, utcnow
from app.seats import services as seats
from app.seats.models import SeatLedgerEntry, Sponsorship

DEMO_SUBSCRIPTION = "sub_demo_fay_sponsorship"
SEATS = 5


def load_demo_seats(accounts: dict[str, Account]) -> None:
    fay, cai = accounts["fay"], accounts["cai"]
    now = utcnow()
    config = current_app.config
    sponsorship = Sponsorship(
        account_id=fay.id,
        kind="yearly",
        status="active",
        seats=SEATS,
        unit_amount=config["MEMBERSHIP_PRICE_CENTS"],
        currency=config["MEMBERSHIP_CURRENCY"],
        public_name="The Allotment Society",
        stripe_subscription_id=DEMO_SUBSCRIPTION,
    )
    db.session.add(sponsorship)
    db.session.add(
        Subscription(
            stripe_subscription_id=DEMO_SUBSCRIPTION,
            stripe_customer_id="cus_demo_fay",
            account_id=fay.id,
            status="active",
            purpose="sponsorship",
            seat_quantity=SEATS,
            current_period_start=now - timedelta(days=30),
            current_period_end=now + timedelta(days=335),
            renewal_amount=SEATS * config["MEMBERSHIP_PRICE_CENTS"],
            renewal_currency=config["MEMBERSHIP_CURRENCY"],
            last_event_created=0,
        )
    )
    db.session.flush()
    seats.lock_pool()
    db.session.add(
        SeatLedgerEntry(
            kind="funded",
            seats=SEATS,
            sponsorship_id=sponsorship.id,
            payment_ref="pi_demo_fay",
            source="funded:pi_demo_fay",
        )
    )
    db.session.flush()
    seats.apply_for_seat(cai, "Between jobs this year.")
