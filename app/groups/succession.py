"""A group always keeps a host: when its only host goes, the group passes to someone.

The successor is the longest-standing moderator, else the longest-standing member. The
moderation log says so, as something Kindred did by itself, without naming who left.
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from app.accounts.models import Account
from app.db import db
from app.groups.log import log_action
from app.groups.models import Group, GroupMember


def hand_over(group: Group, leaving: Account, why: str) -> GroupMember | None:
    """If ``leaving`` is ``group``'s only host, make a successor host and log it.

    Returns the new host, or None when the group has other hosts or nobody else to pass
    to. ``why`` is the reason the log gives ("The only host left the group.").
    """
    other_hosts = db.session.scalar(
        select(func.count())
        .select_from(GroupMember)
        .where(
            GroupMember.group_id == group.id,
            GroupMember.role == "host",
            GroupMember.account_id != leaving.id,
        )
    )
    if other_hosts:
        return None
    successor = db.session.scalar(
        select(GroupMember)
        .where(GroupMember.group_id == group.id, GroupMember.account_id != leaving.id)
        .order_by(
            case((GroupMember.role == "moderator", 0), else_=1),
            GroupMember.joined_at,
            GroupMember.id,
        )
        .limit(1)
    )
    if successor is None:
        return None
    successor.role = "host"
    db.session.flush()
    log_action(group, None, "system", "passed the group to", subject=successor.account, reason=why)
    return successor
