"""`make run` runs `flask dev`: migrate, load the demo community once, start the sandbox, serve."""

from __future__ import annotations

from sqlalchemy import func, select

from app import create_app
from app.accounts.models import Account
from app.db import db
from app.groups.models import Group, Thread
from app.memberships.services import is_member
from devstack.demo import PEOPLE


def _dev_app(tmp_path, monkeypatch):
    served = []
    monkeypatch.setattr(
        "devstack.cli.run_simple", lambda host, port, app, **kw: served.append(port)
    )
    monkeypatch.setattr("devstack.sandbox.start_local_sandbox", lambda app: None)
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "ENVIRONMENT": "development"}
    )
    return app, served


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
