"""``flask dev``: the whole local stack in one command (what ``make run`` calls)."""

from __future__ import annotations

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from app.cli import alembic_config


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def dev(host: str, port: int) -> None:
    """Migrate, load the demo community once, start the Stripe sandbox, and serve."""
    from app.db import db
    from devstack import demo
    from devstack.sandbox import start_local_sandbox

    command.upgrade(alembic_config(), "head")
    if not demo.has_accounts():
        demo.load_demo_community()
        db.session.commit()
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
    app.cli.add_command(dev)
