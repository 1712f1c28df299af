"""Accounts: who someone is here, how they sign in, and where they are signed in.

Membership (who may write) lives in ``app.memberships``. What of it is exported and what
deletion does: ``app.accounts.personal_data``.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow


class Account(UserMixin, Base):
    """One person's account."""

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
    is_admin: Mapped[bool] = mapped_column(default=False)
    suspended_at: Mapped[datetime | None]
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An IANA zone name (``zoneinfo``): times on pages are shown in it.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")

    # The sign-in (an ``AccountSession``) this object was signed in or loaded with in the
    # current request, set by ``app.accounts.sessions``; never stored on the account.
    current_session = None

    def session_token(self) -> str:
        """What the session cookie names (Flask-Login's ``id_attribute``): the token of the
        sign-in just started. ``get_id`` stays the account's id, so accounts compare by id."""
        token = getattr(self.current_session, "token", None)
        if not token:
            raise RuntimeError("sign in through app.accounts.sessions.start_session")
        return token

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


def public_columns(account=None) -> tuple:
    """What pages load of an account shown to others (an author, a member): its id,
    handle, display name and handle key (its avatar's shade), never its email address or
    password hash. ``account`` is an alias of ``Account`` when the query joins accounts more
    than once."""
    account = account or Account
    return (account.id, account.handle, account.display_name, account.handle_key)


class AccountSession(Base):
    """One sign-in on one device, which the session cookie names.

    The cookie carries a random token; only its SHA-256 digest is kept here, so a copy of
    the database signs nobody in. Deleting the row signs that device out at once, whatever
    copies of its cookie exist. Nothing about the client is kept: no address, no user agent,
    only the name the person may give the device and the day it was last used.
    """

    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    device_name: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # To the day only, and written at most once a day, so reading pages does not write.
    last_used_on: Mapped[date]

    account: Mapped[Account] = relationship()

    # The token itself, known only in the request that started the session or was sent it.
    token = None


class TotpSecret(Base):
    """An authenticator app's shared secret (TOTP: SHA-1, 6 digits, 30 seconds).

    Created unconfirmed when the person starts setting the app up; it counts as a second
    factor only once ``confirmed_at`` is set by a first correct code. ``last_used_step`` is
    the 30-second step of the last code accepted, so no code is accepted twice.
    """

    __tablename__ = "totp_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_used_step: Mapped[int | None]


class RecoveryCode(Base):
    """One single-use recovery code, kept only as its SHA-256 digest.

    Ten are made when two-factor sign-in is switched on (or made anew) and shown once.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class Passkey(Base):
    """A passkey (a WebAuthn credential) registered as a second factor."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(50))
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_on: Mapped[date | None]
