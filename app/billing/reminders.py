"""Renewal reminders: a yearly charge is announced by mail before it happens.

``send_renewal_reminders`` is meant for cron (``flask billing send-renewal-reminders``):
it mails each member whose yearly subscription renews within ``RENEWAL_REMINDER_DAYS``
(default 14) and marks the period as reminded in the same statement that claims it, so
running it again, or twice at once, never sends a second mail for the same period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from app.accounts.models import Account
from app.billing.models import Subscription
from app.billing.services import BillingError, format_money
from app.db import db, utcnow
from app.mail import send_mail

# Shorter periods are not the yearly membership; they get no reminder.
YEARLY = timedelta(days=360)


@dataclass(frozen=True)
class Reminder:
    handle: str
    renews_on: datetime
    amount: str


def site_link(endpoint: str) -> str:
    """An absolute link into the site for mail sent outside a request (``SITE_URL``)."""
    base = current_app.config.get("SITE_URL")
    if not base:
        raise BillingError(
            "Set SITE_URL to the site's address (for example https://kindred.example) "
            "so mail sent by commands can link to it."
        )
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, force_external=True)


def send_renewal_reminders(now: datetime | None = None) -> list[Reminder]:
    """Mail every member whose yearly charge falls within the reminder window and has not
    been announced for this period; returns what was sent."""
    moment = now or utcnow()
    horizon = moment + timedelta(days=current_app.config["RENEWAL_REMINDER_DAYS"])
    due = db.session.execute(
        select(Subscription, Account)
        .join(Account, Account.id == Subscription.account_id)
        .where(
            Subscription.status == "active",
            Subscription.purpose == "membership",
            Subscription.cancel_at_period_end.is_(False),
            Subscription.cancel_at.is_(None),
            Subscription.current_period_end > moment,
            Subscription.current_period_end <= horizon,
            _not_reminded_for(Subscription.current_period_end),
        )
        .order_by(Subscription.current_period_end, Subscription.id)
    ).all()
    link = site_link("memberships.status") if due else ""
    sent = []
    for sub, account in due:
        if sub.current_period_start and sub.current_period_end - sub.current_period_start < YEARLY:
            continue
        claimed = db.session.execute(
            update(Subscription)
            .where(Subscription.id == sub.id, _not_reminded_for(sub.current_period_end))
            .values(reminded_for_period_end=sub.current_period_end)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        reminder = Reminder(account.handle, sub.current_period_end, _amount(sub))
        _mail(account, reminder, link)
        sent.append(reminder)
    return sent


def _not_reminded_for(period_end):
    return or_(
        Subscription.reminded_for_period_end.is_(None),
        Subscription.reminded_for_period_end != period_end,
    )


def _amount(sub: Subscription) -> str:
    config = current_app.config
    if sub.renewal_amount is not None and sub.renewal_currency:
        return format_money(sub.renewal_amount, sub.renewal_currency)
    return format_money(config["MEMBERSHIP_PRICE_CENTS"], config["MEMBERSHIP_CURRENCY"])


def _mail(account: Account, reminder: Reminder, link: str) -> None:
    day = reminder.renews_on.strftime("%-d %B %Y")
    site = current_app.config["SITE_NAME"]
    send_mail(
        account.email,
        f"Your {site} membership renews on {day}",
        f"Hello {account.handle},\n\n"
        f"Your yearly {site} membership renews on {day}. That day Stripe will charge "
        f"{reminder.amount} to the card you saved with it.\n\n"
        "To stay a member you need do nothing. To change your card, or to cancel (you stay "
        f"a member until {day} either way), use “Manage billing” on your membership page:\n\n"
        f"{link}\n\n"
        f"Thank you for keeping {site} free of ads and tracking.\n",
    )
