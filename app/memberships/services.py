"""The one answer to "is this account a member right now, and why?".

A member is someone covered today by a paid subscription, a sponsored seat or a
complimentary membership (../shared/PRODUCT.md, "Membership, precisely").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.accounts.models import Account
from app.db import db, utcnow
from app.memberships.models import ComplimentaryMembership


@dataclass(frozen=True)
class Membership:
    """Why an account is a member: ``kind`` is paid, sponsored or complimentary."""

    kind: str
    until: datetime | None


class NotAllowed(Exception):
    """The account may not do this (not a member, or suspended)."""


def current_membership(account: Account, at: datetime | None = None) -> Membership | None:
    """The membership covering ``account`` at ``at`` (default now), or None if lapsed."""
    moment = at or utcnow()
    grants = db.session.scalars(
        select(ComplimentaryMembership).where(ComplimentaryMembership.account_id == account.id)
    )
    covering = [grant for grant in grants if grant.covers(moment)]
    if covering:
        ends = [min(filter(None, (g.ends_at, g.ended_early_at)), default=None) for g in covering]
        return Membership("complimentary", None if None in ends else max(ends))
    return None


def is_member(account: Account | None, at: datetime | None = None) -> bool:
    return account is not None and current_membership(account, at) is not None


def can_write(account: Account | None) -> bool:
    """Members who are not suspended may post, reply, create groups and send messages."""
    return account is not None and not account.is_suspended and is_member(account)


def require_writer(account: Account | None) -> None:
    """Raise NotAllowed with a message a person can act on."""
    if account is None:
        raise NotAllowed("Please log in first.")
    if account.is_suspended:
        raise NotAllowed("Your account is suspended: you can read and export, but not write.")
    if not is_member(account):
        raise NotAllowed("Only members can do this. Become a member to post and reply.")


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
