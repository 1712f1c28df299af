"""Outgoing mail, written with the change that causes it and delivered after the commit.

``send_mail(to, subject, body)`` adds a row to ``outgoing_mail`` in the current database
session: the message is part of the unit of work, so a request that rolls back sends
nothing, and one that commits has its mail on record even if the mail server is down.
Once the session commits, a job (``app.jobs``) delivers each new message; a delivery that
fails for now is tried again later (MAIL_RETRY_DELAY, doubling up to MAIL_RETRY_MAX_DELAY),
and a periodic sweep queues anything overdue, so a lost queue or a stopped worker delays
mail but loses none. A recipient the server refuses for good (a 5xx answer) is marked
``failed`` rather than tried forever.

Delivery goes by SMTP when MAIL_SERVER is set, else to the console and
``<instance>/mail/*.eml``. In tests every delivered message is also appended to
``outbox(app)``, and jobs run at once (``JOBS_URL=memory://``), so a test reads a request's
mail as soon as the request returns.
"""

from __future__ import annotations

import enum
import logging
import smtplib
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import Flask, current_app
from huey import crontab
from huey.exceptions import RetryTask
from sqlalchemy import JSON, CheckConstraint, Index, String, Text, delete, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app import jobs
from app.db import Base, db, utcnow

logger = logging.getLogger(__name__)

# How long one delivery may hold a message before another worker may try it.
DELIVERY_LEASE = timedelta(minutes=10)
# A message due longer ago than this is assumed lost from the queue and queued again.
SWEEP_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 500
_QUEUED = "kindred_mail_queued"


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the server refused the recipient for good


