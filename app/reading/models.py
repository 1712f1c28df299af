"""How far one account has read one thread.

What of it is exported and what deleting an account does: ``app.reading.personal_data``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class ReadPosition(Base):
    """``account`` has read ``thread`` up to and including the post with the key
    (``last_read_at``, ``last_read_post_id``): that post's creation time and id, the same
    key threads are paged by. It only ever moves forward."""

    __tablename__ = "read_positions"
    __table_args__ = (
        UniqueConstraint("account_id", "thread_id"),
        Index("ix_read_positions_thread_id", "thread_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    last_read_at: Mapped[datetime]
    last_read_post_id: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
