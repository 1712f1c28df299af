"""Export rules: who may download what, how often, and the record of each download.

Every account may download its own data, whatever its membership (lapsed, sponsored or
suspended included); a group's hosts may download its archive. Each download is
recorded (its time, and the group for an archive) and counted: at most
``EXPORTS_PER_DAY`` in any 24 hours, so one account cannot tie up the server.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import Account
from app.db import db, utcnow
from app.domain import DomainError
from app.exports.models import DataExport
from app.groups.models import Group, GroupMember
from app.pagination import PAGE_SIZE

WINDOW = timedelta(days=1)
SHOWN = 20


class ExportError(DomainError):
    """A rule of this feature said no."""


class ExportLimitReached(ExportError):
    """Too many downloads in the last day; ``retry_after`` is in seconds."""

    def __init__(self, message: str, retry_after: int, next_at: datetime) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.next_at = next_at


def _check_limit(account: Account, now: datetime) -> None:
    limit = current_app.config["EXPORTS_PER_DAY"]
    recent = db.session.scalars(
        select(DataExport.created_at)
        .where(DataExport.account_id == account.id, DataExport.created_at > now - WINDOW)
        .order_by(DataExport.created_at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return
    next_at = recent[-1] + WINDOW
    wait = max(1, math.ceil((next_at - now).total_seconds()))
    hours = math.ceil(wait / 3600)
    when = f"about {hours} hour{'s' if hours != 1 else ''}" if wait >= 3600 else "under an hour"
    raise ExportLimitReached(
        f"You have downloaded {limit} archives in the last 24 hours, which is as many as "
        f"Kindred makes in a day. You can download the next one in {when}, at "
        f"{next_at:%H:%M} UTC. The archives you already have are complete.",
        retry_after=wait,
        next_at=next_at,
    )


def start_export(account: Account, now: datetime | None = None) -> DataExport:
    """Record a download of ``account``'s own data, or raise ``ExportLimitReached``."""
    now = now or utcnow()
    _check_limit(account, now)
    record = DataExport(account_id=account.id, kind="account", created_at=now)
    db.session.add(record)
    db.session.flush()
    return record


def is_host(account: Account, group: Group) -> bool:
    return (
        db.session.scalar(
            select(GroupMember.id).where(
                GroupMember.group_id == group.id,
                GroupMember.account_id == account.id,
                GroupMember.role == "host",
            )
        )
        is not None
    )


def start_group_archive(account: Account, group: Group, now: datetime | None = None) -> DataExport:
    """Record a host's download of ``group``'s archive, or raise ``ExportError``."""
    if not is_host(account, group):
        raise ExportError("Only the group's hosts can download its archive.")
    now = now or utcnow()
    _check_limit(account, now)
    record = DataExport(account_id=account.id, kind="group", group_id=group.id, created_at=now)
    db.session.add(record)
    db.session.flush()
    return record


def recent_exports(account: Account) -> list[DataExport]:
    """The account's latest downloads, newest first (its export holds all of them)."""
    return list(
        db.session.scalars(
            select(DataExport)
            .options(joinedload(DataExport.group))
            .where(DataExport.account_id == account.id)
            .order_by(DataExport.created_at.desc(), DataExport.id.desc())
            .limit(SHOWN)
        )
    )


def hosted_groups(account: Account) -> list[Group]:
    """The groups ``account`` hosts, whose archives it may download, by name (a page)."""
    return list(
        db.session.scalars(
            select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.account_id == account.id, GroupMember.role == "host")
            .order_by(Group.sort_name, Group.id)
            .limit(PAGE_SIZE)
        )
    )
