"""The record of exports: when each one was made, and of which group for an archive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.groups.models import Group


class DataExport(Base):
    """One download: of a member's own data (``account``) or of a group's archive (``group``)."""

    __tablename__ = "data_exports"
    # The rate limit counts an account's exports of the last day.
    __table_args__ = (
        Index("ix_data_exports_account_id_created_at", "account_id", "created_at"),
        CheckConstraint("kind IN ('account', 'group')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    # The group of an archive; None for a member's own export, or once the group is gone.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group | None] = relationship()
