"""An app whose requests really commit, on connections of their own, with a Stripe sandbox:
for the race tests. PostgreSQL uses the suite's database (each test removes what it made);
SQLite, where the suite's database lives in one connection, a database file of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import delete

from app import create_app
from app.billing.models import StripeEvent
from app.db import Base, db, make_engine
from app.extensions import limiter
from devstack.stripe_sandbox import SandboxState, serve_in_thread
from tests.conftest import TEST_DATABASE_URL


@contextmanager
def committing_app(
    engine, tmp_path, remove_what_it_made: Callable[[], None], **config
) -> Iterator[tuple[Flask, SandboxState]]:
    """``(app, sandbox)``, the app with ``config`` on top; afterwards the sandbox's events
    are forgotten and ``remove_what_it_made`` runs (in the app's context) before one
    commit."""
    if engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'committing.sqlite3'}"
        file_engine = make_engine(url)
        Base.metadata.create_all(file_engine)
        file_engine.dispose()
    else:
        url = TEST_DATABASE_URL
    app = create_app({"DATABASE_URL": url, **config})
    limiter.reset()
    sandbox = SandboxState(auto_deliver=False, secret_key=app.config["STRIPE_SECRET_KEY"])
    server, base_url = serve_in_thread(sandbox)
    app.config["STRIPE_API_BASE"] = base_url
    try:
        yield app, sandbox
    finally:
        server.shutdown()
        server.server_close()
        with app.app_context():
            event_ids = [event["id"] for event in sandbox.events]
            db.session.execute(
                delete(StripeEvent).where(StripeEvent.stripe_event_id.in_(event_ids))
            )
            remove_what_it_made()
            db.session.commit()
        app.extensions["kindred_db"].engine.dispose()
        app.extensions["kindred_db"].read_engine.dispose()
