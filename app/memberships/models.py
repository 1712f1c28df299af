"""Complimentary memberships granted by admins (staff, moderators, friends of the project).

What of it is exported and what deletion does: ``app.memberships.personal_data``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.db import Base, utcnow


class ComplimentaryMembership(Base):
    __tablename__ = "complimentary_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(500))
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime | None]
    ended_early_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    granted_by: Mapped[Account | None] = relationship(foreign_keys=[granted_by_id])

    def covers(self, moment: datetime) -> bool:
        end = min(filter(None, (self.ends_at, self.ended_early_at)), default=None)
        return self.starts_at <= moment and (end is None or moment < end)
