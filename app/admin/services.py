"""Site-wide rules for admins: suspending and restoring accounts, in the open.

A suspended account can still sign in, read and export, but not write (see
``app.memberships.services.require_writer``). Every suspension and restoration
is written to the site moderation log. Functions flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Account
from app.db import db, utcnow
from app.domain import DomainError, NotPermitted
from app.groups.log import log_action
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of

REASON_MAX = 500


class AdminError(DomainError):
    """A rule of this feature said no."""


class NotAdmin(AdminError, NotPermitted):
    """Only site admins who are not suspended may do this."""


def _check(admin: Account, account: Account, reason: str | None) -> str:
    if not admin.is_admin or admin.is_suspended:
        raise NotAdmin("Only site admins can do this.")
    if account.id == admin.id:
        raise AdminError("You can't change your own suspension.")
    reason = (reason or "").strip()
    if not reason:
        raise AdminError("Say why: the reason goes in the site's moderation log.", "reason")
    if len(reason) > REASON_MAX:
        raise AdminError(f"Keep the reason to {REASON_MAX} characters.", "reason")
    return reason


def suspend_account(admin: Account, account: Account, reason: str | None) -> Account:
    """Suspend ``account`` site-wide: it keeps reading and exporting but may not write."""
    reason = _check(admin, account, reason)
    if account.is_admin:
        raise AdminError("Site admins can't be suspended; remove their admin role first.")
    if account.is_suspended:
        raise AdminError(f"@{account.handle} is already suspended.")
    account.suspended_at = utcnow()
    account.suspension_reason = reason
    log_action(None, admin, "admin", "suspended", subject=account, reason=reason)
    return account


def unsuspend_account(admin: Account, account: Account, reason: str | None) -> Account:
    """Lift a suspension; the account may write again if it is a member."""
    reason = _check(admin, account, reason)
    if not account.is_suspended:
        raise AdminError(f"@{account.handle} is not suspended.")
    account.suspended_at = None
    account.suspension_reason = None
    log_action(None, admin, "admin", "lifted the suspension of", subject=account, reason=reason)
    return account


def find_accounts(search: str | None, cursor: str | None) -> Page[Account]:
    """Accounts whose handle starts with ``search``, in handle order."""
    query = select(Account)
    prefix = (search or "").strip().lstrip("@").lower()
    if prefix:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Account.handle_key.like(escaped + "%", escape="\\"))
    values = decode_cursor(cursor, (str, int))
    if values is not None:
        query = query.where(after_key((Account.handle_key, Account.id), values, False))
    rows = list(
        db.session.scalars(query.order_by(Account.handle_key, Account.id).limit(PAGE_SIZE + 1))
    )
    return page_of(rows, lambda account: (account.handle_key, account.id))
