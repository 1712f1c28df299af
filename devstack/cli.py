"""``flask dev``: the whole local stack in one command (what ``make run`` calls)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from app import jobs
from app.cli import alembic_config


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def dev(host: str, port: int) -> None:
    """Migrate, load the demo community once, start the Stripe sandbox and the job worker,
    and serve."""
    from app.db import db
    from devstack import demo
    from devstack.sandbox import start_local_sandbox

    command.upgrade(alembic_config(), "head")
    if not demo.has_accounts():
        demo.load_demo_community()
        db.session.commit()
        click.echo("Loaded the demo community.")
    click.echo(demo.describe_demo())
    db.session.rollback()  # describing only read; hold no transaction while serving
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    app.config["DEV_SERVER_PORT"] = port
    sandbox = start_local_sandbox(app)
    if sandbox is not None:
        click.echo(f"Stripe sandbox: {app.config['STRIPE_API_BASE']}")
    # Stopped by SIGTERM as by Ctrl-C: either way the worker is stopped too, not orphaned.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    worker = start_local_worker(app)
    try:
        if worker is not None:
            click.echo(f"Job worker (mail, pid {worker.pid}): {app.config['JOBS_URL']}")
        click.echo(f"Kindred: http://{host}:{port}/")
        run_simple(host, port, app, threaded=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_local_worker(worker)


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(0)


def start_local_worker(app: Flask) -> subprocess.Popen | None:
    """Start ``flask jobs worker`` for this app's queue and database, beside the dev server.

    None when jobs run at once (``JOBS_URL=memory://``) and so need no worker.
    """
    if jobs.runs_at_once():
        return None
    environment = {
        **os.environ,
        "KINDRED_CONFIG": "development",
        "KINDRED_INSTANCE_DIR": app.instance_path,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "JOBS_URL": app.config["JOBS_URL"],
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "1"],
        env=environment,
    )


def stop_local_worker(worker: subprocess.Popen | None) -> None:
    """Let the worker finish the job in hand (Huey stops gracefully on SIGINT)."""
    if worker is None or worker.poll() is not None:
        return
    worker.send_signal(signal.SIGINT)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def init_app(app: Flask) -> None:
    app.cli.add_command(dev)
