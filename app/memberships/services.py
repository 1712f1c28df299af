"""The one answer to "is this account a member right now, and why?".

A member is someone covered today by a paid subscription, a sponsored seat or a
complimentary membership (../shared/PRODUCT.md, "Membership, precisely").  Every kind of
membership is one query here, so asking costs the same whatever an account's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import Account
from app.accounts.services import get_account_by_handle
from app.billing.models import LIVE_STATUSES, Subscription
from app.billing.services import latest_subscription
from app.db import db, utcnow
from app.domain import DomainError
from app.memberships.models import ComplimentaryMembership
from app.seats.models import SeatGrant

PAGE_SIZE = 50


@dataclass(frozen=True)
class Membership:
    """Why an account is a member: ``kind`` is paid, sponsored or complimentary.

    ``until`` is when it ends unless renewed: a paid subscription's period end (or its set
    cancellation date, if earlier), the end of a complimentary grant (None: open-ended),
    or, for a paid subscription past due after a failed payment, the end of its grace
    period (``MEMBERSHIP_GRACE_DAYS`` from the first failure).
    """

    kind: str
    until: datetime | None


class NotAllowed(Exception):
    """The account may not do this (not a member, or suspended)."""


class MembershipError(DomainError):
    """A rule of this feature said no."""


def current_membership(account: Account, at: datetime | None = None) -> Membership | None:
    """The membership covering ``account`` at ``at`` (default now), or None if lapsed.

    Paid comes before sponsored, and sponsored before complimentary, when several cover
    the moment.  At most three queries, whatever the account's history.
    """
    moment = at or utcnow()
    grace = grace_period()
    subscriptions = db.session.scalars(
        select(Subscription).where(
            Subscription.account_id == account.id,
            Subscription.status.in_(LIVE_STATUSES),
            Subscription.purpose == "membership",
        )
    )
    paid = [sub for sub in subscriptions if sub.covers(moment, grace)]
    if paid:
        return Membership("paid", _paid_until(paid, grace))
    seats = db.session.scalars(
        select(SeatGrant)
        .where(SeatGrant.account_id == account.id, SeatGrant.ends_at > moment)
        .order_by(SeatGrant.starts_at)
    ).all()
    if any(seat.covers(moment) for seat in seats):
        return Membership("sponsored", _seat_until(seats, moment))
    grants = db.session.scalars(
        select(ComplimentaryMembership).where(ComplimentaryMembership.account_id == account.id)
    )
    covering = [grant for grant in grants if grant.covers(moment)]
    if covering:
        ends = [min(filter(None, (g.ends_at, g.ended_early_at)), default=None) for g in covering]
        return Membership("complimentary", None if None in ends else max(ends))
    return None


def _seat_until(seats: list[SeatGrant], moment: datetime) -> datetime:
    """The end of the seat covering ``moment``, or of the years granted straight after it."""
    until = moment
    for seat in seats:
        if seat.starts_at <= until:
            until = max(until, seat.ends_at)
    return until


def grace_period() -> timedelta:
    """How long a past_due subscription keeps covering after its payment first failed."""
    return timedelta(days=current_app.config["MEMBERSHIP_GRACE_DAYS"])


def _paid_until(paid: list[Subscription], grace: timedelta) -> datetime | None:
    ends = [sub.grace_ends_at(grace) if sub.status == "past_due" else sub.ends_at for sub in paid]
    known = [end for end in ends if end is not None]
    return max(known) if known else None


def is_member(account: Account | None, at: datetime | None = None) -> bool:
    return account is not None and current_membership(account, at) is not None


def write_refusal(account: Account | None) -> str | None:
    """Why this account may not post, reply, create groups or send messages; None if it may."""
    if account is None:
        return "Please log in first."
    if account.is_suspended:
        return "Your account is suspended: you can read and export, but not write."
    if not is_member(account):
        return "Only members can do this. Become a member to post and reply."
    return None


def can_write(account: Account | None) -> bool:
    """Members who are not suspended may post, reply, create groups and send messages."""
    return write_refusal(account) is None


def require_writer(account: Account | None) -> None:
    """Raise NotAllowed with a message a person can act on."""
    if (refusal := write_refusal(account)) is not None:
        raise NotAllowed(refusal)


# -- the membership page -------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipStatus:
    """What the membership page says.

    ``state`` is one of: ``renewing`` (paid, renews on ``until``), ``cancelling`` (paid,
    cancelled or given an end date, member until ``until``), ``past_due`` (renewal failed;
    still a member until the grace period ends on ``until``), ``action_required`` (the same,
    but the bank wants the member to confirm the payment at ``subscription.action_url``),
    ``grace_ended`` (still unpaid after the grace period, which ended on ``until``),
    ``complimentary``, ``lapsed`` (was a paying member) or ``none`` (never paid).
    """

    state: str
    until: datetime | None
    membership: Membership | None
    subscription: Subscription | None
    grace_days: int


def membership_status(account: Account, at: datetime | None = None) -> MembershipStatus:
    """The account's membership as the membership page describes it."""
    membership = current_membership(account, at)
    latest = latest_subscription(account)
    until = membership.until if membership else None
    if membership is not None and membership.kind == "paid" and latest is not None:
        if latest.status == "past_due":
            state = "action_required" if latest.action_url else "past_due"
        elif latest.is_ending:
            state = "cancelling"
        else:
            state = "renewing"
    elif membership is not None:
        state = membership.kind
    elif (
        latest is not None
        and latest.status == "past_due"
        and (grace_end := latest.grace_ends_at(grace_period())) is not None
    ):
        state, until = "grace_ended", grace_end
    else:
        state = "lapsed" if latest is not None else "none"
    days = current_app.config["MEMBERSHIP_GRACE_DAYS"]
    return MembershipStatus(state, until, membership, latest, days)


