"""Groups, their people, threads, posts, reports and the moderation log.

What of each table is exported and what deleting an account does to it is declared
in ``app.groups.personal_data``.
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
# How pages, logs and archives name an account that has been deleted.
DELETED_MEMBER = "a deleted member"
REPORT_REASONS = {
    "spam": "Spam",
    "harassment": "Harassment or hate",
    "off_topic": "Off-topic",
    "other": "Other",
}
WATCHED_WORD_ACTIONS = {"block": "Refuse the post", "hold": "Hold it for a moderator"}
APPEAL_STATUSES = ("pending", "upheld", "overturned")
# What an appeal can be about: the actions that fall on one person or their post.
APPEALABLE_ACTIONS = frozenset({"hid", "locked", "removed", "banned", "declined"})


class Group(Base):
    """A group."""

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
    # Hold each person's posts for a moderator until one of them has been approved.
    hold_first_posts: Mapped[bool] = mapped_column(default=False)
    # Whether the public moderation log names the moderator who acted (else the group).
    log_names_moderators: Mapped[bool] = mapped_column(default=False)


class GroupRule(Base):
    """One of a group's short rules, which moderation actions name."""

    __tablename__ = "group_rules"
    __table_args__ = (Index("ix_group_rules_group_id_position", "group_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(200))


class WatchedWord(Base):
    """A word a group's hosts watch for: posts holding it are refused or held."""

    __tablename__ = "group_watched_words"
    __table_args__ = (UniqueConstraint("group_id", "word"), one_of("action", WATCHED_WORD_ACTIONS))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    word: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(10))


class GroupMember(Base):
    """Someone in a group, with a role."""

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
    """A request to join a ``request`` group."""

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
    """A host's invitation."""

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
    """An account banned from a group."""

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
    """A title and a first post.

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
    # Mirrors the first post waiting for a moderator: nobody but its author and the
    # group's moderators sees the thread until it is approved.
    held_at: Mapped[datetime | None]

    group: Mapped[Group] = relationship()
    author: Mapped[Account | None] = relationship()


class Post(Base):
    """A thread's first post or a reply; ``body_html`` is rendered once, when written."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_thread_id_created_at_id", "thread_id", "created_at", "id"),
        Index("ix_posts_group_id_held_at_id", "group_id", "held_at", "id"),
    )

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
    # Waiting for a moderator (``app.groups.holding``): read by its author and the group's
    # moderators alone until approved.
    held_at: Mapped[datetime | None]
    held_because: Mapped[str | None] = mapped_column(String(200))

    thread: Mapped[Thread] = relationship()
    author: Mapped[Account | None] = relationship()


class PostRevision(Base):
    """An earlier version of a post, for moderators."""

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
    message and nothing else of the conversation."""

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
    (account suspensions).

    Who acted and what was acted on are references, and names are rendered when the log
    is read (``app.groups.log``), so an entry follows a renamed account and loses the
    name of a deleted one: it then says "a deleted member". The role, the action, the
    time and the moderator's reason stay, because the group's record of what its
    moderators did must not disappear with the people it was about. ``role`` is
    ``system`` for what Kindred did by itself (passing a group to a new host).
    """

    __tablename__ = "moderation_log"
    __table_args__ = (
        Index("ix_moderation_log_group_id_created_at_id", "group_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(40))
    # What was acted on: an account (``subject``), a post (and its thread), a thread, or a
    # direct message (site log only: a reported message an admin acted on).
    target_kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    # The group rule the action applied, as it read then (None: a free reason alone).
    rule: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group | None] = relationship()
    actor: Mapped[Account | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[Account | None] = relationship(foreign_keys=[subject_id])
    post: Mapped[Post | None] = relationship()
    thread: Mapped[Thread | None] = relationship()
    message: Mapped[Message | None] = relationship()

    @property
    def affected_id(self) -> int | None:
        """The account the action fell on: the account, or the post's or thread's author."""
        if self.target_kind == "account":
            return self.subject_id
        if self.target_kind == "post":
            return self.post.author_id if self.post is not None else None
        if self.target_kind == "thread":
            return self.thread.author_id if self.thread is not None else None
        return None

    def public_actor(self, group_name: str, names_moderators: bool) -> str:
        """Who acted, as a group's public log shows it: the moderator only when the group
        says so (site admins see ``actor_name`` whatever it says)."""
        if names_moderators or self.role == "system":
            return self.actor_name
        return f"the moderators of {group_name}"

    @property
    def actor_name(self) -> str:
        """Who acted, as the log shows it: ``@handle``, "a deleted member" or Kindred."""
        if self.actor is not None:
            return f"@{self.actor.handle}"
        return "Kindred" if self.role == "system" else DELETED_MEMBER

    @property
    def target(self) -> str:
        """What was acted on, rendered now from the references."""
        if self.target_kind == "account":
            return f"@{self.subject.handle}" if self.subject is not None else DELETED_MEMBER
        if self.target_kind == "post" and self.post is not None:
            post = self.post
            author = f"@{post.author.handle}" if post.author is not None else DELETED_MEMBER
            kind = "first post" if post.is_opener else "reply"
            return f"{kind} #{post.id} by {author} in “{post.thread.title}”"
        if self.target_kind == "message":
            if self.message is None:
                return "a direct message that has since been erased"
            author = self.message.author
            by = f"@{author.handle}" if author is not None else DELETED_MEMBER
            return f"direct message #{self.message.id} by {by}"
        if self.target_kind == "post":
            where = f" in “{self.thread.title}”" if self.thread is not None else ""
            return f"a post that has since been erased{where}"
        if self.thread is not None:
            return f"thread “{self.thread.title}”"
        return "a thread that has since been erased"


class Appeal(Base):
    """The affected person's one appeal against one moderation action, decided by someone
    other than who acted (``app.groups.appeals``)."""

    __tablename__ = "moderation_appeals"
    __table_args__ = (
        Index("ix_moderation_appeals_group_id_status_id", "group_id", "status", "id"),
        one_of("status", APPEAL_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("moderation_log.id", ondelete="CASCADE"), unique=True
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    appellant_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    decision: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    entry: Mapped[ModerationLogEntry] = relationship()
    appellant: Mapped[Account] = relationship(foreign_keys=[appellant_id])
    decided_by: Mapped[Account | None] = relationship(foreign_keys=[decided_by_id])
