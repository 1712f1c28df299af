"""App-wide commands: ``flask db ...`` (Alembic)."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import with_appcontext

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


def init_app(app: Flask) -> None:
    app.cli.add_command(db)
