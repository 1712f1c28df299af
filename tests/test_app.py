"""The factory, configuration classes, command line and outgoing mail."""

from __future__ import annotations

import email
import importlib
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import config
from app import create_app
from app import mail as mail_module
from app.db import db
from app.mail import outbox, send_mail
from config import DevelopmentConfig, ProductionConfig


def test_test_config_overlays_the_given_values():
    app = create_app({"DATABASE_URL": "sqlite://", "SITE_NAME": "Kin"})
    assert app.testing
    assert app.config["SITE_NAME"] == "Kin"
    assert app.config["WTF_CSRF_ENABLED"] is False
    assert app.config["SESSION_COOKIE_NAME"] == "kindred_session"


def unregistered_features(app) -> list[str]:
    """Feature packages under ``app/`` (each has a blueprint ``bp``) the app has not
    registered, or that serve no page."""
    import pkgutil

    import app as package

    missing = []
    for module in pkgutil.iter_modules(package.__path__):
        if not module.ispkg:
            continue
        feature = importlib.import_module(f"app.{module.name}")
        blueprint = getattr(feature, "bp", None)
        if blueprint is None:
            continue
        rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(f"{blueprint.name}.")]
        if app.blueprints.get(blueprint.name) is not blueprint or not rules:
            missing.append(module.name)
    return missing


def test_every_feature_is_registered():
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert unregistered_features(app) == []
    assert {"pages", "accounts", "memberships", "billing", "groups", "admin"} <= set(app.blueprints)
    assert "users" in app.cli.commands and "db" in app.cli.commands