class OutgoingMail(Base):
    """One message on its way out, kept until MAIL_RETENTION_DAYS after it is sent or refused.

    Holds the recipient's email address and the message as sent (subject and body, which
    name the account's handle and may carry a mailed link). Not linked to an account: it is
    addressed by email alone, as mail is. Export decision: nothing here belongs in a
    member's export (it is our copy of mail they already received); account deletion removes
    the rows addressed to the account's email address.
    """

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sent', 'failed')",
            name="status",
        ),
        Index("ix_outgoing_mail_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outgoing_mail_status_finished_at", "status", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same Message-ID on every attempt, so a receiver can drop a repeated delivery.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    sender: Mapped[str] = mapped_column(String(320))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    # More headers, by name (``List-Unsubscribe``...), or None.
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the next delivery may start (while one is under way: when its lease ends).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Deleted as soon as it is sent or refused, not kept for MAIL_RETENTION_DAYS: the
    # message telling a person their account is deleted must not outlive its delivery.
    forget_when_done: Mapped[bool] = mapped_column(default=False)

    def as_message(self) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.recipient
        message["Subject"] = self.subject
        message["Date"] = format_datetime(self.created_at)
        message["Message-ID"] = self.message_id
        for name, value in (self.headers or {}).items():
            message[name] = value
        message.set_content(self.body)
        return message


def outbox(app: Flask) -> list[EmailMessage]:
    """Tests only: every message the app has delivered, oldest first."""
    return app.extensions.setdefault("kindred_outbox", [])


def send_mail(
    to: str,
    subject: str,
    body: str,
    *,
    headers: Mapping[str, str] | None = None,
    forget_when_done: bool = False,
) -> EmailMessage:
    """Queue one plain-text message with the current unit of work and return it.

    It is delivered once the session commits, and never if it rolls back. ``headers``
    adds headers of our own (such as ``List-Unsubscribe``) to those every message has.
    With ``forget_when_done`` no copy is kept once it is sent (or refused for good).
    """
    row = OutgoingMail(
        message_id=make_msgid(domain="kindred.localhost"),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        recipient=to,
        subject=subject,
        body=body,
        headers=dict(headers) if headers else None,
        created_at=utcnow(),
        next_attempt_at=utcnow(),
        forget_when_done=forget_when_done,
    )
    session = db.session
    session.add(row)
    session.flush()
    session.info.setdefault(_QUEUED, []).append(row.id)
    return row.as_message()


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    for mail_id in session.info.pop(_QUEUED, ()):
        try:
            deliver_mail(mail_id)
        except Exception:
            # The message is committed; the sweep queues it again shortly.
            logger.exception("Could not queue mail %s; the sweep will", mail_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction) -> None:
    if transaction.parent is None and session.info.pop(_QUEUED, None):
        logger.info("Mail written in a transaction that rolled back was not sent")


# Jobs -----------------------------------------------------------------------------


@jobs.huey.task()
def deliver_mail(mail_id: int) -> None:
    """Deliver one queued message; if it failed for now, retry when it is due again."""
    with jobs.app_context():
        retry_in = deliver(mail_id)
    if retry_in is not None:
        raise RetryTask(delay=retry_in)


@jobs.huey.periodic_task(crontab())
def sweep_mail() -> None:
    """Every minute: queue overdue messages again, and delete finished ones past retention."""
    with jobs.app_context():
        overdue = sweep()
    for mail_id in overdue:
        deliver_mail(mail_id)


# Delivery ---------------------------------------------------------------------------


class _Refused(Exception):
    """The mail server refused every recipient for good (5xx)."""


def deliver(mail_id: int) -> float | None:
    """Try to deliver one message now, and commit what happened.

    Returns the seconds until it should be tried again if it failed for now, else None
    (sent, refused for good, gone, or not this worker's to send: another delivery holds
    it, or it is not due yet).
    """
    now = utcnow()
    claimed = db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.status == MailStatus.PENDING,
            OutgoingMail.next_attempt_at <= now,
        )
        .values(attempts=OutgoingMail.attempts + 1, next_attempt_at=now + DELIVERY_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return None
    row = db.session.get(OutgoingMail, mail_id, populate_existing=True)
    assert row is not None
    message = row.as_message()
    try:
        _transmit(message)
    except _Refused as error:
        row.status, row.finished_at, row.last_error = MailStatus.FAILED, utcnow(), str(error)[:500]
        logger.warning("Mail %s was refused for good: %s", row.id, error)
        _finish(row)
        return None
    except Exception as error:
        delay = _retry_delay(row.attempts)
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        logger.warning("Mail %s not delivered (%s); trying again in %ss", row.id, error, delay)
        db.session.commit()
        return delay
    row.status, row.finished_at, row.last_error = MailStatus.SENT, utcnow(), None
    _finish(row)
    if current_app.config.get("TESTING"):
        outbox(current_app).append(message)
    return None


def _finish(row: OutgoingMail) -> None:
    """A message is done (sent, or refused for good): what it said is not kept, only that
    it went to that address, when, and how it ended, for MAIL_RETENTION_DAYS."""
    if row.forget_when_done:
        db.session.delete(row)
    else:
        row.subject, row.body, row.headers = "", "", None
    db.session.commit()


def _retry_delay(attempts: int) -> float:
    config = current_app.config
    return float(
        min(config["MAIL_RETRY_DELAY"] * 2 ** (attempts - 1), config["MAIL_RETRY_MAX_DELAY"])
    )


def sweep(now: datetime | None = None) -> list[int]:
    """Return the ids of pending messages overdue for delivery, and delete the messages
    sent or refused more than MAIL_RETENTION_DAYS ago. Commits."""
    now = now or utcnow()
    overdue = list(
        db.session.scalars(
            select(OutgoingMail.id)
            .where(
                OutgoingMail.status == MailStatus.PENDING,
                OutgoingMail.next_attempt_at <= now - SWEEP_GRACE,
            )
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
            .limit(SWEEP_BATCH)
        )
    )
    kept_until = now - timedelta(days=current_app.config["MAIL_RETENTION_DAYS"])
    db.session.execute(
        delete(OutgoingMail)
        .where(
            OutgoingMail.status.in_([MailStatus.SENT, MailStatus.FAILED]),
            OutgoingMail.finished_at < kept_until,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return overdue


def _transmit(message: EmailMessage) -> None:
    if current_app.config.get("MAIL_SERVER"):
        _send_smtp(message)
    elif not current_app.config.get("TESTING"):
        _write_locally(message)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    ) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            if all(code >= 500 for code, _ in error.recipients.values()):
                raise _Refused(str(error.recipients)) from error
            raise


def _write_locally(message: EmailMessage) -> None:
    """Save the message as ``<instance>/mail/*.eml`` and print it decoded, links whole."""
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}.eml"
    path.write_bytes(bytes(message))
    headers = "\n".join(f"{name}: {message[name]}" for name in ("From", "To", "Subject", "Date"))
    print(
        f"\n--- mail to {message['To']} (saved as {path}) ---\n{headers}\n\n"
        f"{message.get_content().rstrip()}\n--- end of mail ---",
        file=sys.stderr,
        flush=True,
    )
