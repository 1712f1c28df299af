"""Where an account is signed in: one record per sign-in, which the session cookie names.

Signing in starts a session (``start_session``): a row of ``account_sessions`` and a random
token that goes into the one session cookie. Each request finds its account through the
token (``resume_session``), so deleting the row signs that device out at once, and a copy
of its cookie with it. The row keeps the day it was last used, written at most once a day,
and an optional device name; never an address or a user agent.

Plain functions with explicit arguments. They flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from app import jobs
from app.accounts.models import Account, AccountSession
from app.db import db, utcnow
from app.domain import DomainError
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of

DEVICE_NAME_MAX_LENGTH = 50


class SessionError(DomainError):
    """A rule about sessions said no."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _idle_limit() -> timedelta:
    return timedelta(days=current_app.config["SESSION_IDLE_DAYS"])


def start_session(account: Account, *, now: datetime | None = None) -> AccountSession:
    """Start a new sign-in for ``account`` and make it the account's current session.

    The returned record carries its token (``record.token``) for the cookie; only the
    token's digest is stored.
    """
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    record = AccountSession(
        account=account, token_digest=_digest(token), created_at=now, last_used_on=now.date()
    )
    db.session.add(record)
    db.session.flush()
    record.token = token
    account.current_session = record
    return record


def resume_session(token: str, *, now: datetime | None = None) -> Account | None:
    """The account signed in with ``token``, its session now its current one; or None when
    that session has ended or lay unused for longer than SESSION_IDLE_DAYS.

    Marks the session used today unless it already is, so at most one write a day.
    """
    now = now or utcnow()
    # No page shows the password hash: it loads only where a password is checked or set.
    record = db.session.scalar(
        select(AccountSession)
        .options(joinedload(AccountSession.account).defer(Account.password_hash))
        .where(AccountSession.token_digest == _digest(token))
    )
    if record is None or record.last_used_on < (now - _idle_limit()).date():
        return None
    if record.last_used_on < now.date():
        record.last_used_on = now.date()
    record.token = token
    record.account.current_session = record
    return record.account


def sessions_of(account: Account, before: str | None = None) -> Page[AccountSession]:
    """One page of the account's sessions, the most recently started first."""
    query = select(AccountSession).where(AccountSession.account_id == account.id)
    if (values := decode_cursor(before, (datetime, int))) is not None:
        query = query.where(
            after_key((AccountSession.created_at, AccountSession.id), values, descending=True)
        )
    query = query.order_by(AccountSession.created_at.desc(), AccountSession.id.desc())
    rows = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    return page_of(rows, lambda record: (record.created_at, record.id))


def name_session(record: AccountSession, name: str | None) -> None:
    """Give the device a name the person will recognise (or none)."""
    name = (name or "").strip() or None
    if name is not None and len(name) > DEVICE_NAME_MAX_LENGTH:
        raise SessionError(
            f"Keep the device name to {DEVICE_NAME_MAX_LENGTH} characters.", "device_name"
        )
    record.device_name = name


def end_session(account: Account, session_id: int) -> None:
    """Sign one of the account's sessions out; its cookie is useless from now on."""
    ended = db.session.execute(
        delete(AccountSession)
        .where(AccountSession.id == session_id, AccountSession.account_id == account.id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not ended:
        raise SessionError("That session has already ended.")


def end_other_sessions(account: Account, keep: AccountSession | None) -> int:
    """Sign out every session of the account but ``keep``; returns how many ended."""
    statement = delete(AccountSession).where(AccountSession.account_id == account.id)
    if keep is not None:
        statement = statement.where(AccountSession.id != keep.id)
    return db.session.execute(statement.execution_options(synchronize_session="fetch")).rowcount


def end_all_sessions(account: Account) -> int:
    """Sign the account out everywhere (for account deletion); returns how many ended."""
    return end_other_sessions(account, keep=None)


def prune_idle_sessions(now: datetime | None = None) -> int:
    """Delete the sessions unused for longer than SESSION_IDLE_DAYS; returns how many."""
    cutoff = ((now or utcnow()) - _idle_limit()).date()
    return db.session.execute(
        delete(AccountSession)
        .where(AccountSession.last_used_on < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount


@jobs.huey.periodic_task(crontab(minute="23", hour="3"))
def prune_sessions_daily() -> None:
    """Every night: forget the sessions nobody has used for SESSION_IDLE_DAYS."""
    with jobs.app_context():
        prune_idle_sessions()
        db.session.commit()
