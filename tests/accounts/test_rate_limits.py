"""Rate limits on login, signup and reset: per account and per client."""

from __future__ import annotations

import os

import pytest

from app.extensions import limiter
from tests.accounts.support import page
from tests.helpers import DEFAULT_PASSWORD, make_account

REDIS_URL = "redis://127.0.0.1:6379/15"
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


def test_account_is_locked_after_repeated_failed_logins_and_told_how_long(app, client, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    make_account("ada")
    for attempt in range(3):
        assert login(client, address=f"192.0.2.{attempt}").status_code == 400
    response = login(client, password=DEFAULT_PASSWORD, address="198.51.100.7")
    assert_told_to_wait(response, 15 * 60)
    assert "about 15 minutes" in page(response)
    assert client.get("/settings").status_code == 302, "even the right password waits"
    assert login(client, "bea").status_code == 400, "other accounts are not locked"


def test_account_lock_counts_email_and_handle_in_any_case_together(app, client, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    make_account("ada")
    login(client, "Ada")
    login(client, " ADA@example.org ")
    login(client, "ada@EXAMPLE.org")
    assert login(client, "ada").status_code == 429
    assert login(client, "ada@example.org").status_code == 429


def test_unknown_identifiers_are_limited_too(app, client, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    login(client, "ghost")
    login(client, "GHOST")
    assert login(client, "ghost").status_code == 429


def test_successful_logins_do_not_count_towards_the_lock(app, client, auth, session):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
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


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def redis_app(make_app):
    if not redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}, and CI needs it")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    app = make_app(RATELIMIT_STORAGE_URI=REDIS_URL, LOGIN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    yield app
    limiter.reset()


def test_limits_are_shared_through_redis_when_configured(redis_app):
    import redis

    first, second = redis_app.test_client(), redis_app.test_client()
    assert login(first, address="192.0.2.1").status_code == 400
    assert login(second, address="192.0.2.2").status_code == 400
    keys = redis.Redis.from_url(REDIS_URL).keys("LIMITS*")
    assert keys, "the limiter stored its counters in Redis"
    assert not any(b"192.0.2" in key for key in keys), "no client address in the keys"
    assert_told_to_wait(login(first, address="192.0.2.3"), 15 * 60)
