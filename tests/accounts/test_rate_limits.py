"""Rate limits on login, signup and reset: they bound guessing and never lock a person out."""

from __future__ import annotations

import pytest

from app.extensions import limiter
from tests.accounts.support import page
from tests.helpers import DEFAULT_PASSWORD, make_account
from tests.redis_db import REDIS_URL, require_redis

WRONG_PASSWORD = "wrong password!"


def login(client, identifier="ada", password=WRONG_PASSWORD, address="192.0.2.1"):
    return client.post(
        "/login",
        data={"identifier": identifier, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def assert_told_to_wait(response, at_most: int):
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= at_most
    text = page(response)
    assert "<h1>Too many attempts</h1>" in text
    assert "Please wait" in text
    assert "before trying again" in text


def signed_in(client) -> bool:
    return client.get("/settings").status_code == 200


def test_one_client_failing_at_an_account_is_held_and_told_how_long(app, client, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT"] = "3 per 15 minutes"
    make_account("ada")
    for _ in range(3):
        assert login(client, address="192.0.2.66").status_code == 400
    response = login(client, password=DEFAULT_PASSWORD, address="192.0.2.66")
    assert_told_to_wait(response, 15 * 60)
    assert "about 15 minutes" in page(response)
    assert not signed_in(client), "a held client is refused before its password is checked"
    assert login(client, "bea", address="192.0.2.66").status_code == 400, "other accounts go on"


def test_a_stranger_failing_at_an_account_does_not_keep_its_owner_out(app, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT"] = "3 per 15 minutes"
    make_account("ada")
    stranger, owner = app.test_client(), app.test_client()
    for _ in range(10):
        login(stranger, address="203.0.113.66")
    assert login(stranger, address="203.0.113.66").status_code == 429
    assert login(owner, password=DEFAULT_PASSWORD, address="198.51.100.7").status_code == 303
    assert signed_in(owner)


def test_strangers_in_many_places_do_not_keep_the_owner_out_either(app, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "5 per day"
    make_account("ada")
    stranger = app.test_client()
    for place in range(20):
        for _ in range(10):
            login(stranger, address=f"203.0.113.{place}")
    assert login(stranger, address="203.0.113.0").status_code == 429, "the account is held"
    owner = app.test_client()
    assert login(owner, password=DEFAULT_PASSWORD, address="198.51.100.7").status_code == 303
    assert signed_in(owner)
    # Even after a typo or two of their own.
    second_device = app.test_client()
    for _ in range(2):
        assert login(second_device, address="198.51.100.8").status_code == 400
    assert (
        login(second_device, password=DEFAULT_PASSWORD, address="198.51.100.8").status_code == 303
    )


def test_guessing_from_many_places_is_bounded_per_account(app, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "5 per day"
    make_account("ada")
    attacker = app.test_client()
    checked = 0
    for place in range(20):
        for _ in range(10):  # each place's own limit allows 10 in 15 minutes
            checked += login(attacker, address=f"203.0.113.{place}").status_code == 400
    # The account-wide 5, plus the 3 that each place may fail before the limit holds it,
    # instead of 10 from each of the 20 places.
    assert checked == 5 + 3 * 20
    # A held place learns nothing even from the right password.
    response = login(attacker, password=DEFAULT_PASSWORD, address="203.0.113.3")
    assert_told_to_wait(response, 24 * 60 * 60)
    assert not signed_in(attacker)


def test_addresses_in_one_ipv6_network_are_one_client(app, client, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT"] = "3 per 15 minutes"
    make_account("ada")
    for host in range(3):
        assert login(client, address=f"2001:db8:1:2::{host + 1:x}").status_code == 400
    assert login(client, address="2001:db8:1:2:ffff::9").status_code == 429
    assert login(client, address="2001:db8:1:3::1").status_code == 400, "another /64 goes on"


def test_account_limit_counts_email_and_handle_in_any_case_together(app, client, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT"] = "3 per 15 minutes"
    make_account("ada")
    login(client, "Ada")
    login(client, " ADA@example.org ")
    login(client, "ada@EXAMPLE.org")
    assert login(client, "ada").status_code == 429
    assert login(client, "ada@example.org").status_code == 429


def test_unknown_identifiers_are_limited_too(app, client, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT"] = "2 per 15 minutes"
    login(client, "ghost")
    login(client, "GHOST")
    assert login(client, "ghost").status_code == 429


def test_identifiers_no_account_could_have_are_limited_without_a_lookup(app, client, session):
    from app.accounts.routes import _account_key

    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT"] = "1 per 15 minutes"
    long_text = "x" * 5000
    assert login(client, long_text).status_code == 400
    assert login(client, long_text).status_code == 429
    # A NUL is never sent to the database by the limiter (PostgreSQL refuses it).
    with app.test_request_context("/login", method="POST", data={"identifier": "ada\x00"}):
        assert _account_key().startswith("typed:")


def test_successful_logins_do_not_count_towards_the_lock(app, client, auth, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT"] = "2 per 15 minutes"
    make_account("ada")
    for _ in range(3):
        assert login(client, password=DEFAULT_PASSWORD).status_code == 303
        auth.logout()
    assert login(client).status_code == 400


def test_one_client_is_limited_across_accounts(app, client, session):
    app.config["LOGIN_LIMIT_PER_CLIENT"] = "3 per 15 minutes"
    for handle in ("ada", "bea", "cyd"):
        assert login(client, handle).status_code == 400
    assert_told_to_wait(login(client, "dee"), 15 * 60)
    assert login(client, "dee", address="203.0.113.9").status_code == 400, "other clients go on"


def test_signup_is_limited_per_client(app, client, session, mail):
    app.config["SIGNUP_LIMIT_PER_CLIENT"] = "2 per hour"
    for handle in ("ada", "bea"):
        response = client.post(
            "/signup",
            data={"email": f"{handle}@example.org", "handle": handle, "password": DEFAULT_PASSWORD},
        )
        assert response.status_code == 303
    response = client.post(
        "/signup", data={"email": "cyd@example.org", "handle": "cyd", "password": DEFAULT_PASSWORD}
    )
    assert_told_to_wait(response, 60 * 60)
    assert len(mail) == 2
    assert client.get("/signup").status_code == 200, "reading the form is never limited"


def test_signup_is_limited_per_address(app, client, session, mail):
    app.config["SIGNUP_LIMIT_PER_ACCOUNT"] = "2 per hour"
    for attempt in range(2):
        client.post(
            "/signup",
            data={"email": "ada@example.org", "handle": "ada", "password": "short"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{attempt}"},
        )
    response = client.post(
        "/signup",
        data={"email": "ADA@example.org", "handle": "ada", "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert_told_to_wait(response, 60 * 60)
    assert mail == []


def test_reset_is_limited_per_account(app, client, session, mail):
    app.config["RESET_LIMIT_PER_ACCOUNT"] = "2 per hour"
    make_account("ada")
    for attempt in range(2):
        response = client.post(
            "/reset",
            data={"email": "ada@example.org"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{attempt}"},
        )
        assert response.status_code == 303
    response = client.post(
        "/reset", data={"email": "Ada@Example.org"}, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert_told_to_wait(response, 60 * 60)
    assert len(mail) == 2


def test_reset_limit_per_account_is_the_same_for_unknown_addresses(app, client, session):
    app.config["RESET_LIMIT_PER_ACCOUNT"] = "1 per hour"
    client.post("/reset", data={"email": "nobody@example.org"})
    assert client.post("/reset", data={"email": "nobody@example.org"}).status_code == 429


def test_reset_is_limited_per_client(app, client, session, mail):
    app.config["RESET_LIMIT_PER_CLIENT"] = "2 per hour"
    for email in ("a1@example.org", "a2@example.org"):
        assert client.post("/reset", data={"email": email}).status_code == 303
    assert_told_to_wait(client.post("/reset", data={"email": "a3@example.org"}), 60 * 60)


def test_resending_verification_is_limited(app, client, session, mail):
    app.config["RESET_LIMIT_PER_ACCOUNT"] = "1 per hour"
    make_account("ada", verified=False)
    client.post("/verify/resend", data={"email": "ada@example.org"})
    assert_told_to_wait(client.post("/verify/resend", data={"email": "ada@example.org"}), 3600)
    assert len(mail) == 1


@pytest.fixture
def redis_app(make_app):
    app = make_app(
        RATELIMIT_STORAGE_URI=require_redis(), LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT="2 per 15 minutes"
    )
    limiter.reset()
    yield app
    limiter.reset()


def test_limits_are_shared_through_redis_when_configured(redis_app):
    import redis

    first, second = redis_app.test_client(), redis_app.test_client()
    assert login(first, address="192.0.2.1").status_code == 400
    assert login(second, address="192.0.2.1").status_code == 400
    keys = redis.Redis.from_url(REDIS_URL).keys("LIMITS*")
    assert keys, "the limiter stored its counters in Redis"
    assert not any(b"192.0.2" in key for key in keys), "no client address in the keys"
    assert_told_to_wait(login(first, address="192.0.2.1"), 15 * 60)


def test_limits_hold_across_gunicorn_workers_sharing_redis(tmp_path):
    """Served as in production: several workers, one count (memory:// let 39 of 60 through)."""
    import http.cookiejar
    import os
    import re
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.parse
    import urllib.request
    from pathlib import Path

    import redis

    from app.db import Base, make_engine

    redis_url = require_redis()
    redis.Redis.from_url(redis_url).flushdb()
    database_url = f"sqlite:///{tmp_path / 'kindred.sqlite3'}"
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "KINDRED_CONFIG": "development",
        "KINDRED_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        "RATELIMIT_STORAGE_URI": redis_url,
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    arguments = ["-w", "3", "-b", f"127.0.0.1:{port}", "--control-socket"]
    with (tmp_path / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [gunicorn, *arguments, str(tmp_path / "gunicorn.ctl"), "wsgi:app"],
            cwd=root,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            deadline = time.monotonic() + 30
            while True:
                try:
                    html = opener.open(f"{base}/login", timeout=5).read().decode()
                    break
                except OSError:
                    assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                    time.sleep(0.2)
            token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
            form = {"csrf_token": token, "identifier": "ghost", "password": WRONG_PASSWORD}
            statuses = []
            for _ in range(30):
                try:
                    opener.open(f"{base}/login", urllib.parse.urlencode(form).encode(), timeout=10)
                    statuses.append(200)
                except urllib.error.HTTPError as error:
                    statuses.append(error.code)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    assert statuses.count(400) == 10, statuses
    assert statuses.count(429) == 20
