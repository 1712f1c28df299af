"""Background jobs: work that runs after the request's commit, in a worker, with retries.

Built on Huey, a small, well-kept task queue with the storages Kindred needs. ``JOBS_URL``
chooses where the queue lives:

- ``sqlite:///path``: a file beside the app (``make run``, and a deployment on one machine);
- ``redis://host:6379/1``: shared by several machines;
- ``memory://``: no queue at all; each job runs at once in the process that queues it, so a
  test sees its effect by the time the request returns.

The worker is ``flask --app wsgi jobs worker`` (``flask dev`` starts one beside the app).
Jobs keep no state of their own that matters: what a job does is recorded in the database
(for mail, the ``outgoing_mail`` table), so a lost queue delays work but loses none of it.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from config import ConfigurationError

SQLITE_PREFIX = "sqlite:///"

# One queue per process, bound to each app's JOBS_URL by ``init_app`` (as the other
# extensions are). Tasks register on it where they are defined (``app.mail``).
huey = Huey("kindred", results=False, immediate=True, storage_class=MemoryStorage)

# The app a worker serves; jobs run at once use the app that queued them.
_worker_app: Flask | None = None


def init_app(app: Flask) -> None:
    _bind_storage(app.config["JOBS_URL"])
    app.cli.add_command(jobs)


def _bind_storage(url: str) -> None:
    if url.startswith("memory:"):
        storage_class, options, immediate = MemoryStorage, {}, True
    elif url.startswith(SQLITE_PREFIX):
        storage_class, options, immediate = (
            SqliteStorage,
            {"filename": url.removeprefix(SQLITE_PREFIX)},
            False,
        )
    elif url.startswith(("redis://", "rediss://", "unix://")):
        storage_class, options, immediate = RedisStorage, {"url": url}, False
    else:
        raise ConfigurationError(
            f"JOBS_URL must start with sqlite:///, redis:// or memory://, not {url!r}"
        )
    huey.storage_class, huey.storage_kwargs = storage_class, options
    if huey.immediate != immediate:
        huey.immediate = immediate  # Huey builds the storage anew when this changes
    else:
        huey.storage = huey.create_storage()


def runs_at_once() -> bool:
    """True when jobs run where they are queued (``memory://``), so no worker is needed."""
    return huey.immediate


def app_context() -> AbstractContextManager:
    """A fresh app context (and so a fresh database session) for one job."""
    app = current_app._get_current_object() if has_app_context() else _worker_app  # type: ignore[attr-defined]
    if app is None:
        raise RuntimeError("a job ran outside a Kindred worker; start it with `flask jobs worker`")
    return app.app_context()


@click.group(help="Background jobs: mail delivery and its retries.")
def jobs() -> None:
    pass


@jobs.command()
@click.option("--workers", default=2, show_default=True, help="Threads running jobs.")
@with_appcontext
def worker(workers: int) -> None:
    """Run queued jobs, retry failed ones and sweep up anything left, until stopped."""
    global _worker_app
    if runs_at_once():
        raise click.ClickException(
            "JOBS_URL is memory://: jobs run where they are queued, so there is no queue "
            "to work on. Set JOBS_URL to sqlite:///path or redis://host:6379/1."
        )
    _worker_app = current_app._get_current_object()  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s jobs %(levelname)s %(message)s")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()
