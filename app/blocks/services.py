"""Block rules. Any signed-in account may block or unblock another, whatever its
membership or standing: blocking is a safety measure, not writing. Functions flush; the
caller commits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts.models import Account
from app.accounts.services import get_account_by_handle
from app.blocks.models import Block
from app.db import db
from app.domain import DomainError
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of

EXPORT_BATCH = 500


class BlockError(DomainError):
    """A rule of this feature said no."""


def _account(handle: str | None) -> Account:
    account = get_account_by_handle((handle or "").strip().lstrip("@"))
    if account is None:
        raise BlockError("There is no account with that handle.", "handle")
    return account


def block(blocker: Account, handle: str | None) -> Account:
    """Block the account with ``handle``: it is not told. Blocking twice is no error."""
    blocked = _account(handle)
    if blocked.id == blocker.id:
        raise BlockError("You can't block yourself.", "handle")
    if not has_blocked(blocker.id, blocked.id):
        try:
            with db.session.begin_nested():
                db.session.add(Block(blocker_id=blocker.id, blocked_id=blocked.id))
        except IntegrityError:
            pass  # the same block, made at the same moment from another tab
    return blocked


def unblock(blocker: Account, handle: str | None) -> Account:
    """Lift a block; nothing that was held back while it stood is delivered."""
    blocked = _account(handle)
    db.session.execute(
        delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked.id)
    )
    return blocked


def has_blocked(blocker_id: int, blocked_id: int) -> bool:
    return (
        db.session.scalar(
            select(Block.id).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
        )
        is not None
    )


def either_blocked(first_id: int, second_id: int) -> bool:
    """Whether either account blocked the other."""
    return (
        db.session.scalar(
            select(Block.id)
            .where(
                or_(
                    (Block.blocker_id == first_id) & (Block.blocked_id == second_id),
                    (Block.blocker_id == second_id) & (Block.blocked_id == first_id),
                )
            )
            .limit(1)
        )
        is not None
    )


def blocked_ids(account: Account | None) -> set[int]:
    """The ids of the accounts ``account`` blocked (none for a visitor)."""
    if account is None:
        return set()
    return set(db.session.scalars(select(Block.blocked_id).where(Block.blocker_id == account.id)))


def blockers_among(actor_id: int, account_ids: Iterable[int]) -> set[int]:
    """Which of ``account_ids`` blocked ``actor_id``."""
    ids = set(account_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Block.blocker_id).where(Block.blocked_id == actor_id, Block.blocker_id.in_(ids))
        )
    )


def blocks_page(account: Account, cursor: str | None) -> Page[Block]:
    """The accounts ``account`` blocked, most recent first."""
    query = select(Block).options(joinedload(Block.blocked)).where(Block.blocker_id == account.id)
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(after_key((Block.created_at, Block.id), values, True))
    rows = list(
        db.session.scalars(
            query.order_by(Block.created_at.desc(), Block.id.desc()).limit(PAGE_SIZE + 1)
        )
    )
    return page_of(rows, lambda row: (row.created_at, row.id))


# Export and account deletion -------------------------------------------------------


def blocks_for_export(account: Account) -> Iterator[dict]:
    """The blocks ``account`` made, oldest first, read in keyset batches: never the
    blocks others made against it."""
    last_id = 0
    while True:
        rows = list(
            db.session.scalars(
                select(Block)
                .options(joinedload(Block.blocked))
                .where(Block.blocker_id == account.id, Block.id > last_id)
                .order_by(Block.id)
                .limit(EXPORT_BATCH)
            )
        )
        for row in rows:
            yield {"blocked": row.blocked.handle, "created_at": row.created_at.isoformat()}
        if len(rows) < EXPORT_BATCH:
            return
        last_id = rows[-1].id


def erase_for_deletion(account: Account) -> None:
    """Before ``account`` is deleted: remove the blocks it made and those against it."""
    db.session.execute(
        delete(Block).where(or_(Block.blocker_id == account.id, Block.blocked_id == account.id))
    )
