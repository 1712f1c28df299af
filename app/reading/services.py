"""Read positions: moving them forward as a person reads, and finding where to resume.

Plain functions with explicit arguments; they flush, the caller commits. A position is
only ever read by its own account's pages.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.accounts.models import Account
from app.db import db, lost_the_write_lock, utcnow
from app.exports.archive import stream_rows
from app.groups.models import Group, Post, Thread
from app.pagination import after_key
from app.reading.models import ReadPosition


def position_for(account: Account | None, thread: Thread) -> ReadPosition | None:
    """How far ``account`` has read ``thread``; None if never (or signed out)."""
    if account is None or not account.is_authenticated:
        return None
    return db.session.scalar(
        select(ReadPosition).where(
            ReadPosition.account_id == account.id, ReadPosition.thread_id == thread.id
        )
    )


def has_unread(position: ReadPosition | None, thread: Thread) -> bool:
    """Whether anything was written in ``thread`` after ``position`` (a thread never
    opened has nothing "unread" to jump to: it is read from the start)."""
    return position is not None and thread.last_activity_at > position.last_read_at


def mark_read(account: Account, post: Post, position: ReadPosition | None = None) -> None:
    """``account`` has read ``post``'s thread up to ``post``: the position moves forward to
    it, never back (reading an early page again keeps the place).

    A page view reads first and moves the place after; on SQLite its transaction cannot
    take the write lock once someone else has written since it began. Then the place stays
    where it was and the reader's next page view moves it: the page they asked for is what
    matters, and nothing they wrote is at stake."""
    if position is None:
        position = db.session.scalar(
            select(ReadPosition).where(
                ReadPosition.account_id == account.id, ReadPosition.thread_id == post.thread_id
            )
        )
    key = (post.created_at, post.id)
    try:
        if position is None:
            _first_position(account, post)
        elif (position.last_read_at, position.last_read_post_id) < key:
            # One statement that only ever moves forward, whatever another tab wrote since.
            columns = (ReadPosition.last_read_at, ReadPosition.last_read_post_id)
            db.session.execute(
                update(ReadPosition)
                .where(ReadPosition.id == position.id, after_key(columns, key, True))
                .values(last_read_at=key[0], last_read_post_id=key[1], updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            db.session.expire(position)
    except OperationalError as error:
        if not lost_the_write_lock(error):
            raise


def _first_position(account: Account, post: Post) -> None:
    try:
        # A second tab may write the same first position at once: keep whichever lands.
        with db.session.begin_nested():
            db.session.add(
                ReadPosition(
                    account_id=account.id,
                    thread_id=post.thread_id,
                    last_read_at=post.created_at,
                    last_read_post_id=post.id,
                )
            )
    except IntegrityError:
        mark_read(account, post)


def first_unread(account: Account | None, thread: Thread) -> Post | None:
    """The first post of ``thread`` that ``account`` has not read, or None when they have
    read it all; the first post when they never opened it."""
    return unread_from(position_for(account, thread), thread)


def unread_from(position: ReadPosition | None, thread: Thread) -> Post | None:
    """The first post of ``thread`` after ``position`` (the first post, without one)."""
    # A post waiting for a moderator is nobody's news until it is approved.
    query = select(Post).where(Post.thread_id == thread.id, Post.held_at.is_(None))
    if position is not None:
        key = (position.last_read_at, position.last_read_post_id)
        query = query.where(after_key((Post.created_at, Post.id), key, False))
    return db.session.scalar(query.order_by(Post.created_at, Post.id).limit(1))


def latest_post(thread: Thread) -> Post | None:
    """The thread's latest post (its latest reply, or its first post if none)."""
    return db.session.scalar(
        select(Post)
        .where(Post.thread_id == thread.id, Post.held_at.is_(None))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(1)
    )


def positions_for_export(account: Account, links) -> Iterator[dict]:
    """The account's read positions, oldest first, for its own export: which thread, up to
    which post (a link to it), and when it last moved."""
    rows = stream_rows(
        select(
            ReadPosition.thread_id,
            ReadPosition.last_read_post_id,
            ReadPosition.last_read_at,
            ReadPosition.updated_at,
            Group.slug,
        )
        .join(Thread, Thread.id == ReadPosition.thread_id)
        .join(Group, Group.id == Thread.group_id)
        .where(ReadPosition.account_id == account.id)
        .order_by(ReadPosition.id)
    )
    for thread_id, post_id, read_at, updated_at, slug in rows:
        yield {
            "thread": links.thread(slug, thread_id),
            "read_up_to": links.post(slug, thread_id, post_id),
            "read_up_to_written_at": read_at.isoformat(),
            "updated_at": updated_at.isoformat(),
        }
