"""The moderation log: each group's, and the site's, written in the open.

An entry names who acted and what they acted on by reference; names are rendered when
the log is read (``ModerationLogEntry.actor_name`` and ``.target``), so the log never
keeps a handle in its own text, and an entry about a deleted account says "a deleted
member". Admin uses the same log for site-wide actions (``group`` None).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import Account, public_columns
from app.db import db
from app.groups.models import Group, ModerationLogEntry, Post, Thread
from app.messages.models import Message
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of


def log_action(
    group: Group | None,
    actor: Account | None,
    role: str,
    action: str,
    *,
    subject: Account | None = None,
    post: Post | None = None,
    thread: Thread | None = None,
    message: Message | None = None,
    reason: str = "",
    rule: str | None = None,
) -> ModerationLogEntry:
    """Write one entry to ``group``'s moderation log (the site log when ``group`` is None).

    Name what was acted on by exactly one of ``subject`` (an account), ``post``,
    ``thread`` or ``message`` (a direct message, in the site log). ``actor`` is None
    only for what Kindred does by itself (role ``system``).
    """
    if sum(target is not None for target in (subject, post, thread, message)) != 1:
        raise ValueError("a log entry names exactly one account, post, thread or message")
    if post is not None:
        kind, thread_id = "post", post.thread_id
    elif message is not None:
        kind, thread_id = "message", None
    else:
        kind, thread_id = ("thread", thread.id) if thread is not None else ("account", None)
    entry = ModerationLogEntry(
        group_id=group.id if group else None,
        actor_id=actor.id if actor else None,
        role=role,
        action=action,
        target_kind=kind,
        subject_id=subject.id if subject else None,
        post_id=post.id if post else None,
        thread_id=thread_id,
        message_id=message.id if message else None,
        reason=reason,
        rule=rule,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def with_names(query):
    """Load what an entry's rendering reads, in the same query."""
    return query.options(
        joinedload(ModerationLogEntry.actor).load_only(*public_columns()),
        joinedload(ModerationLogEntry.subject).load_only(*public_columns()),
        joinedload(ModerationLogEntry.thread),
        joinedload(ModerationLogEntry.post).joinedload(Post.author).load_only(*public_columns()),
        joinedload(ModerationLogEntry.post).joinedload(Post.thread),
        joinedload(ModerationLogEntry.message)
        .joinedload(Message.author)
        .load_only(*public_columns()),
    )


def log_page(group: Group | None, cursor: str | None) -> Page[ModerationLogEntry]:
    """A moderation log, newest first: a group's, or the site's when ``group`` is None."""
    query = select(ModerationLogEntry).where(
        ModerationLogEntry.group_id == group.id if group else ModerationLogEntry.group_id.is_(None)
    )
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(
            after_key((ModerationLogEntry.created_at, ModerationLogEntry.id), values, True)
        )
    rows = list(
        db.session.scalars(
            with_names(query)
            .order_by(ModerationLogEntry.created_at.desc(), ModerationLogEntry.id.desc())
            .limit(PAGE_SIZE + 1)
        )
    )
    return page_of(rows, lambda entry: (entry.created_at, entry.id))
