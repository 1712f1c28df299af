"""App-wide commands: ``flask db ...`` (Alembic) and ``flask dev`` (the local stack)."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = current_app.config["DATABASE_URL"]
    return config


@click.group(help="Database migrations (Alembic).")
def db() -> None:
    pass


@db.command()
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    command.upgrade(alembic_config(), revision)


@db.command()
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    command.downgrade(alembic_config(), revision)


@db.command()
@click.option("-m", "--message", required=True)
@with_appcontext
def revision(message: str) -> None:
    """Autogenerate a migration from the models (review it before committing)."""
    command.revision(alembic_config(), message=message, autogenerate=True)


@db.command()
@with_appcontext
def check() -> None:
    """Fail if the models differ from what the migrations build."""
    command.check(alembic_config())


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def dev(host: str, port: int) -> None:
    """Migrate, load the demo community once, start the Stripe sandbox, and serve."""
    from app import demo
    from app.billing.dev import start_local_sandbox
    from app.db import db as database

    command.upgrade(alembic_config(), "head")
    if not demo.has_accounts():
        demo.load_demo_community()
        database.session.commit()
        click.echo("Loaded the demo community.")
    click.echo(demo.describe_demo())
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    app.config["DEV_SERVER_PORT"] = port
    sandbox = start_local_sandbox(app)
    if sandbox is not None:
        click.echo(f"Stripe sandbox: {app.config['STRIPE_API_BASE']}")
    click.echo(f"Kindred: http://{host}:{port}/")
    run_simple(host, port, app, threaded=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(db)
    app.cli.add_command(dev)
