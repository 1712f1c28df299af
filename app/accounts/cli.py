"""``flask users ...``: bootstrap operators from the command line."""

import click
from flask.cli import AppGroup

from app.accounts import services
from app.db import db


@click.group(cls=AppGroup, help="Manage accounts.")
def users() -> None:
    pass


@users.command("create-admin")
@click.argument("email")
@click.option("--handle", help="Handle for a new account (default: from the email address).")
def create_admin(email: str, handle: str | None) -> None:
    """Make EMAIL an admin, creating a verified account with a printed password if needed."""
    try:
        account, password = services.create_admin(email, handle)
    except services.AccountError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    if password:
        click.echo(f"Created admin @{account.handle} <{account.email}> with password: {password}")
    else:
        click.echo(f"@{account.handle} <{account.email}> is now an admin.")
