"""Blocks between accounts.

Export decision: the blocks an account made are in its export (``blocks.json``: each
blocked account's handle and when); blocks others made against it are not (blocking is
silent). Account deletion removes both (``services.erase_for_deletion``, and CASCADE).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.db import Base, utcnow


class Block(Base):
    """``blocker`` blocked ``blocked``."""

    __tablename__ = "blocks"
    __table_args__ = (
        UniqueConstraint("blocker_id", "blocked_id"),
        Index("ix_blocks_blocked_id", "blocked_id"),
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    blocked: Mapped[Account] = relationship(foreign_keys=[blocked_id])
