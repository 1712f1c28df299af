"""Notifications: telling a person that something happened for them, on the site and by mail.

``notify`` (and ``notify_each`` for several people at once) is the one way any feature
tells someone something. It writes the notification in the current unit of work and,
when the person wants that kind of notification at once, queues its email with it
(``app.mail.send_mail``): both are committed with the change that caused them, or
neither is. Nobody is notified of their own doings, nor about an account they blocked.
A second reply in a thread, or a second message in a conversation, adds nothing while
the first is unread.

Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts.models import Account
from app.blocks.services import blockers_among
from app.db import db, utcnow
from app.domain import DomainError
from app.groups.models import Thread
from app.groups.permissions import access_to
from app.notifications import emails
from app.notifications.models import (
    DEFAULT_DELIVERY,
    DELIVERIES,
    KINDS,
    WATCH_STATES,
    Notification,
    NotificationDigest,
    NotificationPreference,
    ThreadWatch,
)
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of

# Kinds where one unread notification stands for every later one about the same target.
COALESCED = frozenset({"reply", "message", "report"})
UNREAD_SHOWN_MAX = 99
EXPORT_BATCH = 500


class NotificationError(DomainError):
    """A rule of this feature said no."""


# Telling people ----------------------------------------------------------------------


def notify(
    recipient: Account,
    kind: str,
    *,
    link: str,
    subject: str = "",
    actor: Account | None = None,
    target: str = "",
) -> Notification | None:
    """Tell ``recipient`` that ``actor`` (or the site, when None) did something of ``kind``
    about ``subject``, to be seen at ``link`` (a path on this site).

    Returns the notification, or None when nobody was told: the recipient is the actor,
    blocked the actor, or has an unread notification about the same ``target`` already.
    """
    made = notify_each([recipient], kind, link=link, subject=subject, actor=actor, target=target)
    return made[0] if made else None


def notify_each(
    recipients: Iterable[Account],
    kind: str,
    *,
    link: str,
    subject: str = "",
    actor: Account | None = None,
    target: str = "",
) -> list[Notification]:
    """``notify`` for each of ``recipients`` (each once), in a fixed number of queries
    plus one insert, and one mail, per person told."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    people = {account.id: account for account in recipients}
    if actor is not None:
        people.pop(actor.id, None)
        for blocker in blockers_among(actor.id, people):
            people.pop(blocker)
    if target and kind in COALESCED and people:
        waiting = db.session.scalars(
            select(Notification.recipient_id).where(
                Notification.recipient_id.in_(people),
                Notification.kind == kind,
                Notification.target == target,
                Notification.read_at.is_(None),
            )
        )
        for recipient_id in set(waiting):
            people.pop(recipient_id)
    if not people:
        return []
    choices = _deliveries_of(people, kind)
    now = utcnow()
    made = []
    for account in people.values():
        notification = Notification(
            recipient_id=account.id,
            kind=kind,
            actor_id=actor.id if actor else None,
            subject=subject[:300],
            link=link[:500],
            target=target,
            created_at=now,
        )
        notification.recipient, notification.actor = account, actor
        db.session.add(notification)
        made.append(notification)
    db.session.flush()
    for notification in made:
        if choices[notification.recipient_id] == "immediately":
            emails.mail_at_once(notification)
    return made


# Email preferences -------------------------------------------------------------------


def _deliveries_of(accounts: Iterable[int], kind: str) -> dict[int, str]:
    ids = set(accounts)
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.account_id, NotificationPreference.delivery).where(
                NotificationPreference.account_id.in_(ids), NotificationPreference.kind == kind
            )
        ).all()
    )
    return {account_id: chosen.get(account_id, DEFAULT_DELIVERY[kind]) for account_id in ids}


def deliveries(account: Account) -> dict[str, str]:
    """How each kind of notification is emailed to ``account``, defaults included."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.account_id == account.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in KINDS}


def set_deliveries(account: Account, choices: Mapping[str, str]) -> None:
    """Set how the kinds in ``choices`` are emailed (``immediately``, ``digest`` or
    ``never``); kinds not named keep theirs."""
    for kind, delivery in choices.items():
        if kind not in KINDS:
            raise NotificationError("That is not a kind of notification.")
        if delivery not in DELIVERIES:
            raise NotificationError("Choose at once, in a daily digest, or never.", kind)
    rows = {
        row.kind: row
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.account_id == account.id)
        )
    }
    for kind, delivery in choices.items():
        if kind in rows:
            rows[kind].delivery = delivery
        else:
            db.session.add(
                NotificationPreference(account_id=account.id, kind=kind, delivery=delivery)
            )
    db.session.flush()


def stop_mail(account: Account, kind: str) -> bool:
    """What an unsubscribe link does: never email ``kind`` again, or for ``digest``, every
    kind now in the daily digest. Whether anything changed."""
    current = deliveries(account)
    if kind == "digest":
        stopping = [name for name, delivery in current.items() if delivery == "digest"]
    else:
        stopping = [kind] if current[kind] != "never" else []
    set_deliveries(account, dict.fromkeys(stopping, "never"))
    return bool(stopping)


# The notifications page --------------------------------------------------------------


def unread_count(account: Account) -> int:
    """How many notifications ``account`` has not opened, counted up to 100 (the header
    shows "99+" past that)."""
    unread = (
        select(Notification.id)
        .where(Notification.recipient_id == account.id, Notification.read_at.is_(None))
        .limit(UNREAD_SHOWN_MAX + 1)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(unread))


def notifications_page(account: Account, cursor: str | None) -> Page[Notification]:
    """The account's notifications, newest first."""
    query = (
        select(Notification)
        .options(joinedload(Notification.actor))
        .where(Notification.recipient_id == account.id)
    )
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(after_key((Notification.created_at, Notification.id), values, True))
    rows = list(
        db.session.scalars(
            query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(
                PAGE_SIZE + 1
            )
        )
    )
    return page_of(rows, lambda row: (row.created_at, row.id))


