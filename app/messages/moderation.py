"""Reports on direct messages: to site admins alone, through the same queue and rules as
reports on posts (``app.groups.moderation.file_report``).

Either person in a conversation may report a message the other wrote. From then on site
admins can read that message (in the queue of every report, ``/admin/reports``), and
nothing else of the conversation. An admin removes it (both people then see "Removed by
site admins") or dismisses the report; either is written to the site's moderation log,
without the message's text.
"""

from __future__ import annotations

from sqlalchemy import select, update

from app.accounts.models import Account
from app.db import db, utcnow
from app.groups.log import log_action
from app.groups.models import Report
from app.groups.moderation import _reason, file_report
from app.messages.models import Message
from app.messages.services import MessageError, MessageForbidden
from app.notifications.events import path
from app.notifications.services import notify_each

SUSPENDED_REPORT = "Your account is suspended: you can read and export, but not report messages."


def report_message(reporter: Account, message: Message, reason: str, details: str | None):
    """Report a message the other side of one's conversation wrote, once while open."""
    if not message.conversation.includes(reporter):
        raise MessageError("That message does not exist.")
    if message.author_id == reporter.id:
        raise MessageError("You can't report your own message; you can block or stop writing.")
    if reporter.is_suspended:
        raise MessageForbidden(SUSPENDED_REPORT)
    report = file_report(reporter, reason, details, message=message)
    admins = db.session.scalars(
        select(Account).where(
            Account.is_admin.is_(True), Account.suspended_at.is_(None), Account.id != reporter.id
        )
    )
    notify_each(admins, "report", link=path("admin.all_reports"), target="reports:messages")
    return report


def _require_admin(admin: Account) -> None:
    if not admin.is_admin or admin.is_suspended:
        raise MessageForbidden("Only site admins can do this.")


def open_message_report(admin: Account, report_id: int) -> Report:
    """An open report on a message, for a site admin to act on."""
    _require_admin(admin)
    report = db.session.get(Report, report_id)
    if report is None or report.message_id is None or report.resolved_at is not None:
        raise MessageError("That report is already closed or does not exist.")
    return report


def _resolve(message: Message, admin: Account) -> None:
    db.session.execute(
        update(Report)
        .where(Report.message_id == message.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=admin.id)
    )


def remove_message(admin: Account, report_id: int, reason: str | None) -> Message:
    """Remove a reported message: both people see a placeholder; its reports close."""
    report = open_message_report(admin, report_id)
    reason = _reason(reason)
    message = report.message
    message.removed_at = message.removed_at or utcnow()
    _resolve(message, admin)
    log_action(None, admin, "admin", "removed", message=message, reason=reason)
    return message


def dismiss_message_report(admin: Account, report_id: int, reason: str | None) -> Report:
    """Close a report on a message and leave the message as it is."""
    report = open_message_report(admin, report_id)
    reason = _reason(reason)
    _resolve(report.message, admin)
    log_action(None, admin, "admin", "dismissed a report on", message=report.message, reason=reason)
    return report
