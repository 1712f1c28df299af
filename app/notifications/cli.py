"""``flask notifications send-digests``: the daily digest, for cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.notifications import digests, emails


@click.group(help="Notifications: the daily digest.")
def notifications() -> None:
    pass


@notifications.command("send-digests")
@with_appcontext
def send_digests() -> None:
    """Mail each account its digest for today (UTC). Safe to run more than once a day:
    nobody gets a second digest the same day."""
    try:
        sent = digests.send_digests()
    except emails.NoSiteAddress as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Sent {sent} {'digest' if sent == 1 else 'digests'}.")