# -- complimentary memberships (admins) ----------------------------------------------------


def grant_complimentary(
    account: Account, granted_by: Account | None, reason: str, ends_at: datetime | None = None
) -> ComplimentaryMembership:
    """Grant a complimentary membership from now until ``ends_at`` (or open-ended)."""
    grant = ComplimentaryMembership(
        account=account,
        granted_by=granted_by,
        reason=reason.strip(),
        ends_at=ends_at,
        starts_at=utcnow(),
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def grant_complimentary_to(
    handle: str, granted_by: Account, reason: str, ends_on: date | None = None
) -> ComplimentaryMembership:
    """Grant a complimentary membership to the account with ``handle``, ending at the start
    of ``ends_on`` (UTC) if given.  Raises MembershipError, changing nothing, when the
    granter is not a site admin (or is suspended), the handle is unknown, the reason is
    empty or the end date is not in the future."""
    if not granted_by.is_admin or granted_by.is_suspended:
        raise MembershipError("Only site admins can grant complimentary memberships.")
    account = get_account_by_handle(handle.strip().lstrip("@"))
    if account is None:
        raise MembershipError("There is no account with that handle.", "handle")
    if not reason.strip():
        raise MembershipError("Say why this membership is complimentary.", "reason")
    ends_at = datetime.combine(ends_on, time.min, tzinfo=UTC) if ends_on else None
    if ends_at is not None and ends_at <= utcnow():
        raise MembershipError("Choose an end date in the future, or leave it empty.", "ends_on")
    grant = grant_complimentary(account, granted_by, reason, ends_at)
    _tell(account, "You have a complimentary membership" + _until(ends_at))
    return grant


def end_complimentary(grant_id: int, at: datetime | None = None) -> ComplimentaryMembership:
    """End a complimentary membership now (or at ``at``).  Raises MembershipError if it is
    unknown or already over."""
    grant = db.session.get(ComplimentaryMembership, grant_id)
    moment = at or utcnow()
    if grant is None:
        raise MembershipError("That complimentary membership does not exist.")
    if not grant.covers(moment):
        raise MembershipError(f"The membership of @{grant.account.handle} has already ended.")
    grant.ended_early_at = moment
    db.session.flush()
    _tell(grant.account, "Your complimentary membership has ended")
    return grant


def _until(ends_at: datetime | None) -> str:
    return f", until {ends_at:%Y-%m-%d}" if ends_at else ", with no end date"


def _tell(account: Account, sentence: str) -> None:
    from app.notifications.events import membership_changed

    membership_changed(account, sentence)


def complimentary_page(
    before: int | None = None,
) -> tuple[list[ComplimentaryMembership], int | None]:
    """One page of complimentary memberships, newest first, and the cursor of the next page."""
    query = (
        select(ComplimentaryMembership)
        .options(
            joinedload(ComplimentaryMembership.account),
            joinedload(ComplimentaryMembership.granted_by),
        )
        .order_by(ComplimentaryMembership.id.desc())
        .limit(PAGE_SIZE + 1)
    )
    if before is not None:
        query = query.where(ComplimentaryMembership.id < before)
    grants = list(db.session.scalars(query))
    next_cursor = grants[PAGE_SIZE - 1].id if len(grants) > PAGE_SIZE else None
    return grants[:PAGE_SIZE], next_cursor
