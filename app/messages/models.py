"""Direct messages: one-to-one conversations between two accounts.

Export decisions:

- ``conversations`` and ``messages``: in each participant's export (``messages.json``,
  one record per message, in conversation and time order, via
  ``services.messages_for_export``): the member's own messages with their source text,
  and the other side's messages as received (the other side by handle, or "a deleted
  member"), except the text of messages a site admin removed or whose author deleted
  their account. ``body_html`` is derived and is not exported.
- ``message_settings``: in the member's export (who may start a conversation with them).

Account deletion (``services.erase_for_deletion``, before the account row goes): the
text of every message the account wrote is removed (the other side then sees "a deleted
member" and a placeholder), and conversations whose other side is gone already are
deleted whole. The account's settings row goes with it (CASCADE).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.db import Base, utcnow


class Conversation(Base):
    """Two accounts writing to each other: one conversation per pair, whoever started it.

    The pair is stored in id order (``first_id`` < ``second_id``) so the unique key holds
    whichever of the two writes first. A side whose account is deleted becomes NULL.
    ``last_message_at`` is kept by the services for the list of conversations.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("first_id", "second_id"),
        CheckConstraint("first_id < second_id", name="pair_order"),
        Index("ix_conversations_first_id_last_message_at_id", "first_id", "last_message_at", "id"),
        Index(
            "ix_conversations_second_id_last_message_at_id", "second_id", "last_message_at", "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    second_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    first: Mapped[Account | None] = relationship(foreign_keys=[first_id])
    second: Mapped[Account | None] = relationship(foreign_keys=[second_id])

    def includes(self, account: Account) -> bool:
        return account.id in (self.first_id, self.second_id)

    def other_side(self, account: Account) -> Account | None:
        """The other person, or None if their account is gone."""
        return self.second if self.first_id == account.id else self.first


class Message(Base):
    """One message. ``removed_at``: a site admin removed it after a report. ``erased_at``:
    its author deleted their account and its text went with it."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_id_created_at_id", "conversation_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    conversation: Mapped[Conversation] = relationship()
    author: Mapped[Account | None] = relationship()

    @property
    def shown(self) -> bool:
        return self.removed_at is None and self.erased_at is None


class MessageSettings(Base):
    """Who may start a conversation with an account beyond those it shares a group with.
    No row means the default: only people one shares a group with."""

    __tablename__ = "message_settings"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    from_all_members: Mapped[bool] = mapped_column(default=False)
