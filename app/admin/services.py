"""Site-wide rules for admins: suspending and restoring accounts, in the open.

A suspended account can still sign in, read and export, but not write (see
``app.memberships.services.require_writer``). Every suspension and restoration
is written to the site moderation log. Functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.accounts.models import Account
from app.db import db, utcnow
from app.domain import DomainError, NotPermitted
from app.groups.log import log_action
from app.groups.models import Post, Report, Thread
from app.groups.services import refresh_thread
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of

REASON_MAX = 500
# The new-accounts page lists accounts made in the last this many days.
NEW_ACCOUNTS_DAYS = 14
FIRST_POSTS_SHOWN = 3


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


# New accounts and spam ---------------------------------------------------------------


def new_accounts(cursor: str | None) -> Page[Account]:
    """Accounts made in the last NEW_ACCOUNTS_DAYS days, newest first."""
    since = utcnow() - timedelta(days=NEW_ACCOUNTS_DAYS)
    query = select(Account).where(Account.created_at >= since)
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(after_key((Account.created_at, Account.id), values, True))
    rows = list(
        db.session.scalars(
            query.order_by(Account.created_at.desc(), Account.id.desc()).limit(PAGE_SIZE + 1)
        )
    )
    return page_of(rows, lambda account: (account.created_at, account.id))


def first_posts(accounts: list[Account]) -> dict[int, list[Post]]:
    """Each account's first FIRST_POSTS_SHOWN posts, held and hidden ones included, with
    their threads and groups: one query for the whole page."""
    if not accounts:
        return {}
    rank = (
        func.row_number()
        .over(partition_by=Post.author_id, order_by=(Post.created_at, Post.id))
        .label("rank")
    )
    ranked = select(Post.id, rank).where(Post.author_id.in_([a.id for a in accounts])).subquery()
    posts = db.session.scalars(
        select(Post)
        .join(ranked, ranked.c.id == Post.id)
        .where(ranked.c.rank <= FIRST_POSTS_SHOWN)
        .options(joinedload(Post.thread).joinedload(Thread.group))
        .order_by(Post.created_at, Post.id)
    )
    found: dict[int, list[Post]] = {account.id: [] for account in accounts}
    for post in posts:
        found[post.author_id].append(post)
    return found


def suspend_spammer(admin: Account, account: Account, reason: str | None) -> int:
    """Suspend ``account`` (unless it is already) and hide every post it wrote, in every
    group, at once; both go in the site moderation log. Returns how many posts were hidden."""
    reason = _check(admin, account, reason)
    if account.is_admin:
        raise AdminError("Site admins can't be suspended; remove their admin role first.")
    showing = (
        Post.author_id == account.id,
        Post.hidden_at.is_(None),
        Post.deleted_at.is_(None),
    )
    thread_ids = set(db.session.scalars(select(Post.thread_id).where(*showing)))
    if account.is_suspended and not thread_ids:
        raise AdminError(f"@{account.handle} is suspended already and has no posts to hide.")
    if not account.is_suspended:
        suspend_account(admin, account, reason)
    now = utcnow()
    hidden = db.session.execute(
        update(Post).where(*showing).values(hidden_at=now, held_at=None)
    ).rowcount
    db.session.execute(
        update(Report)
        .where(
            Report.post_id.in_(select(Post.id).where(Post.author_id == account.id)),
            Report.resolved_at.is_(None),
        )
        .values(resolved_at=now, resolved_by_id=admin.id)
    )
    db.session.expire_all()
    for thread in db.session.scalars(select(Thread).where(Thread.id.in_(thread_ids))):
        refresh_thread(thread)
    log_action(
        None,
        admin,
        "admin",
        f"hid all {hidden} posts of" if hidden != 1 else "hid the one post of",
        subject=account,
        reason=reason,
    )
    return hidden
