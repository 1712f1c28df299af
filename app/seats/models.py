"""Sponsored seats: sponsorships, the seat ledger, applications and grants.

A seat is one member-year.  Every movement of a seat is one row of ``seat_ledger`` with a
signed number of seats (funded +n, granted -1, released +1, refunded -n, adjustment +/-n;
a gift link holds its seat out of the pool: gift_issued -1, then gift_claimed +1 with its
grant's granted -1, or gift_returned +1 when unclaimed after 90 days),
so the pool's balance is the ledger's sum and never a number kept anywhere else.
``seat_pool`` is a single row that every change to the pool locks first, so grants,
funding and refunds happen one at a time whatever the number of app servers.

What of it is exported and what deletion does: ``app.seats.personal_data``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, one_of, utcnow

SPONSORSHIP_KINDS = ("once", "yearly", "gift")
SPONSORSHIP_STATUSES = ("pending", "active", "ended")
LEDGER_KINDS = (
    "funded",
    "granted",
    "released",
    "refunded",
    "adjustment",
    "gift_issued",
    "gift_claimed",
    "gift_returned",
)
GIFT_STATUSES = ("open", "claimed", "returned")
APPLICATION_STATUSES = ("waiting", "review", "granted", "declined", "withdrawn")
OPEN_APPLICATION_STATUSES = ("waiting", "review")
POOL_ID = 1


class SeatPool(Base):
    """The one row every change to the pool locks first (its balance is the ledger's)."""

    __tablename__ = "seat_pool"

    id: Mapped[int] = mapped_column(primary_key=True)
    changes: Mapped[int] = mapped_column(default=0)


class Sponsorship(Base):
    """Seats a sponsor pays for: N once (one Checkout payment) or N every year (a
    subscription, or seats added to the sponsor's own membership).

    Made when the sponsor starts Checkout (``pending``); its seats reach the pool only
    when Stripe confirms a payment.  ``account_id`` is cleared when the sponsor deletes
    their account: the ledger and the books stay.
    """

    __tablename__ = "sponsorships"
    __table_args__ = (
        one_of("kind", SPONSORSHIP_KINDS),
        one_of("status", SPONSORSHIP_STATUSES),
        CheckConstraint("seats > 0", name="seats"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Seats per payment (per year, for a yearly sponsorship).
    seats: Mapped[int]
    unit_amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    # What the sponsor chose for the public sponsor wall; None is anonymous (the default).
    public_name: Mapped[str | None] = mapped_column(String(80))
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeatLedgerEntry(Base):
    """One movement of seats.  ``source`` names the Stripe payment (or refund level) it
    comes from and is unique, so a webhook delivered twice cannot fund twice; a grant has
    exactly one ``granted`` entry."""

    __tablename__ = "seat_ledger"
    __table_args__ = (
        one_of("kind", LEDGER_KINDS),
        CheckConstraint("seats <> 0", name="seats"),
        Index("ix_seat_ledger_sponsorship_id_kind", "sponsorship_id", "kind"),
        Index("ix_seat_ledger_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    seats: Mapped[int]
    sponsorship_id: Mapped[int | None] = mapped_column(ForeignKey("sponsorships.id"))
    grant_id: Mapped[int | None] = mapped_column(
        ForeignKey("seat_grants.id", ondelete="SET NULL"), index=True
    )
    gift_id: Mapped[int | None] = mapped_column(ForeignKey("seat_gifts.id"), index=True)
    # The Stripe payment behind a funded or refunded entry (invoice or PaymentIntent id).
    payment_ref: Mapped[str | None] = mapped_column(String(255), index=True)
    source: Mapped[str | None] = mapped_column(String(300), unique=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeatApplication(Base):
    """Someone asking for a seat: an optional note, no proof.  One open application
    (waiting or in review) per account, enforced by a partial unique index."""

    __tablename__ = "seat_applications"
    __table_args__ = (
        one_of("status", APPLICATION_STATUSES),
        Index(
            "uq_seat_applications_open_account",
            "account_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'review')"),
            postgresql_where=text("status IN ('waiting', 'review')"),
        ),
        Index("ix_seat_applications_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class SeatGrant(Base):
    """A sponsored seat given to an account: one year of membership from ``starts_at``."""

    __tablename__ = "seat_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("seat_applications.id", ondelete="SET NULL"), unique=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reminded_30_at: Mapped[datetime | None]
    reminded_7_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


class SeatGift(Base):
    """A gift seat: a single-use claim link the sponsor hands to someone they choose.

    Claiming needs an account and grants a year of membership; a gift unclaimed at
    ``expires_at`` (90 days after purchase) returns to the general pool.
    """

    __tablename__ = "seat_gifts"
    __table_args__ = (
        one_of("status", GIFT_STATUSES),
        Index("ix_seat_gifts_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsorship_id: Mapped[int] = mapped_column(ForeignKey("sponsorships.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    expires_at: Mapped[datetime]
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
