"""Kindred's local record of what Stripe knows: customers, subscriptions, paid invoices,
disputes and the events applied.

Webhooks keep these tables current (see ``app.billing.webhooks``), so the app answers
"is this account a member?" and shows billing history without asking Stripe.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, one_of, utcnow

# Stripe's statuses, as its API names them.
SUBSCRIPTION_STATUSES = (
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "canceled",
    "unpaid",
    "paused",
)
INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")
DISPUTE_STATUSES = (
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "needs_response",
    "under_review",
    "won",
    "lost",
    "prevented",
)
CLOSED_DISPUTE_STATUSES = ("warning_closed", "won", "lost", "prevented")

# Still running at Stripe (a second membership subscription is refused while one exists).
LIVE_STATUSES = ("active", "trialing", "past_due")

# What a subscription pays for, from its Price's ``metadata[kindred_purpose]``: only a
# membership subscription makes its payer a member; a sponsorship pays for seats for others.
PURPOSES = ("membership", "sponsorship")


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
    __table_args__ = (
        one_of("status", SUBSCRIPTION_STATUSES),
        one_of("purpose", PURPOSES),
        CheckConstraint("seat_quantity >= 0", name="seat_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_subscription_id: Mapped[str] = mapped_column(String(255), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), index=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(16), default="membership")
    # Sponsored seats each paid period buys: a sponsorship's quantity, or the seats a
    # member added to their own membership ("pay it forward").
    seat_quantity: Mapped[int] = mapped_column(default=0)
    current_period_start: Mapped[datetime | None]
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    # A set end date (Stripe's ``cancel_at``), which may come before the period's end.
    cancel_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # What the next renewal charges (the subscription's price times its quantity).
    renewal_amount: Mapped[int | None]
    renewal_currency: Mapped[str | None] = mapped_column(String(3))
    # past_due only: when the unpaid renewal first failed (the grace period counts from it)
    # and when Stripe will next try it.
    past_due_since: Mapped[datetime | None]
    next_payment_attempt: Mapped[datetime | None]
    # The subscription's newest invoice, as Stripe last named it.
    latest_invoice_id: Mapped[str | None] = mapped_column(String(255))
    # The unpaid invoice whose payment the member must confirm (3-D Secure), and Stripe's
    # hosted page for doing so.
    action_invoice_id: Mapped[str | None] = mapped_column(String(255))
    action_url: Mapped[str | None] = mapped_column(String(2000))
    # The period end a renewal reminder was mailed for (one reminder per period).
    reminded_for_period_end: Mapped[datetime | None]
    last_event_created: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def ends_at(self) -> datetime | None:
        """When a running subscription stops covering unless it renews: the period's end,
        or the set cancellation date if that comes first."""
        ends = [moment for moment in (self.current_period_end, self.cancel_at) if moment]
        return min(ends) if ends else None

    @property
    def is_ending(self) -> bool:
        """Cancelled by the member (or an admin) but still running until ``ends_at``."""
        return self.cancel_at_period_end or self.cancel_at is not None

    def grace_ends_at(self, grace: timedelta) -> datetime | None:
        """past_due: the end of the grace period counted from the first failed payment."""
        since = self.past_due_since or self.current_period_start
        return since + grace if since else None

    def covers(self, moment: datetime, grace: timedelta) -> bool:
        """Active or trialing until ``ends_at``; past_due for ``grace`` after the payment
        first failed, whatever Stripe's own retry settings."""
        if self.status == "past_due":
            grace_end = self.grace_ends_at(grace)
            return grace_end is not None and moment < grace_end
        if self.status in ("active", "trialing"):
            return self.ends_at is not None and moment < self.ends_at
        return False


class Invoice(Base):
    """A paid invoice: the member's billing history, kept locally.

    ``needs_refresh`` marks an invoice stored from an event's own payload while Stripe could
    not be reached: its payment (and so its refunds) is read from Stripe at the next chance.
    """

    __tablename__ = "invoices"
    # The billing history lists an account's invoices newest first, by (paid_at, id).
    __table_args__ = (
        Index("ix_invoices_account_id_paid_at_id", "account_id", "paid_at", "id"),
        one_of("status", INVOICE_STATUSES),
    )

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
    needs_refresh: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Dispute(Base):
    """A payment the card holder disputed with their bank (a chargeback or an inquiry).

    Kept when the account is deleted (``account_id`` becomes NULL): it is part of the
    books.  ``admins_told_*`` record which mails went out.
    """

    __tablename__ = "disputes"
    __table_args__ = (one_of("status", DISPUTE_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_dispute_id: Mapped[str] = mapped_column(String(255), unique=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    stripe_charge_id: Mapped[str | None] = mapped_column(String(255))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime]
    evidence_due_by: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    admins_told_opened: Mapped[bool] = mapped_column(default=False)
    admins_told_closed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_DISPUTE_STATUSES


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
