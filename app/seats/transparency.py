"""The open books: how Kindred is funded, computed from the ledger and memberships.

``open_books`` runs the same seven queries whatever the size of the ledger; the chart is
an SVG drawn on the server (no script). ``headline`` is its first three, the figures the
landing page shows: the waits and the months, which read every granted application and
every ledger entry, are left to the page that shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from app.billing.models import Subscription
from app.db import db, utcnow
from app.memberships.models import ComplimentaryMembership
from app.seats.models import SeatApplication, SeatGrant, SeatLedgerEntry, Sponsorship


@dataclass(frozen=True)
class MonthBar:
    month: str
    funded: int
    granted: int


@dataclass(frozen=True)
class Headline:
    paying: int
    sponsored: int
    complimentary: int
    funded: int
    granted: int
    available: int
    waiting: int


@dataclass(frozen=True)
class OpenBooks(Headline):
    median_wait_days: float | None
    recurring_sponsors: int
    wall: list[str]
    months: list[MonthBar]


def _paid_clause(moment: datetime):
    grace = timedelta(days=current_app.config["MEMBERSHIP_GRACE_DAYS"])
    ends = func.coalesce(Subscription.cancel_at, Subscription.current_period_end)
    return and_(
        Subscription.purpose == "membership",
        or_(
            and_(Subscription.status.in_(("active", "trialing")), ends > moment),
            and_(
                Subscription.status == "past_due",
                func.coalesce(Subscription.past_due_since, Subscription.current_period_start)
                > moment - grace,
            ),
        ),
    )


def headline(now: datetime | None = None) -> Headline:
    """Members by kind, seats funded, granted and free, and people waiting.  Three
    queries."""
    moment = now or utcnow()
    paid_accounts = select(Subscription.account_id).where(_paid_clause(moment))
    seat_accounts = select(SeatGrant.account_id).where(
        SeatGrant.starts_at <= moment, SeatGrant.ends_at > moment
    )
    comp_end = func.coalesce(
        ComplimentaryMembership.ended_early_at, ComplimentaryMembership.ends_at
    )
    comp_accounts = select(ComplimentaryMembership.account_id).where(
        ComplimentaryMembership.starts_at <= moment, or_(comp_end.is_(None), comp_end > moment)
    )
    paying = paid_accounts.distinct().subquery()
    sponsored = (
        seat_accounts.where(SeatGrant.account_id.not_in(paid_accounts)).distinct().subquery()
    )
    complimentary = (
        comp_accounts.where(
            ComplimentaryMembership.account_id.not_in(paid_accounts),
            ComplimentaryMembership.account_id.not_in(seat_accounts),
        )
        .distinct()
        .subquery()
    )
    counts = db.session.execute(
        select(
            select(func.count()).select_from(paying).scalar_subquery(),
            select(func.count()).select_from(sponsored).scalar_subquery(),
            select(func.count()).select_from(complimentary).scalar_subquery(),
        )
    ).one()
    totals = dict(
        db.session.execute(
            select(SeatLedgerEntry.kind, func.sum(SeatLedgerEntry.seats)).group_by(
                SeatLedgerEntry.kind
            )
        ).all()
    )
    waiting = db.session.scalar(
        select(func.count(SeatApplication.id)).where(
            SeatApplication.status.in_(("waiting", "review"))
        )
    )
    return Headline(
        paying=counts[0],
        sponsored=counts[1],
        complimentary=counts[2],
        funded=totals.get("funded", 0),
        granted=-totals.get("granted", 0) - totals.get("released", 0),
        available=sum(totals.values()),
        waiting=waiting,
    )


def open_books(now: datetime | None = None) -> OpenBooks:
    """Every figure of the transparency page.  Seven queries."""
    figures = headline(now)
    # How long each granted applicant waited, in tenths of a day, counted per length: a few
    # rows whatever the number of applicants.
    waited = _tenths_of_days(SeatApplication.created_at, SeatApplication.decided_at)
    waits = db.session.execute(
        select(waited, func.count())
        .where(SeatApplication.status == "granted")
        .group_by(waited)
        .order_by(waited)
    ).all()
    recurring = db.session.scalar(
        select(func.count(func.distinct(Sponsorship.account_id)))
        .join(
            Subscription, Subscription.stripe_subscription_id == Sponsorship.stripe_subscription_id
        )
        .where(Sponsorship.kind == "yearly", Subscription.status.in_(("active", "past_due")))
    )
    wall = list(
        db.session.scalars(
            select(Sponsorship.public_name)
            .where(Sponsorship.public_name.is_not(None), Sponsorship.status != "pending")
            .group_by(Sponsorship.public_name)
            .order_by(func.min(Sponsorship.id))
            .limit(200)
        )
    )
    months = _months()
    return OpenBooks(
        **vars(figures),
        median_wait_days=_median(waits),
        recurring_sponsors=recurring,
        wall=wall,
        months=months,
    )


def _tenths_of_days(start, end):
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", end - start)
    else:
        seconds = (func.julianday(end) - func.julianday(start)) * 86400
    return func.round(seconds / 8640)


def _median(counted: list[tuple[float, int]]) -> float | None:
    """The median of values given as (value, how many), sorted by value."""
    total = sum(count for _, count in counted)
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    values, seen = [], 0
    for value, count in counted:
        while middle and middle[0] < seen + count:
            values.append(float(value))
            middle.pop(0)
        seen += count
    return round(sum(values) / len(values) / 10, 1)


def _months() -> list[MonthBar]:
    """Seats funded and granted per month, the last 12 months with any."""
    if db.session.get_bind().dialect.name == "postgresql":
        month = func.to_char(SeatLedgerEntry.created_at, "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", SeatLedgerEntry.created_at)
    rows = db.session.execute(
        select(month, SeatLedgerEntry.kind, func.sum(SeatLedgerEntry.seats))
        .where(SeatLedgerEntry.kind.in_(("funded", "granted")))
        .group_by(month, SeatLedgerEntry.kind)
        .order_by(month)
    ).all()
    by_month: dict[str, dict[str, int]] = {}
    for name, kind, seats in rows:
        by_month.setdefault(name, {})[kind] = abs(seats)
    return [
        MonthBar(name, values.get("funded", 0), values.get("granted", 0))
        for name, values in list(by_month.items())[-12:]
    ]


def chart_svg(months: list[MonthBar]) -> dict:
    """Geometry for the bar chart the template draws: per month a funded and a granted bar."""
    step, bar, height = 48, 20, 120
    top = max([1] + [max(m.funded, m.granted) for m in months])
    bars, labels = [], []
    for index, month in enumerate(months):
        for offset, (kind, value) in enumerate(
            (("funded", month.funded), ("granted", month.granted))
        ):
            size = round(value / top * height)
            bars.append(
                {
                    "kind": kind,
                    "x": index * step + offset * bar,
                    "y": height - size + 10,
                    "height": size,
                    "width": bar - 2,
                    "value": value,
                    "month": month.month,
                }
            )
        labels.append({"x": index * step + bar, "text": month.month})
    return {
        "width": max(1, len(months)) * step,
        "height": height + 30,
        "bars": bars,
        "labels": labels,
    }
