"""`make run` runs `flask dev`: migrate, load the demo community once, start the sandbox, serve."""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from app import create_app
from app.accounts import services as accounts
from app.accounts.models import Account
from app.db import db, utcnow
from app.groups.models import Group, Thread
from app.mail import send_mail
from app.memberships.services import is_member
from devstack.demo import PEOPLE


def _dev_app(tmp_path, monkeypatch, **config):
    served = []
    monkeypatch.setattr(
        "devstack.cli.run_simple", lambda host, port, app, **kw: served.append(port)
    )
    monkeypatch.setattr("devstack.sandbox.start_local_sandbox", lambda app: None)
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
            "ENVIRONMENT": "development",
            **config,
        }
    )
    return app, served


def _line_for(output: str, handle: str) -> str:
    [line] = [line for line in output.splitlines() if re.match(rf"\s+@{handle}\b", line)]
    return line


def test_dev_migrates_loads_the_demo_once_and_serves(tmp_path, monkeypatch):
    app, served = _dev_app(tmp_path, monkeypatch)
    first = app.test_cli_runner().invoke(args=["dev", "--port", "5055"])
    assert first.exit_code == 0, first.output
    assert "Loaded the demo community." in first.output
    for person in PEOPLE:
        assert f"@{person.handle}" in first.output
        assert person.password in first.output
    assert served == [5055]

    second = app.test_cli_runner().invoke(args=["dev"])
    assert second.exit_code == 0, second.output
    assert "Loaded the demo community." not in second.output
    assert "@ada" in second.output

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Account)) == len(PEOPLE)
        assert db.session.scalar(select(func.count()).select_from(Group)) >= 2
        assert db.session.scalar(select(func.count()).select_from(Thread)) >= 2
        people = {a.handle: a for a in db.session.scalars(select(Account))}
        assert people["ada"].is_admin
        assert is_member(people["bea"])
        assert not is_member(people["eve"])


def test_demo_people_can_log_in_with_the_printed_passwords(tmp_path, monkeypatch):
    app, _ = _dev_app(tmp_path, monkeypatch)
    assert app.test_cli_runner().invoke(args=["dev"]).exit_code == 0
    client = app.test_client()
    for person in PEOPLE:
        response = client.post(
            "/login", data={"identifier": person.handle, "password": person.password}
        )
        assert response.status_code == 303, person.handle
        client.post("/logout")


def test_dev_exists_only_in_development(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}"})
    result = app.test_cli_runner().invoke(args=["dev"])
    assert result.exit_code != 0
    assert "No such command 'dev'" in result.output


def test_the_printed_demo_accounts_are_what_the_database_says(tmp_path, monkeypatch):
    app, _ = _dev_app(tmp_path, monkeypatch)
    assert app.test_cli_runner().invoke(args=["dev"]).exit_code == 0
    with app.app_context():
        bea = accounts.get_account_by_handle("bea")
        accounts.set_password(bea, "a-brand-new-passphrase")
        bea.email = "bea@elsewhere.example"
        eve = accounts.get_account_by_handle("eve")
        eve.is_admin = True
        eve.suspended_at = utcnow()
        db.session.delete(accounts.get_account_by_handle("cai"))
        db.session.commit()
    output = app.test_cli_runner().invoke(args=["dev"]).output
    bea_line = _line_for(output, "bea")
    assert "bea@elsewhere.example" in bea_line
    assert "quiet-meadow-lamp" not in bea_line and "password: changed" in bea_line
    assert "(member)" in bea_line
    assert "(admin, not a member, suspended)" in _line_for(output, "eve")
    assert "no longer exists" in _line_for(output, "cai")
    assert "amber-lantern-river" in _line_for(output, "ada")
    assert "(admin, member)" in _line_for(output, "ada")


def _worker_mail(folder) -> list:
    return [path for path in folder.glob("*.eml") if "Through the worker" in path.read_text()]


def test_dev_starts_a_job_worker_that_delivers_mail_and_stops_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KINDRED_INSTANCE_DIR", str(tmp_path))
    mail_folder = tmp_path / "mail"

    def serve_while_mail_is_sent(host, port, app, **kw):
        with app.app_context():
            send_mail("ada@example.org", "Through the worker", "Delivered by the worker.\n")
            db.session.commit()
        deadline = time.monotonic() + 20
        while not _worker_mail(mail_folder) and time.monotonic() < deadline:
            time.sleep(0.1)

    app, _ = _dev_app(tmp_path, monkeypatch, JOBS_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    monkeypatch.setattr("devstack.cli.run_simple", serve_while_mail_is_sent)
    started = []
    from devstack import cli

    real_start = cli.start_local_worker
    monkeypatch.setattr(
        cli, "start_local_worker", lambda a: started.append(real_start(a)) or started[-1]
    )
    result = app.test_cli_runner().invoke(args=["dev"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Job worker \(mail, pid \d+\): sqlite:///", result.output)
    # The demo community mails its own people too; this one went through the worker.
    assert len(_worker_mail(mail_folder)) == 1
    [worker] = started
    assert worker.returncode == 0, "stopped when the server stopped"


def test_dev_needs_no_worker_when_jobs_run_at_once(tmp_path, monkeypatch):
    app, _ = _dev_app(tmp_path, monkeypatch)
    result = app.test_cli_runner().invoke(args=["dev"])
    assert result.exit_code == 0
    assert "Job worker" not in result.output


def test_stopping_dev_with_sigterm_stops_its_worker_too(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from tests.mail.smtp_server import free_port

    root = Path(__file__).resolve().parent.parent
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "KINDRED_CONFIG": "development",
        "KINDRED_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        "STRIPE_SANDBOX_PORT": str(free_port()),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "dev", "--port", str(free_port())]
    dev = subprocess.Popen(  # noqa: S603
        command,
        cwd=root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker_pid = None
    try:
        for line in dev.stdout:
            if match := re.search(r"Job worker \(mail, pid (\d+)\)", line):
                worker_pid = int(match[1])
            if line.startswith("Kindred: http://"):
                break
        assert worker_pid is not None
        dev.send_signal(signal.SIGTERM)
        assert dev.wait(timeout=30) == 0
    finally:
        if dev.poll() is None:
            dev.kill()
            dev.wait()
        dev.stdout.close()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{worker_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{worker_pid}").exists(), "the worker stopped with the server"