def open_notification(account: Account, notification_id: int) -> Notification:
    """Mark one of the account's notifications read and return it (to go to its link)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.recipient_id != account.id:
        raise NotificationError("That notification does not exist.")
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()
    return notification


def mark_all_read(account: Account) -> int:
    """Mark every unread notification of the account read; how many there were."""
    return db.session.execute(
        update(Notification)
        .where(Notification.recipient_id == account.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


# Watching threads --------------------------------------------------------------------


def readable_thread(account: Account, thread_id: int) -> Thread | None:
    """The thread if ``account`` can read it (and so may watch or mute it), else None."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or not access_to(thread.group, account).can_read:
        return None
    return thread


def watch_state(account: Account | None, thread_id: int) -> str | None:
    """``watching``, ``muted``, or None when the account has said neither."""
    if account is None:
        return None
    return db.session.scalar(
        select(ThreadWatch.state).where(
            ThreadWatch.thread_id == thread_id, ThreadWatch.account_id == account.id
        )
    )


def set_watch(account: Account, thread_id: int, state: str | None) -> None:
    """Watch (``watching``) or mute (``muted``) a thread, or neither (None). The caller
    has checked that the account can read it."""
    if state is not None and state not in WATCH_STATES:
        raise NotificationError("Choose to watch or to mute the thread.")
    row = db.session.scalar(
        select(ThreadWatch).where(
            ThreadWatch.thread_id == thread_id, ThreadWatch.account_id == account.id
        )
    )
    if state is None:
        if row is not None:
            db.session.delete(row)
    elif row is not None:
        row.state = state
    else:
        _add_watch(account, thread_id, state)
    db.session.flush()


def watch_unless_muted(account: Account, thread_id: int) -> None:
    """Starting or replying to a thread watches it, unless the account said otherwise."""
    if watch_state(account, thread_id) is None:
        _add_watch(account, thread_id, "watching")


def _add_watch(account: Account, thread_id: int, state: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(ThreadWatch(thread_id=thread_id, account_id=account.id, state=state))
    except IntegrityError:
        pass  # the same account, at the same moment, from another request


def watchers(thread_id: int) -> list[Account]:
    """The accounts watching a thread (not those who muted it)."""
    return list(
        db.session.scalars(
            select(Account)
            .join(ThreadWatch, ThreadWatch.account_id == Account.id)
            .where(ThreadWatch.thread_id == thread_id, ThreadWatch.state == "watching")
            .order_by(Account.id)
        )
    )


# Export and account deletion ---------------------------------------------------------


def notifications_for_export(account: Account) -> Iterator[dict]:
    """Every notification ``account`` received, oldest first, read in keyset batches."""
    last_id = 0
    while True:
        rows = list(
            db.session.scalars(
                select(Notification)
                .options(joinedload(Notification.actor))
                .where(Notification.recipient_id == account.id, Notification.id > last_id)
                .order_by(Notification.id)
                .limit(EXPORT_BATCH)
            )
        )
        for row in rows:
            yield {
                "kind": row.kind,
                "text": row.describe(by_handle=True),
                "link": row.link,
                "created_at": row.created_at.isoformat(),
                "read_at": row.read_at.isoformat() if row.read_at else None,
            }
        if len(rows) < EXPORT_BATCH:
            return
        last_id = rows[-1].id


def preferences_for_export(account: Account) -> dict[str, str]:
    """How each kind of notification is emailed to ``account``."""
    return deliveries(account)


def watches_for_export(account: Account) -> Iterator[dict]:
    """The threads ``account`` watches or muted, read in keyset batches."""
    last_id = 0
    while True:
        rows = list(
            db.session.execute(
                select(ThreadWatch, Thread.title)
                .join(Thread, Thread.id == ThreadWatch.thread_id)
                .where(ThreadWatch.account_id == account.id, ThreadWatch.id > last_id)
                .order_by(ThreadWatch.id)
                .limit(EXPORT_BATCH)
            )
        )
        for watch, title in rows:
            yield {"thread": watch.thread_id, "title": title, "state": watch.state}
        if len(rows) < EXPORT_BATCH:
            return
        last_id = rows[-1][0].id


def erase_for_deletion(account: Account) -> None:
    """Before ``account`` is deleted: remove what it received, chose and watched; in
    notifications it caused others, it becomes "a deleted member"."""
    db.session.execute(delete(Notification).where(Notification.recipient_id == account.id))
    db.session.execute(
        update(Notification).where(Notification.actor_id == account.id).values(actor_id=None)
    )
    for model in (NotificationPreference, ThreadWatch, NotificationDigest):
        db.session.execute(delete(model).where(model.account_id == account.id))
    db.session.flush()
