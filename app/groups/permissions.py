"""Who may do what in a group: the one place that decides.

- read: ``public`` groups anyone; ``members`` groups any signed-in account;
  ``private`` groups only their own members (and site admins). To everyone else a
  private group does not exist. Within a readable group every thread opens, but a
  post's words are read only while it is neither hidden nor deleted, and a removed
  thread's title (its first post hidden or deleted) only by its moderators, on its page.
  A post held for a moderator (``app.groups.holding``), and a thread whose first post is
  held, exist only for their author and the group's moderators until approved.
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
from functools import cache, cached_property

from flask import abort
from sqlalchemy import ColumnElement, and_, bindparam, false, or_, select, true

from app.accounts.models import Account
from app.db import db
from app.groups.models import Group, GroupBan, GroupMember, Invitation, Post, Thread
from app.memberships.services import can_write


@dataclass
class Access:
    """What ``account`` (None when signed out) may do in ``group``."""

    group: Group
    account: Account | None
    member: GroupMember | None
    # The thread read with the group (``get_group_or_404(thread_id=...)``), if any.
    thread: Thread | None = None

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

    def can_read_post(self, post: Post) -> bool:
        """Whether the viewer may read ``post``'s words where readers read them (lists,
        search): never once it is hidden or deleted, whoever asks. (A thread page shows
        moderators what was hidden; that is moderating, not reading.)"""
        return (
            self.can_read
            and post.hidden_at is None
            and post.deleted_at is None
            and post.held_at is None
        )

    def can_read_thread(self, thread: Thread) -> bool:
        """Whether the viewer may open ``thread`` and see it in lists: every thread of a
        readable group, but one whose first post is held only for its author and the
        group's moderators."""
        if not self.can_read:
            return False
        return thread.held_at is None or self._sees_held(thread.author_id)

    def sees_on_thread_page(self, post: Post) -> bool:
        """Whether ``post`` appears on its thread's page for this viewer: a held post for
        its author ("waiting for a moderator") and the group's moderators alone."""
        return post.held_at is None or self._sees_held(post.author_id)

    def _sees_held(self, author_id: int | None) -> bool:
        if self.can_moderate:
            return True
        return self.account is not None and author_id == self.account.id

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


# Every page of a group starts with one of these: built once, run with parameters.
@cache
def _group_query():
    return select(Group).where(Group.slug == bindparam("slug"))


@cache
def _group_and_thread_query():
    on = (Thread.group_id == Group.id) & (Thread.id == bindparam("thread_id"))
    return select(Group, Thread).outerjoin(Thread, on).where(Group.slug == bindparam("slug"))


def get_group_or_404(slug: str, viewer: Account | None, thread_id: int | None = None) -> Access:
    """The viewer's access to the group at ``slug``; 404 if there is none or it is hidden.
    With ``thread_id``, that thread of the group is read in the same query, so a later
    ``session.get(Thread, thread_id)`` finds it without one."""
    if thread_id is None:
        group = db.session.scalar(_group_query(), {"slug": slug.lower()})
    else:
        row = db.session.execute(
            _group_and_thread_query(), {"slug": slug.lower(), "thread_id": thread_id}
        ).first()
        group, thread = row if row else (None, None)
    if group is None:
        abort(404)
    access = access_to(group, viewer)
    if thread_id is not None:
        access.thread = thread
    if not access.can_see:
        abort(404)
    return access


# The same rule as a set, for lists and search ------------------------------------
#
# ``Access.can_read`` and ``Access.can_read_post`` decide for one object; these
# decide, in SQL, for every row at once, and tests/groups/test_readable.py holds them
# to the same answers over every viewer, visibility and state. Every list, search and
# export that must show only what a viewer may read filters with these; a new reason
# to keep a post from a reader (a post held for moderation, a blocked author) is added
# here, once, and every one of them follows.


def _reader(viewer: Account | None) -> Account | None:
    return viewer if viewer is not None and viewer.is_authenticated else None


def readable_groups(viewer: Account | None) -> ColumnElement[bool]:
    """Groups (``Group`` rows) whose threads ``viewer`` may read: public ones for
    everyone, for members ones for anyone signed in, private ones for their members;
    every group for site admins."""
    viewer = _reader(viewer)
    if viewer is None:
        return Group.visibility == "public"
    if viewer.is_admin:
        return true()
    theirs = select(GroupMember.group_id).where(GroupMember.account_id == viewer.id)
    return or_(Group.visibility.in_(("public", "members")), Group.id.in_(theirs))


def _in_readable_group(column, viewer: Account | None) -> ColumnElement[bool]:
    return column.in_(select(Group.id).where(readable_groups(viewer)))


def _sees_held(author_column, group_column, viewer: Account | None) -> ColumnElement[bool]:
    """Rows held for a moderator that ``viewer`` sees: their own, and all of those in the
    groups they moderate (every group, for a site admin); none while suspended."""
    viewer = _reader(viewer)
    if viewer is None:
        return false()
    if viewer.is_suspended:
        return author_column == viewer.id
    if viewer.is_admin:
        return true()
    moderated = select(GroupMember.group_id).where(
        GroupMember.account_id == viewer.id, GroupMember.role.in_(("moderator", "host"))
    )
    return or_(author_column == viewer.id, group_column.in_(moderated))


def readable_threads(viewer: Account | None) -> ColumnElement[bool]:
    """Threads whose page ``viewer`` may open: every thread of a readable group, except
    one whose first post is held, which only its author and the group's moderators see. A
    removed thread is one of them (its replies stay readable), listed without its title."""
    return and_(
        _in_readable_group(Thread.group_id, viewer),
        or_(Thread.held_at.is_(None), _sees_held(Thread.author_id, Thread.group_id, viewer)),
    )


def on_thread_page(access: Access) -> ColumnElement[bool]:
    """The posts of a thread its page lists for ``access``'s viewer (as
    ``Access.sees_on_thread_page``): all but those held for a moderator, which their author
    and the group's moderators see."""
    return or_(Post.held_at.is_(None), _sees_held(Post.author_id, Post.group_id, access.account))


def readable_posts(viewer: Account | None) -> ColumnElement[bool]:
    """Posts whose words ``viewer`` may read: in a readable group, neither hidden, deleted
    nor held for a moderator. A removed thread's title goes with its first post, which is
    one or the other."""
    return and_(
        _in_readable_group(Post.group_id, viewer),
        Post.hidden_at.is_(None),
        Post.deleted_at.is_(None),
        Post.held_at.is_(None),
    )
