"""The billing tables keep statuses to Stripe's own words (CHECK constraints), on SQLite and
PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from app.billing.models import Dispute, Invoice, Subscription
from tests.helpers import make_account

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def subscription(account_id: int, status: str) -> Subscription:
    return Subscription(
        stripe_subscription_id=f"sub_{status}",
        stripe_customer_id="cus_1",
        account_id=account_id,
        status=status,
        last_event_created=0,
    )


def invoice(account_id: int, status: str) -> Invoice:
    return Invoice(
        stripe_invoice_id=f"in_{status}",
        account_id=account_id,
        status=status,
        amount_paid=2500,
        currency="usd",
        paid_at=NOW,
    )


def dispute(account_id: int, status: str) -> Dispute:
    return Dispute(
        stripe_dispute_id=f"dp_{status}",
        account_id=account_id,
        amount=2500,
        currency="usd",
        reason="fraudulent",
        status=status,
        opened_at=NOW,
    )


@pytest.mark.parametrize(
    ("make", "good"),
    [(subscription, "past_due"), (invoice, "paid"), (dispute, "needs_response")],
    ids=["subscription", "invoice", "dispute"],
)
def test_a_status_stripe_does_not_use_is_refused_by_the_database(session, make, good):
    ada = make_account("ada")
    session.add(make(ada.id, good))
    session.flush()
    with pytest.raises(IntegrityError, match=r"(?i)check"), session.begin_nested():
        session.add(make(ada.id, "Active"))
        session.flush()
