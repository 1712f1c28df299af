"""``flask billing sync-catalog``, ``reconcile`` and ``send-renewal-reminders`` (see README,
"Payments")."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.billing import reminders, services
from app.db import db


@click.group(help="Payments through Stripe.")
def billing() -> None:
    pass


@billing.command("sync-catalog")
@with_appcontext
def sync_catalog() -> None:
    """Create or find the membership and sponsored-seat Products and Prices (safe to run
    again)."""
    price, created = services.membership_price(create=True)
    amount = f"{price['unit_amount'] / 100:.2f} {price['currency'].upper()}"
    verb = "Created" if created else "Found"
    click.echo(f"{verb} price {price['id']} ({amount} a year, lookup key {services.LOOKUP_KEY}).")
    from app.seats.services import PRICE_KEYS, seat_price

    for kind, key in PRICE_KEYS.items():
        seat = seat_price(kind, create=True)
        click.echo(f"Sponsored seat price {seat['id']} ({kind}, lookup key {key}).")


@billing.command()
@with_appcontext
def reconcile() -> None:
    """Repair local membership state from Stripe; prints one line per change (cron-safe)."""
    changes = []
    for account_id in services.customers_to_reconcile():
        # Each customer is a unit of work of its own, under the account's billing lock.
        lines = services.reconcile_customer(account_id)
        db.session.commit()
        changes.extend(lines)
        for line in lines:
            click.echo(line)
    click.echo(f"Reconciled: {len(changes)} change{'' if len(changes) == 1 else 's'}.")


@billing.command("send-renewal-reminders")
@with_appcontext
def send_renewal_reminders() -> None:
    """Mail members whose yearly charge is near (RENEWAL_REMINDER_DAYS); once per period,
    so it is safe to run from cron as often as you like."""
    try:
        sent = reminders.send_renewal_reminders()
    except services.BillingError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    for reminder in sent:
        click.echo(
            f"@{reminder.handle}: renews {reminder.renews_on.date().isoformat()} "
            f"({reminder.amount}), reminded"
        )
    click.echo(f"Sent {len(sent)} renewal reminder{'' if len(sent) == 1 else 's'}.")
