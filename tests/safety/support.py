"""Test data for the safety tests: accounts of a given age, paid or not."""

from __future__ import annotations

from datetime import timedelta

from app.billing.models import Subscription
from app.db import db, utcnow
from tests.helpers import make_account, make_member

LIMITS = {
    "NEW_ACCOUNT_DAYS": 3,
    "NEW_ACCOUNT_THREADS_PER_DAY": 2,
    "NEW_ACCOUNT_REPLIES_PER_DAY": 3,
    "NEW_ACCOUNT_LINKS_PER_POST": 2,
    "NEW_ACCOUNT_MENTIONS_PER_POST": 2,
    "NEW_ACCOUNT_TRUSTED_AFTER": 3,
}


def aged(account, days: float):
    account.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return account


def complimentary_member(handle: str, days: float):
    """A member of ``days`` whose seat nobody pays for (as a sponsored seat)."""
    return aged(make_member(handle), days)


def sponsored_member(handle: str, days: float):
    """A member of ``days`` on a sponsored seat, granted from the pool when they asked."""
    from app.seats import services as seats

    account = aged(make_account(handle), days)
    seats.adjust_pool(1, "a seat for the test")
    seats.apply_for_seat(account)
    return account


def paying_member(handle: str, days: float):
    """A member of ``days`` with an active paid yearly subscription."""
    account = make_account(handle)
    now = utcnow()
    db.session.add(
        Subscription(
            stripe_subscription_id=f"sub_{handle}",
            stripe_customer_id=f"cus_{handle}",
            account_id=account.id,
            status="active",
            current_period_start=now - timedelta(days=1),
            current_period_end=now + timedelta(days=364),
            last_event_created=0,
        )
    )
    db.session.commit()
    return aged(account, days)
