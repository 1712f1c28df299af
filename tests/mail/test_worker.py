"""The worker process (`flask jobs worker`) delivers queued mail and retries what failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app, jobs
from app.db import Base, db, make_engine
from app.mail import MailStatus, OutgoingMail, outbox, send_mail
from tests.mail.smtp_server import SMTPServer

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def worker_setup(tmp_path):
    """A database file, a queue file and a stopped SMTP server, shared with a worker process."""
    database_url = f"sqlite:///{tmp_path / 'kindred.sqlite3'}"
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    server = SMTPServer()
    settings = {
        "DATABASE_URL": database_url,
        "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(server.port),
        "MAIL_USE_TLS": "false",
        "MAIL_RETRY_DELAY": "1",
        "MAIL_TIMEOUT": "5",
    }
    yield tmp_path, settings, server
    server.stop()


def start_worker(tmp_path: Path, settings: dict[str, str], log) -> subprocess.Popen:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "KINDRED_CONFIG": "development",
        "KINDRED_INSTANCE_DIR": str(tmp_path),
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "1"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_worker_retries_until_the_mail_server_takes_the_mail(worker_setup):
    tmp_path, settings, server = worker_setup
    app = create_app(
        {
            "DATABASE_URL": settings["DATABASE_URL"],
            "JOBS_URL": settings["JOBS_URL"],
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": server.port,
            "MAIL_USE_TLS": False,
        }
    )
    with app.app_context():
        send_mail("ada@example.org", "Queued for the worker", "Hello from the queue.\n")
        db.session.commit()
    assert outbox(app) == [], "queued, not delivered by the app itself"
    assert jobs.huey.pending_count() == 1

    def row() -> OutgoingMail:
        with app.app_context():
            return db.session.scalars(select(OutgoingMail)).one()

    log = (tmp_path / "worker.log").open("w")
    worker = start_worker(tmp_path, settings, log)
    try:
        assert wait_until(lambda: row().attempts >= 1 and row().last_error), (
            "the worker tried while the server was down: " + (tmp_path / "worker.log").read_text()
        )
        assert row().status == MailStatus.PENDING
        server.start()
        [received] = server.wait_for(1)
        assert received["Subject"] == "Queued for the worker"
        assert wait_until(lambda: row().status == MailStatus.SENT)
        assert row().attempts >= 2
    finally:
        stop_worker(worker)
        log.close()
        with app.app_context():
            db.engine.dispose()
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()
    assert len(server.received) == 1


def test_there_is_no_worker_to_run_when_jobs_run_at_once(runner):
    result = runner.invoke(args=["jobs", "worker"])
    assert result.exit_code == 1
    assert "JOBS_URL is memory://" in result.output


def test_an_unknown_queue_address_is_one_clear_line(make_app):
    from config import ConfigurationError

    with pytest.raises(ConfigurationError, match="JOBS_URL must start with sqlite:///"):
        make_app(JOBS_URL="amqp://queue")
