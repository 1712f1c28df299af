"""Who may do what in a group: the one place that decides.

- read: ``public`` groups anyone; ``members`` groups any signed-in account;
  ``private`` groups only their own members (and site admins). To everyone else a
  private group does not exist.
- post (start threads, reply, edit): a member of the group whose account may
  write (a member of Kindred, not suspended). Joining an open group is one click.
- report a post: any reader who is signed in and not suspended.
- moderate (reports, hide, lock, remove, ban): the group's moderators and hosts,
  and site admins, unless suspended.
- manage (settings, roles, invitations, join requests): the group's hosts,
  unless suspended.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flask import abort
from sqlalchemy import select

from app.accounts.models import Account
from app.db import db
from app.groups.models import Group, GroupBan, GroupMember, Invitation
from app.memberships.services import can_write


@dataclass
class Access:
    """What ``account`` (None when signed out) may do in ``group``."""

    group: Group
    account: Account | None
    member: GroupMember | None

    @property
    def signed_in(self) -> bool:
        return self.account is not None

    @property
    def is_admin(self) -> bool:
        return self.account is not None and self.account.is_admin

    @property
    def role(self) -> str | None:
        return self.member.role if self.member else None

    @property
    def active(self) -> bool:
        return self.account is not None and not self.account.is_suspended

    @cached_property
    def writer(self) -> bool:
        return can_write(self.account)

    @cached_property
    def banned(self) -> bool:
        return self.account is not None and is_banned(self.group, self.account)

    @cached_property
    def invitation(self) -> Invitation | None:
        if self.account is None or self.member is not None:
            return None
        return pending_invitation(self.group, self.account)

    @property
    def can_read(self) -> bool:
        if self.group.visibility == "public":
            return True
        if self.group.visibility == "members":
            return self.signed_in
        return self.member is not None or self.is_admin

    @property
    def can_see(self) -> bool:
        """Whether the group exists for this viewer: a private group only for its members,
        site admins and invitees (who see enough to accept)."""
        if self.group.visibility != "private":
            return True
        return self.can_read or self.invitation is not None

    @property
    def can_post(self) -> bool:
        return self.member is not None and self.writer

    @property
    def can_report(self) -> bool:
        """Reporting a post is writing: readers who are signed in and not suspended."""
        return self.active and self.can_read

    @property
    def can_moderate(self) -> bool:
        return self.active and (self.is_admin or self.role in {"moderator", "host"})

    @property
    def can_manage(self) -> bool:
        return self.active and self.role == "host"

    @property
    def can_join(self) -> bool:
        return (
            self.active
            and self.member is None
            and self.can_read
            and self.group.join_policy == "open"
            and not self.banned
        )

    @property
    def can_request(self) -> bool:
        return (
            self.active
            and self.member is None
            and self.can_read
            and self.group.join_policy == "request"
            and not self.banned
        )

    @property
    def moderator_role(self) -> str:
        """The role a moderation log entry names: the group role, else ``admin``."""
        if self.role in {"moderator", "host"}:
            return self.role
        return "admin"


def membership_in(group: Group, account: Account | None) -> GroupMember | None:
    if account is None or not account.is_authenticated:
        return None
    return db.session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.account_id == account.id
        )
    )


def is_banned(group: Group, account: Account) -> bool:
    return (
        db.session.scalar(
            select(GroupBan.id).where(
                GroupBan.group_id == group.id, GroupBan.account_id == account.id
            )
        )
        is not None
    )


def pending_invitation(group: Group, account: Account) -> Invitation | None:
    return db.session.scalar(
        select(Invitation).where(
            Invitation.group_id == group.id,
            Invitation.account_id == account.id,
            Invitation.status == "pending",
        )
    )


def access_to(group: Group, account: Account | None) -> Access:
    if account is not None and not account.is_authenticated:
        account = None
    return Access(group, account, membership_in(group, account))


def get_group_or_404(slug: str, viewer: Account | None) -> Access:
    """The viewer's access to the group at ``slug``; 404 if there is none or it is hidden."""
    group = db.session.scalar(select(Group).where(Group.slug == slug.lower()))
    if group is None:
        abort(404)
    access = access_to(group, viewer)
    if not access.can_see:
        abort(404)
    return access
