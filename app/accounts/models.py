"""Accounts: who someone is here. Membership (who may write) lives in ``app.memberships``.

What of it is exported and what deletion does: ``app.accounts.personal_data``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


def new_login_id() -> str:
    return secrets.token_urlsafe(24)


class Account(UserMixin, Base):
    __tablename__ = "accounts"
    # A deleted account's id is never given to a new one (SQLite would reuse the highest),
    # so nothing that still names an old id (a late Stripe webhook's metadata, a mailed
    # link) can reach someone else.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    email_verified_at: Mapped[datetime | None]
    handle: Mapped[str] = mapped_column(String(30))
    # Handles are unique whatever their case: "Ada" and "ada" are the same person.
    handle_key: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(50))
    bio: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(String(255))
    # What the session cookie names; rotating it signs out every other session.
    login_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_login_id)
    is_admin: Mapped[bool] = mapped_column(default=False)
    suspended_at: Mapped[datetime | None]
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def get_id(self) -> str:
        return self.login_id

    @property
    def name(self) -> str:
        """What other people see: the display name if chosen, else the handle."""
        return self.display_name or self.handle

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def __repr__(self) -> str:
        return f"<Account {self.id} @{self.handle}>"
