"""What the front page shows: a signed-in person's home, or the landing page for a visitor.

Plain functions with explicit arguments, each a fixed number of queries whatever the
number of groups and threads. Every thread they list is chosen with the one
readable-by-viewer clause (``app.groups.permissions``), so nothing hidden from the
reader, nothing removed and nothing by an account they blocked is named.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from app.accounts.models import Account
from app.blocks.models import Block
from app.db import db, utcnow
from app.groups.models import Group, GroupMember, Invitation, JoinRequest, Report, Thread
from app.groups.permissions import readable_groups, readable_threads
from app.groups.services import invitations_for, with_author
from app.memberships.services import MembershipStatus, membership_status
from app.reading.models import ReadPosition

# How much each part of the home shows; each part links to its full list.
GROUPS_SHOWN = 50
NEW_SHOWN = 50
WAITING_SHOWN = 10
SUGGESTED_GROUPS = 5
LANDING_GROUPS = 3
LANDING_THREADS_PER_GROUP = 3
# A membership ending within this long is "expiring soon".
EXPIRING_SOON = timedelta(days=30)


@dataclass
class NewThread:
    """A thread with something the reader has not read: ``started`` when the whole
    thread is new to them, else new replies."""

    thread: Thread
    started: bool


@dataclass
class GroupNews:
    group: Group
    role: str
    new: list[NewThread] = field(default_factory=list)


@dataclass
class Decisions:
    """Groups where someone waits on the reader: join requests they can answer (as a
    host), open reports they moderate; each with how many wait."""

    join_requests: list[tuple[Group, int]]
    reports: list[tuple[Group, int]]


@dataclass
class Home:
    groups: list[GroupNews]
    waiting: list[Thread]
    invitations: list[Invitation]
    decisions: Decisions
    membership: MembershipStatus
    #: Set when the membership needs the person: past due, expiring soon, or none.
    membership_note: str | None
    suggestions: list[Group]

    @property
    def anything_new(self) -> bool:
        return any(news.new for news in self.groups)


def _not_blocked_author(viewer: Account):
    blocked = select(Block.blocked_id).where(Block.blocker_id == viewer.id)
    return or_(Thread.author_id.is_(None), Thread.author_id.not_in(blocked))


def _new_threads(viewer: Account) -> list[tuple[Thread, bool]]:
    """Threads in the viewer's groups with activity since they last read them (or since
    they joined, for threads they never opened), latest first."""
    read_until = func.coalesce(ReadPosition.last_read_at, GroupMember.joined_at)
    rows = db.session.execute(
        select(Thread, ReadPosition.id.is_(None))
        .join(
            GroupMember,
            and_(GroupMember.group_id == Thread.group_id, GroupMember.account_id == viewer.id),
        )
        .outerjoin(
            ReadPosition,
            and_(ReadPosition.thread_id == Thread.id, ReadPosition.account_id == viewer.id),
        )
        .options(with_author(Thread.author))
        .where(
            readable_threads(viewer),
            Thread.removed.is_(False),
            _not_blocked_author(viewer),
            Thread.last_activity_at > read_until,
        )
        .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
        .limit(NEW_SHOWN)
    )
    return [(thread, never_opened) for thread, never_opened in rows]


def _my_groups(viewer: Account) -> list[tuple[Group, str]]:
    rows = db.session.execute(
        select(Group, GroupMember.role)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.account_id == viewer.id, readable_groups(viewer))
        .order_by(Group.sort_name, Group.id)
        .limit(GROUPS_SHOWN)
    )
    return [(group, role) for group, role in rows]


def waiting_for_an_answer(viewer: Account, limit: int = WAITING_SHOWN) -> list[Thread]:
    """Threads in the viewer's groups nobody but their author has answered, oldest first
    (the viewer's own are left out: someone else has to answer those)."""
    mine = select(GroupMember.group_id).where(GroupMember.account_id == viewer.id)
    return list(
        db.session.scalars(
            select(Thread)
            .options(joinedload(Thread.group), with_author(Thread.author))
            .where(
                Thread.group_id.in_(mine),
                readable_threads(viewer),
                Thread.answered_at.is_(None),
                Thread.removed.is_(False),
                Thread.locked_at.is_(None),
                or_(Thread.author_id.is_(None), Thread.author_id != viewer.id),
                _not_blocked_author(viewer),
            )
            .order_by(Thread.created_at, Thread.id)
            .limit(limit)
        )
    )


def decisions_for(viewer: Account) -> Decisions:
    """Join requests in groups the viewer hosts, open reports in groups they moderate."""
    if viewer.is_suspended:
        return Decisions([], [])

    def waiting(model, condition, roles):
        rows = db.session.execute(
            select(Group, func.count(model.id))
            .join(GroupMember, GroupMember.group_id == Group.id)
            .join(model, model.group_id == Group.id)
            .where(GroupMember.account_id == viewer.id, GroupMember.role.in_(roles), condition)
            .group_by(Group.id)
            .order_by(Group.sort_name, Group.id)
            .limit(GROUPS_SHOWN)
        )
        return [(group, count) for group, count in rows]

    return Decisions(
        join_requests=waiting(JoinRequest, JoinRequest.status == "pending", ("host",)),
        reports=waiting(Report, Report.resolved_at.is_(None), ("host", "moderator")),
    )


def membership_note(status: MembershipStatus, now: datetime) -> str | None:
    """Which membership message the home shows, if any: ``past_due`` (pay to stay),
    ``action_required`` (confirm a payment), ``grace_ended`` / ``lapsed`` / ``none`` (how
    to become a member), ``expiring`` (ends within ``EXPIRING_SOON`` and will not renew)."""
    if status.state in {"past_due", "action_required", "grace_ended", "lapsed", "none"}:
        return status.state
    ending = status.state in {"cancelling", "complimentary"}
    if ending and status.until is not None and status.until - now <= EXPIRING_SOON:
        return "expiring"
    return None


def public_groups_to_read(viewer: Account, limit: int = SUGGESTED_GROUPS) -> list[Group]:
    """Public groups the viewer is not in, most recently created first."""
    mine = select(GroupMember.group_id).where(GroupMember.account_id == viewer.id)
    return list(
        db.session.scalars(
            select(Group)
            .where(Group.visibility == "public", Group.id.not_in(mine))
            .order_by(Group.created_at.desc(), Group.id.desc())
            .limit(limit)
        )
    )


def home_for(viewer: Account, now: datetime | None = None) -> Home:
    """Everything the signed-in home shows ``viewer``: their groups and what is new in
    each, threads waiting for an answer, and what needs them."""
    now = now or utcnow()
    groups = [GroupNews(group, role) for group, role in _my_groups(viewer)]
    by_id = {news.group.id: news for news in groups}
    latest_first: dict[int, None] = {}
    for thread, never_opened in _new_threads(viewer):
        news = by_id.get(thread.group_id)
        if news is not None:
            news.new.append(NewThread(thread, started=never_opened))
            latest_first.setdefault(thread.group_id)
    # Groups with something new first, the latest news first; then the rest, A-Z.
    order = {group_id: n for n, group_id in enumerate(latest_first)}
    groups.sort(key=lambda news: order.get(news.group.id, len(order)))
    status = membership_status(viewer, now)
    home = Home(
        groups=groups,
        waiting=waiting_for_an_answer(viewer),
        invitations=invitations_for(viewer),
        decisions=decisions_for(viewer),
        membership=status,
        membership_note=membership_note(status, now),
        suggestions=[],
    )
    if not home.anything_new:
        home.suggestions = public_groups_to_read(viewer)
    return home


# The landing page ------------------------------------------------------------------


@dataclass
class PublicGroup:
    group: Group
    threads: list[Thread]


def landing_groups() -> list[PublicGroup]:
    """A few public groups, most recently active first, each with its latest threads:
    one query, over the latest public threads."""
    rows = db.session.scalars(
        select(Thread)
        .join(Group, Group.id == Thread.group_id)
        .options(contains_eager(Thread.group))
        .where(readable_threads(None), Thread.removed.is_(False))
        .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
        .limit(LANDING_GROUPS * LANDING_THREADS_PER_GROUP * 4)
    )
    shown: dict[int, PublicGroup] = {}
    counts: dict[int, int] = defaultdict(int)
    for thread in rows:
        if thread.group_id not in shown:
            if len(shown) == LANDING_GROUPS:
                continue
            shown[thread.group_id] = PublicGroup(thread.group, [])
        if counts[thread.group_id] < LANDING_THREADS_PER_GROUP:
            shown[thread.group_id].threads.append(thread)
            counts[thread.group_id] += 1
    return list(shown.values())