def test_a_feature_left_out_of_create_app_is_noticed(monkeypatch):
    from app import groups

    monkeypatch.setattr(groups, "init_app", lambda app: None)
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert unregistered_features(app) == ["groups"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_secrets(monkeypatch, tmp_path, missing):
    monkeypatch.setenv("KINDRED_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "production-secret")
    monkeypatch.setattr(ProductionConfig, "DATABASE_URL", "sqlite://")
    monkeypatch.setattr(ProductionConfig, missing, None)
    with pytest.raises(RuntimeError, match=f"refuses to start in production without: {missing}"):
        ProductionConfig.check()
    monkeypatch.setenv("KINDRED_CONFIG", "production")
    with pytest.raises(RuntimeError, match=missing):
        create_app()


def test_production_is_the_default_so_a_forgotten_variable_fails_closed(monkeypatch, tmp_path):
    monkeypatch.delenv("KINDRED_CONFIG", raising=False)
    monkeypatch.setenv("KINDRED_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_config_with_its_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("KINDRED_CONFIG", "production")
    monkeypatch.setenv("KINDRED_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "production-secret")
    monkeypatch.setattr(ProductionConfig, "DATABASE_URL", "sqlite://")
    app = create_app()
    assert not app.testing and not app.debug
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-kindred"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["HSTS"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.instance_path == str(tmp_path)


def test_configuration_comes_from_the_environment(tmp_path):
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "KINDRED_INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "from-env",
        "DATABASE_URL": "postgresql+psycopg://db/kindred",
        "RATELIMIT_STORAGE_URI": "redis://cache:6379/0",
        "MAIL_SERVER": "smtp.example.org",
        "MAIL_USE_TLS": "no",
    }
    script = (
        "import json, config; c = config.ProductionConfig; c.check(); print(json.dumps(["
        "c.SECRET_KEY, c.DATABASE_URL, c.RATELIMIT_STORAGE_URI, c.MAIL_SERVER, c.MAIL_USE_TLS,"
        "config.INSTANCE_DIR.as_posix()]))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=Path(config.__file__).parent,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == [
        "from-env",
        "postgresql+psycopg://db/kindred",
        "redis://cache:6379/0",
        "smtp.example.org",
        False,
        tmp_path.as_posix(),
    ]


START_SCRIPT = """
import json
from app import create_app
app = create_app() if {test!r} is None else create_app({{}})
print(json.dumps([app.config["ENVIRONMENT"], bool(app.config["SECRET_KEY"]),
                  app.config["DATABASE_URL"], app.config["RATELIMIT_STORAGE_URI"]]))
"""


def _start_with_nothing_but(tmp_path, kind: str | None, test: bool = False):
    """Build an app in a fresh interpreter whose environment holds nothing but where
    its instance folder goes and (unless None) KINDRED_CONFIG."""
    environment = {"KINDRED_INSTANCE_DIR": str(tmp_path)}
    if kind is not None:
        environment["KINDRED_CONFIG"] = kind
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", START_SCRIPT.format(test=True if test else None)],
        cwd=Path(config.__file__).parent,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_development_and_test_configs_run_without_any_environment(tmp_path):
    development = _start_with_nothing_but(tmp_path, "development")
    assert development.returncode == 0, development.stderr
    environment, has_secret, database, limits = json.loads(development.stdout)
    assert (environment, has_secret) == ("development", True)
    assert database == f"sqlite:///{tmp_path / 'kindred.sqlite3'}"
    assert limits == "memory://"

    test = _start_with_nothing_but(tmp_path, None, test=True)
    assert test.returncode == 0, test.stderr
    assert json.loads(test.stdout)[:3] == ["test", True, "sqlite://"]


def test_the_environment_really_is_empty_there_so_production_refuses(tmp_path):
    production = _start_with_nothing_but(tmp_path, None)
    assert production.returncode != 0
    assert "refuses to start in production without: SECRET_KEY, DATABASE_URL" in production.stderr


def test_trusted_proxies_decide_the_client_address(monkeypatch):
    app = create_app({"DATABASE_URL": "sqlite://", "TRUSTED_PROXIES": 1})

    @app.get("/test/address")
    def address():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get(
        "/test/address",
        headers={"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"},
    )
    assert response.get_data(as_text=True) == "203.0.113.5 https"


def test_flask_users_command_is_listed(runner):
    result = runner.invoke(args=["users", "--help"])
    assert result.exit_code == 0
    assert "create-admin" in result.output


# Mail -------------------------------------------------------------------------------


def test_tests_read_sent_mail_from_the_outbox(app):
    with app.app_context():
        message = send_mail("ada@example.org", "Hello", "Body text")
        db.session.commit()
    [sent] = outbox(app)
    assert sent["Message-ID"] == message["Message-ID"]
    assert sent["From"] == message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert sent.get_content() == message.get_content() == "Body text\n"


def _mail_app(tmp_path, **config):
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": False, **config})
    with app.app_context():
        mail_module.OutgoingMail.__table__.create(db.engine)
    return app


LONG_LINK = "https://kindred.example/verify/" + "eyJhIjoxLCJlIjoiYWRhQGV4YW1wbGUub3JnIn0" * 3


def test_without_a_mail_server_mail_goes_to_the_console_and_instance_folder(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("KINDRED_INSTANCE_DIR", str(tmp_path))
    app = _mail_app(tmp_path, MAIL_SERVER=None)
    with app.app_context():
        send_mail("ada@example.org", "Your link", f"Open {LONG_LINK}\n\nThank you, café.\n")
        send_mail("bea@example.org", "Another", "Second message\n")
        db.session.commit()
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    saved = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert saved["To"] == "ada@example.org"
    assert saved["Subject"] == "Your link"
    assert LONG_LINK in saved.get_content()
    assert LONG_LINK not in files[0].read_text(), "the file is encoded for mail, as sent"
    printed = capsys.readouterr().err
    assert "mail to ada@example.org" in printed and "Subject: Your link" in printed
    # Printed decoded: the link whole on its line, copyable, with no soft line breaks.
    assert f"Open {LONG_LINK}\n" in printed
    assert "Thank you, café." in printed
    assert "=\n" not in printed and "Content-Transfer-Encoding" not in printed
    assert outbox(app) == []


class FakeSMTP:
    sessions: list[FakeSMTP] = []

    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.calls: list[tuple] = []
        FakeSMTP.sessions.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append(("quit",))

    def starttls(self):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.calls.append(("send", message["To"], message["Subject"]))


@pytest.fixture
def smtp(monkeypatch):
    FakeSMTP.sessions = []
    monkeypatch.setattr(mail_module.smtplib, "SMTP", FakeSMTP)
    return FakeSMTP.sessions


def test_with_a_mail_server_mail_goes_out_by_smtp(smtp, monkeypatch, tmp_path):
    monkeypatch.setenv("KINDRED_INSTANCE_DIR", str(tmp_path))
    app = _mail_app(
        tmp_path,
        MAIL_SERVER="smtp.example.org",
        MAIL_PORT=2525,
        MAIL_USERNAME="kindred",
        MAIL_PASSWORD="mail-secret",
    )
    with app.app_context():
        send_mail("ada@example.org", "Hello", "Body")
        db.session.commit()
    (session,) = smtp
    assert (session.host, session.port) == ("smtp.example.org", 2525)
    assert session.calls == [
        ("starttls",),
        ("login", "kindred", "mail-secret"),
        ("send", "ada@example.org", "Hello"),
        ("quit",),
    ]
    assert not (tmp_path / "mail").exists()


def test_smtp_without_tls_or_login_when_not_configured(smtp, monkeypatch, tmp_path):
    monkeypatch.setenv("KINDRED_INSTANCE_DIR", str(tmp_path))
    app = _mail_app(tmp_path, MAIL_SERVER="localhost", MAIL_USE_TLS=False, MAIL_USERNAME=None)
    with app.app_context():
        send_mail("ada@example.org", "Hello", "Body")
        db.session.commit()
    assert smtp[0].calls == [("send", "ada@example.org", "Hello"), ("quit",)]


# Configuration errors at every entry point -----------------------------------------

ROOT = Path(config.__file__).parent


def _run(args: list[str], tmp_path, **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        args,
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "KINDRED_INSTANCE_DIR": str(tmp_path),
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def _error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if "[INFO]" not in line]


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({}, "Error: Kindred refuses to start in production without: SECRET_KEY, DATABASE_URL"),
        ({"KINDRED_CONFIG": "staging"}, "Error: KINDRED_CONFIG must be one of development,"),
        (
            {"KINDRED_CONFIG": "development", "MAIL_PORT": "smtp"},
            "Error: Kindred cannot start: MAIL_PORT must be a whole number, not 'smtp'.",
        ),
        ({"KINDRED_CONFIG": "development", "JOBS_URL": "amqp://q"}, "Error: JOBS_URL must start"),
    ],
)
def test_flask_commands_report_a_configuration_error_in_one_line(tmp_path, environment, message):
    result = _run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "users", "create-admin", "op@example.org"],
        tmp_path,
        **environment,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(message)


def test_gunicorn_reports_a_configuration_error_in_one_line(tmp_path):
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    result = _run(
        [
            gunicorn,
            "--control-socket",
            str(tmp_path / "gunicorn.ctl"),
            "-b",
            "127.0.0.1:0",
            "wsgi:app",
        ],
        tmp_path,
    )
    assert result.returncode == 1
    [line] = _error_lines(result)
    assert line.startswith("Error: Kindred refuses to start in production without: SECRET_KEY")


def test_gunicorn_refuses_several_workers_counting_rate_limits_each_on_their_own(
    tmp_path, monkeypatch
):
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    result = _run(
        [
            gunicorn,
            "--control-socket",
            str(tmp_path / "gunicorn.ctl"),
            "-b",
            "127.0.0.1:0",
            "-w",
            "3",
            "wsgi:app",
        ],
        tmp_path,
        KINDRED_CONFIG="development",
    )
    assert result.returncode == 1
    [line] = _error_lines(result)
    assert "refuses to serve with 3 workers and RATELIMIT_STORAGE_URI=memory://" in line

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    monkeypatch.setenv("KINDRED_CONFIG", "development")
    check = settings["configuration_problem"]
    assert check(1) is None, "one worker counts every attempt itself"
    assert "memory://" in check(2)
    monkeypatch.setattr(DevelopmentConfig, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/3")
    assert check(9) is None, "a shared store holds whatever the number of workers"


def test_production_refuses_jobs_that_would_never_be_retried(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "production-secret")
    monkeypatch.setattr(ProductionConfig, "DATABASE_URL", "sqlite://")
    assert ProductionConfig.JOBS_URL.startswith("sqlite:///"), "a queue file by default"
    ProductionConfig.check()
    monkeypatch.setattr(ProductionConfig, "JOBS_URL", "memory://")
    with pytest.raises(config.ConfigurationError, match="refuses JOBS_URL=memory://"):
        ProductionConfig.check()
