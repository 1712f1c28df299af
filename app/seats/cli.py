"""``flask seats grant-waiting``, ``send-reminders``, ``expire``, ``report`` and ``adjust``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.billing.services import BillingError
from app.db import db
from app.seats import services


@click.group(help="Sponsored seats: the pool, the waitlist and the ledger.")
def seats() -> None:
    pass


@seats.command("grant-waiting")
@with_appcontext
def grant_waiting() -> None:
    """Grant free seats to the waitlist now, in order (each person is mailed)."""
    try:
        granted = services.grant_waiting()
    except BillingError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Granted {len(granted)} seat{'' if len(granted) == 1 else 's'}.")


@seats.command("send-reminders")
@with_appcontext
def send_reminders() -> None:
    """Mail sponsored members 30 and 7 days before their seat ends (once each)."""
    try:
        sent = services.send_seat_reminders()
    except BillingError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    for handle, days in sent:
        click.echo(f"@{handle}: {days}-day reminder")
    click.echo(f"Sent {len(sent)} seat reminder{'' if len(sent) == 1 else 's'}.")


@seats.command()
@with_appcontext
def expire() -> None:
    """Return gift seats unclaimed after 90 days to the pool (and serve the waitlist)."""
    try:
        returned = services.return_expired_gifts()
    except BillingError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(
        f"Returned {returned} unclaimed gift seat{'' if returned == 1 else 's'} to the pool."
    )


@seats.command()
@with_appcontext
def report() -> None:
    """Print the ledger's balance; exit 1 when it does not balance (for monitoring)."""
    result = services.ledger_report()
    click.echo(
        f"funded {result.funded} = granted {result.granted - result.released} "
        f"+ available {result.available} + gifts open {result.gifts_open} "
        f"+ refunded {result.refunded} "
        f"+ adjustments {result.adjustments}"
    )
    for problem in result.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if not result.balances:
        raise SystemExit(1)
    click.echo("The ledger balances.")


@seats.command()
@click.argument("seat_count", type=int)
@click.option("--reason", required=True, help="Why the pool is adjusted (kept in the ledger).")
@with_appcontext
def adjust(seat_count: int, reason: str) -> None:
    """Add (positive) or remove (negative) seats by hand, with a reason."""
    try:
        services.adjust_pool(seat_count, reason)
    except services.SeatError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Adjusted the pool by {seat_count}; {services.available_seats()} free.")
