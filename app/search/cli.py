"""``flask search rebuild``: fill the search index again from the posts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.db import db
from app.search import schema


@click.group(help="The search index.")
def search() -> None:
    pass


@search.command()
@with_appcontext
def rebuild() -> None:
    """Empty the search index and fill it from the posts (the triggers keep it in step;
    this is for an index that was lost or damaged)."""
    count = schema.rebuild_index(db.session.connection())
    db.session.commit()
    click.echo(f"The search index holds {count} post{'' if count == 1 else 's'}.")
