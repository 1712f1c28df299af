"""Appeals: the person a moderation action fell on answers it, once.

One appeal per action (hide, decline, lock, remove, ban), by the person it fell on, and
decided by someone other than who acted: another of the group's moderators or hosts, or
a site admin (who can decide any, so there is always someone). The outcome goes to the
group's public moderation log and to the person; an overturned action is undone.
Functions raise ``GroupError``/``Forbidden`` and change nothing when a rule says no;
they flush, the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import Account
from app.db import db, utcnow
from app.groups import notices
from app.groups.log import log_action, with_names
from app.groups.models import (
    APPEALABLE_ACTIONS,
    Appeal,
    Group,
    GroupBan,
    GroupMember,
    ModerationLogEntry,
)
from app.groups.permissions import Access, is_banned, membership_in
from app.groups.services import Forbidden, GroupError, count_reply, refresh_thread
from app.notifications.events import path
from app.notifications.services import notify_each
from app.pagination import PAGE_SIZE

APPEAL_MAX = 2000
DECISION_MAX = 1000


def get_entry(entry_id: int) -> ModerationLogEntry | None:
    return db.session.scalar(
        with_names(select(ModerationLogEntry)).where(ModerationLogEntry.id == entry_id)
    )


def appeal_of(entry: ModerationLogEntry) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.entry_id == entry.id))


def may_appeal(account: Account, entry: ModerationLogEntry) -> bool:
    """Whether ``account`` may appeal ``entry``: a group's action that fell on them."""
    return (
        entry.group_id is not None
        and entry.action in APPEALABLE_ACTIONS
        and entry.affected_id == account.id
    )


def file_appeal(account: Account, entry: ModerationLogEntry, text: str | None) -> Appeal:
    """Appeal ``entry`` once; the group's other moderators and hosts are told (the site
    admins, when the group has nobody else who may decide)."""
    if not may_appeal(account, entry):
        raise Forbidden("Only the person a moderation action fell on can appeal it.")
    if appeal_of(entry) is not None:
        raise GroupError("You have appealed this action already; one appeal per action.")
    text = (text or "").strip()
    if not text:
        raise GroupError("Say why the action should be undone.", "text")
    if len(text) > APPEAL_MAX:
        raise GroupError(f"Keep your appeal to {APPEAL_MAX} characters.", "text")
    appeal = Appeal(entry_id=entry.id, group_id=entry.group_id, appellant_id=account.id, text=text)
    db.session.add(appeal)
    db.session.flush()
    deciders = [
        person
        for person in db.session.scalars(
            select(Account)
            .join(GroupMember, GroupMember.account_id == Account.id)
            .where(
                GroupMember.group_id == entry.group_id,
                GroupMember.role.in_(("moderator", "host")),
                Account.id != account.id,
                Account.suspended_at.is_(None),
            )
        )
        if person.id != entry.actor_id
    ]
    if not deciders:
        # Nobody in the group may decide: the site admins do.
        deciders = list(
            db.session.scalars(
                select(Account).where(
                    Account.is_admin.is_(True),
                    Account.suspended_at.is_(None),
                    Account.id != account.id,
                )
            )
        )
    notify_each(
        [person for person in deciders if person.id != entry.actor_id],
        "moderation",
        link=path("groups.appeal_queue", slug=_slug(entry)),
        subject="An appeal against a moderation action is waiting for someone who did not act.",
        target=f"appeals:group:{entry.group_id}",
    )
    return appeal


def _slug(entry: ModerationLogEntry) -> str:
    return db.session.get(Group, entry.group_id).slug


def get_appeal(access: Access, appeal_id: int) -> Appeal | None:
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or appeal.group_id != access.group.id:
        return None
    return appeal


def pending_appeals(access: Access) -> list[Appeal]:
    """The group's appeals waiting for a decision, oldest first."""
    if not access.can_moderate:
        raise Forbidden("Only the group's hosts and moderators can see its appeals.")
    return list(
        db.session.scalars(
            select(Appeal)
            .options(joinedload(Appeal.appellant), joinedload(Appeal.entry))
            .where(Appeal.group_id == access.group.id, Appeal.status == "pending")
            .order_by(Appeal.id)
            .limit(PAGE_SIZE)
        )
    )


def may_decide(access: Access, appeal: Appeal) -> bool:
    """Whether ``access``'s account may decide ``appeal``: a moderator, host or site admin
    of the group who neither took the action nor made the appeal."""
    return (
        access.can_moderate
        and access.account.id != appeal.entry.actor_id
        and access.account.id != appeal.appellant_id
    )


def decide_appeal(access: Access, appeal: Appeal, *, upheld: bool, decision: str | None) -> Appeal:
    """Uphold the action (it stands) or overturn it (it is undone); logged and told."""
    if appeal.group_id != access.group.id:
        raise GroupError("That appeal does not exist.")
    if not access.can_moderate:
        raise Forbidden("Only the group's hosts and moderators can decide appeals.")
    if access.account.id == appeal.entry.actor_id:
        raise Forbidden(
            "You took this action, so someone else decides its appeal: another moderator, "
            "a host or a site admin."
        )
    if access.account.id == appeal.appellant_id:
        raise Forbidden("You can't decide your own appeal.")
    if appeal.status != "pending":
        raise GroupError("This appeal has been decided already.")
    decision = (decision or "").strip()
    if not decision:
        raise GroupError("Say why: the decision goes in the moderation log.", "decision")
    if len(decision) > DECISION_MAX:
        raise GroupError(f"Keep the decision to {DECISION_MAX} characters.", "decision")
    entry = appeal.entry
    if not upheld:
        _undo(access, entry)
    appeal.status = "upheld" if upheld else "overturned"
    appeal.decision = decision
    appeal.decided_by_id = access.account.id
    appeal.decided_at = utcnow()
    log_action(
        access.group,
        access.account,
        access.moderator_role,
        "upheld on appeal: " + entry.action if upheld else "overturned on appeal: " + entry.action,
        subject=entry.subject if entry.target_kind == "account" else None,
        post=entry.post if entry.target_kind == "post" else None,
        thread=entry.thread if entry.target_kind == "thread" else None,
        reason=decision,
    )
    notices.tell_outcome(access.group, entry, appeal.appellant, upheld, decision)
    return appeal


def _undo(access: Access, entry: ModerationLogEntry) -> None:
    """Undo an overturned action as far as it can be."""
    group = access.group
    if entry.action in {"hid", "declined"} and entry.post is not None:
        post = entry.post
        declined = entry.action == "declined"
        post.hidden_at = None
        if declined and post.is_opener:
            post.thread.held_at = None
        refresh_thread(post.thread)
        if declined and not post.is_opener:
            count_reply(post.thread, post)
    elif entry.action == "locked" and entry.thread is not None:
        entry.thread.locked_at = None
    elif entry.action in {"banned", "removed"} and entry.subject is not None:
        account = entry.subject
        if is_banned(group, account):
            db.session.execute(
                GroupBan.__table__.delete().where(
                    GroupBan.group_id == group.id, GroupBan.account_id == account.id
                )
            )
        if entry.action == "removed" and membership_in(group, account) is None:
            db.session.add(GroupMember(group_id=group.id, account_id=account.id))
    db.session.flush()
