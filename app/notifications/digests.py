"""The daily digest: one email a day with what happened for a person since the last one.

``send_digests`` is what ``flask notifications send-digests`` (cron) runs. An account's
digest holds its unread notifications of the kinds it wants in a digest that were not
mailed yet. Each account's digest is its own unit of work: the ``notification_digests``
row for (account, day), the notifications marked as digested and the queued mail are
committed together, and the row's unique key means a second run on the same day, or two
runs at once, send nothing more. Notifications read on the site before the digest goes
out are left out of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts.models import Account
from app.db import db, utcnow
from app.notifications import emails
from app.notifications.models import Notification, NotificationDigest
from app.notifications.services import deliveries

ACCOUNT_BATCH = 200


def _pending():
    return (
        Notification.read_at.is_(None),
        Notification.emailed_at.is_(None),
        Notification.digest_id.is_(None),
    )


def _waiting_accounts(after_id: int, now: datetime) -> list[int]:
    """The next accounts (by id) with notifications that no mail has carried yet."""
    return list(
        db.session.scalars(
            select(Notification.recipient_id)
            .where(
                *_pending(), Notification.created_at <= now, Notification.recipient_id > after_id
            )
            .group_by(Notification.recipient_id)
            .order_by(Notification.recipient_id)
            .limit(ACCOUNT_BATCH)
        )
    )


def send_digest(account: Account, now: datetime) -> bool:
    """Queue today's digest for ``account`` if it is due and has anything in it; True if
    it did. Flushes; the caller commits."""
    kinds = [kind for kind, delivery in deliveries(account).items() if delivery == "digest"]
    if not kinds or not account.is_verified:
        return False
    items = list(
        db.session.scalars(
            select(Notification)
            .options(joinedload(Notification.actor))
            .where(
                Notification.recipient_id == account.id,
                Notification.kind.in_(kinds),
                Notification.created_at <= now,
                *_pending(),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
        )
    )
    if not items:
        return False
    try:
        with db.session.begin_nested():
            digest = NotificationDigest(account_id=account.id, day=now.date(), sent_at=now)
            db.session.add(digest)
    except IntegrityError:
        return False  # today's digest went out already
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_([item.id for item in items]))
        .values(digest_id=digest.id)
        .execution_options(synchronize_session=False)
    )
    emails.mail_digest(account, items)
    db.session.flush()
    return True


def send_digests(now: datetime | None = None) -> int:
    """Send every account its digest for today (UTC), committing one account at a time.
    Returns how many digests were sent. Running it again the same day sends none twice."""
    now = now or utcnow()
    emails.site_url()  # fails at once, before any work, if links can't be made
    sent = 0
    after_id = 0
    while batch := _waiting_accounts(after_id, now):
        for account_id in batch:
            account = db.session.get(Account, account_id)
            if account is not None and send_digest(account, now):
                sent += 1
            db.session.commit()
        after_id = batch[-1]
    return sent
