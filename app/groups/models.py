"""Groups, their people, threads, posts, reports and the moderation log.

Export decisions are given per table. In short: a member's own posts (with
their revisions), threads, group memberships, join requests, invitations and
reports they filed belong in their export; bans, hidden flags and log entries
about them are group records and do not, except that log entries they wrote as
a host or moderator are listed (they are public to the group anyway).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.db import Base, one_of, utcnow
from app.messages.models import Message

VISIBILITIES = ("public", "members", "private")
JOIN_POLICIES = ("open", "request", "invite")
ROLES = ("member", "moderator", "host")
REQUEST_STATUSES = ("pending", "approved", "declined")
INVITATION_STATUSES = ("pending", "accepted", "declined")
REPORT_REASONS = {
    "spam": "Spam",
    "harassment": "Harassment or hate",
    "off_topic": "Off-topic",
    "other": "Other",
}


class Group(Base):
    """A group. Export decision: the groups a member created are listed in their export."""

    __tablename__ = "groups"
    __table_args__ = (
        Index("ix_groups_created_at_id", "created_at", "id"),
        Index("ix_groups_sort_name_id", "sort_name", "id"),
        one_of("visibility", VISIBILITIES),
        one_of("join_policy", JOIN_POLICIES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    # The name folded for A-Z order and search.
    sort_name: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(10))
    join_policy: Mapped[str] = mapped_column(String(10))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMember(Base):
    """Someone in a group, with a role. Export decision: in the member's export."""

    __tablename__ = "group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "account_id"),
        Index("ix_group_members_group_id_joined_at_id", "group_id", "joined_at", "id"),
        one_of("role", ROLES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10), default="member")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship()


class JoinRequest(Base):
    """A request to join a ``request`` group. Export decision: in the requester's export."""

    __tablename__ = "group_join_requests"
    __table_args__ = (
        Index("ix_group_join_requests_group_id_status_id", "group_id", "status", "id"),
        one_of("status", REQUEST_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    response: Mapped[str] = mapped_column(String(1000), default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship(foreign_keys=[account_id])


class Invitation(Base):
    """A host's invitation. Export decision: in the invitee's export (not who invited them)."""

    __tablename__ = "group_invitations"
    __table_args__ = (
        Index("ix_group_invitations_group_id_status", "group_id", "status"),
        one_of("status", INVITATION_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group] = relationship()
    account: Mapped[Account] = relationship(foreign_keys=[account_id])


class GroupBan(Base):
    """An account banned from a group. Export decision: a group record, not exported."""

    __tablename__ = "group_bans"
    __table_args__ = (UniqueConstraint("group_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship()


class Thread(Base):
    """A title and a first post. Export decision: the author's threads are in their export.

    ``last_activity_at``, ``reply_count`` and ``answered_at`` are kept by the services
    (in SQL, so replies arriving at once never lose a count) so lists need no aggregate
    per row. ``removed`` mirrors the first post being hidden or deleted, so lists can
    leave out its title.
    """

    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_group_id_last_activity_at_id", "group_id", "last_activity_at", "id"),
        Index(
            "ix_threads_group_id_answered_at_created_at_id",
            "group_id",
            "answered_at",
            "created_at",
            "id",
        ),
        Index("ix_threads_last_activity_at_id", "last_activity_at", "id"),
        CheckConstraint("reply_count >= 0", name="reply_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    reply_count: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    removed: Mapped[bool] = mapped_column(default=False)

    group: Mapped[Group] = relationship()
    author: Mapped[Account | None] = relationship()


class Post(Base):
    """A thread's first post or a reply. Export decision: the author's posts are exported
    (source text and dates), hidden ones included; ``body_html`` is derived and is not."""

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread_id_created_at_id", "thread_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    is_opener: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]

    thread: Mapped[Thread] = relationship()
    author: Mapped[Account | None] = relationship()


class PostRevision(Base):
    """An earlier version of a post, for moderators. Export decision: in the author's export."""

    __tablename__ = "post_revisions"
    __table_args__ = (Index("ix_post_revisions_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # The thread's title at the time, for a thread's first post; None for replies.
    title: Mapped[str | None] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    # When this version was written (the post's creation or an earlier edit).
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(Base):
    """A reader's report on a post, or a participant's on a direct message.

    A post's report goes to its group's hosts and moderators (``group_id`` is the post's
    group); a message's goes to site admins alone (no group), who may then read that
    message and nothing else of the conversation. Export decision: in the reporter's
    export, never the reported author's (reports are confidential to those who act on
    them)."""

    __tablename__ = "reports"
    __table_args__ = (
        Index(
            "ix_reports_group_id_resolved_at_created_at_id",
            "group_id",
            "resolved_at",
            "created_at",
            "id",
        ),
        Index("ix_reports_resolved_at_created_at_id", "resolved_at", "created_at", "id"),
        one_of("reason", REPORT_REASONS),
        CheckConstraint(
            "(post_id IS NOT NULL AND group_id IS NOT NULL AND message_id IS NULL)"
            " OR (post_id IS NULL AND group_id IS NULL AND message_id IS NOT NULL)",
            name="target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )

    post: Mapped[Post | None] = relationship()
    group: Mapped[Group | None] = relationship()
    message: Mapped[Message | None] = relationship()
    reporter: Mapped[Account | None] = relationship(foreign_keys=[reporter_id])

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.reason, self.reason)


class ModerationLogEntry(Base):
    """One moderation action, in the open. ``group_id`` is None for site-wide actions
    (account suspensions). The actor's handle and role are copied so the record
    stays readable if the account changes or goes. Export decision: entries a
    member made are in their export; entries about them are group records."""

    __tablename__ = "moderation_log"
    __table_args__ = (
        Index("ix_moderation_log_group_id_created_at_id", "group_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    actor_handle: Mapped[str] = mapped_column(String(30))
    role: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
