"""Notifications, how each kind is emailed, thread watches and daily digests.

Export decisions (services name the functions):

- ``notifications``: in the recipient's export (``notifications.json``: kind, what it
  said, its link, when, when read), never in the actor's. Deleting an account deletes
  the notifications it received; in those it caused, the actor becomes NULL ("a former
  account").
- ``notification_preferences``: in the member's export (each kind's email delivery);
  deleted with the account.
- ``thread_watches``: in the member's export (thread id and title, watching or muted);
  deleted with the account.
- ``notification_digests``: excluded from the export (a record that a day's digest was
  mailed, kept only so a digest goes out once a day); deleted with the account.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.db import Base, one_of, utcnow

# Every kind of notification, with the words settings and mail use for it.
KINDS = {
    "reply": "Replies in threads you watch",
    "mention": "Mentions of you",
    "message": "Direct messages",
    "join_request": "Requests to join groups you host",
    "report": "Reports for you to look at",
    "membership": "Your membership",
    "moderation": "Moderation of your posts and account",
}
DELIVERIES = {
    "immediately": "Email me at once",
    "digest": "In a daily digest",
    "never": "Never email me",
}
# Gentle defaults: messages and moderation notices at once, the rest in a daily digest.
DEFAULT_DELIVERY = dict.fromkeys(KINDS, "digest") | {
    "message": "immediately",
    "moderation": "immediately",
}
WATCH_STATES = ("watching", "muted")


class NotificationDigest(Base):
    """The daily digest mailed to an account on ``day`` (UTC): at most one a day."""

    __tablename__ = "notification_digests"
    __table_args__ = (UniqueConstraint("account_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    day: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """Something that happened for ``recipient``: ``kind`` says what, ``actor`` who did it
    (None for the site itself, a confidential reporter, or a deleted account), ``subject``
    names what it is about (a thread's title, a group's name, or a whole sentence for
    membership events) and ``link`` is the path it opens. ``target`` names the thing
    itself (``thread:12``, ``conversation:3``) so a second reply or message to an unread
    one adds nothing."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient_id_created_at_id", "recipient_id", "created_at", "id"),
        Index("ix_notifications_recipient_id_read_at", "recipient_id", "read_at"),
        one_of("kind", KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300), default="")
    link: Mapped[str] = mapped_column(String(500))
    target: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Mailed on its own (its kind was "immediately"), or in which digest.
    emailed_at: Mapped[datetime | None]
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_digests.id", ondelete="SET NULL"), index=True
    )

    recipient: Mapped[Account] = relationship(foreign_keys=[recipient_id])
    actor: Mapped[Account | None] = relationship(foreign_keys=[actor_id])

    @property
    def text(self) -> str:
        """What the notification says, in one sentence without a full stop."""
        return self.describe()

    def describe(self, *, by_handle: bool = False) -> str:
        """The sentence, naming the actor by name and handle, or (for an export, where other
        people appear only by handle) by handle alone."""
        actor = self.actor
        if actor is None:
            who = "A deleted member"
        else:
            who = f"@{actor.handle}" if by_handle else f"{actor.name} (@{actor.handle})"
        if self.kind == "reply":
            return f"{who} replied in “{self.subject}”"
        if self.kind == "mention":
            return f"{who} mentioned you in “{self.subject}”"
        if self.kind == "message":
            return f"{who} sent you a message"
        if self.kind == "join_request":
            return f"{who} asked to join {self.subject}"
        if self.kind == "report":
            if self.target.startswith("reports:group:"):
                return f"A post in {self.subject} was reported"
            return "A direct message was reported to the site admins"
        return self.subject


class NotificationPreference(Base):
    """How one kind of notification is emailed to an account. No row: the default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("account_id", "kind"),
        one_of("kind", KINDS),
        one_of("delivery", DELIVERIES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    delivery: Mapped[str] = mapped_column(String(20))


class ThreadWatch(Base):
    """An account watching a thread (notified of each reply) or having muted it.

    Starting or replying to a thread watches it, unless the account muted it.
    """

    __tablename__ = "thread_watches"
    __table_args__ = (
        UniqueConstraint("thread_id", "account_id"),
        Index("ix_thread_watches_account_id", "account_id"),
        one_of("state", WATCH_STATES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship()
