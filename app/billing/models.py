"""Kindred's local record of what Stripe knows: customers, subscriptions, paid invoices, events.

Webhooks keep these tables current (see ``app.billing.webhooks``), so the app answers
"is this account a member?" and shows billing history without asking Stripe.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

LIVE_STATUSES = ("active", "trialing", "past_due")


class BillingCustomer(Base):
    """The Stripe customer created for an account (Stripe holds only its email and account id)."""

    __tablename__ = "billing_customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    stripe_customer_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(Base):
    """A paid yearly subscription as Stripe last described it.

    ``last_event_created`` is the newest Stripe time (event ``created`` or the object's own
    timestamps) this row reflects; an event older than it never overwrites the row.
    """

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_subscription_id: Mapped[str] = mapped_column(String(255), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), index=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(32))
    current_period_start: Mapped[datetime | None]
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    canceled_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # When Stripe will next try a failed renewal payment (past_due only).
    next_payment_attempt: Mapped[datetime | None]
    last_event_created: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def covers(self, moment: datetime) -> bool:
        """Active or trialing until the period ends; past_due is a grace period with no date."""
        if self.status == "past_due":
            return True
        if self.status in ("active", "trialing"):
            return self.current_period_end is not None and moment < self.current_period_end
        return False


class Invoice(Base):
    """A paid invoice: the member's billing history, kept locally."""

    __tablename__ = "invoices"
    # The billing history lists an account's invoices newest first, by (paid_at, id).
    __table_args__ = (Index("ix_invoices_account_id_paid_at_id", "account_id", "paid_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_invoice_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Kept when the account is deleted, without anything that names it: the law requires
    # the books (see app/billing/personal_data.py).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    number: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32))
    amount_paid: Mapped[int]
    amount_refunded: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StripeEvent(Base):
    """Each Stripe event applied, stored once so a re-delivery changes nothing.

    Only the id, type and times are kept, never the payload (it may hold an email).
    """

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
