"""``flask billing sync-catalog`` and ``flask billing reconcile`` (see README, "Payments")."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.billing import services
from app.db import db


@click.group(help="Payments through Stripe.")
def billing() -> None:
    pass


@billing.command("sync-catalog")
@with_appcontext
def sync_catalog() -> None:
    """Create or find the membership Product and yearly Price (safe to run again)."""
    price, created = services.membership_price(create=True)
    amount = f"{price['unit_amount'] / 100:.2f} {price['currency'].upper()}"
    verb = "Created" if created else "Found"
    click.echo(f"{verb} price {price['id']} ({amount} a year, lookup key {services.LOOKUP_KEY}).")


@billing.command()
@with_appcontext
def reconcile() -> None:
    """Repair local membership state from Stripe; prints one line per change (cron-safe)."""
    changes = services.reconcile()
    db.session.commit()
    for line in changes:
        click.echo(line)
    click.echo(f"Reconciled: {len(changes)} change{'' if len(changes) == 1 else 's'}.")
