"""Friendly error pages that show no internals."""

from __future__ import annotations

import re

import pytest
from flask import abort

from app import create_app
from tests.accounts.support import page
from tests.conftest import TEST_DATABASE_URL
from tests.test_security import assert_security_headers

SECRET_DETAIL = "password=hunter2 at /srv/kindred/secret.py"


@pytest.fixture
def error_app(make_app):
    """An app that shows error pages as production would, with routes that fail on purpose."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/test/fail/<int:code>")
    def fail(code: int):
        abort(code)

    @app.get("/test/explode")
    def explode():
        raise RuntimeError(SECRET_DETAIL)

    return app


def assert_friendly(response, app, status: int, title: str):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    text = page(response)
    assert f"<h1>{title}</h1>" in text
    assert text.count("<h1>") == 1
    assert "Go to the home page" in text
    for leak in ("Traceback", "werkzeug", "Werkzeug", "RuntimeError", SECRET_DETAIL, 'File "'):
        assert leak not in text
    assert_security_headers(response, app)


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (400, "Something in that request was not right"),
        (403, "You can't do that here"),
        (404, "Page not found"),
        (405, "That action isn't available"),
        (409, "Something in that request was not right"),
        (410, "Something in that request was not right"),
        (413, "That was too large"),
        (429, "Too many attempts"),
        (500, "Something went wrong on our side"),
    ],
)
def test_each_error_has_a_friendly_page(error_app, code, title):
    response = error_app.test_client().get(f"/test/fail/{code}")
    assert_friendly(response, error_app, code, title)


def test_unexpected_error_shows_a_friendly_page_and_nothing_of_the_cause(error_app, caplog):
    response = error_app.test_client().get("/test/explode")
    assert_friendly(response, error_app, 500, "Something went wrong on our side")
    assert "We have not lost anything you wrote." in page(response)
    assert SECRET_DETAIL in caplog.text, "operators still find the cause in the log"


def test_unexpected_errors_reach_the_tests_instead_of_hiding_behind_a_page(engine):
    app = create_app({"DATABASE_URL": TEST_DATABASE_URL})

    @app.get("/test/explode")
    def explode():
        raise RuntimeError(SECRET_DETAIL)

    with pytest.raises(RuntimeError, match="hunter2"):
        app.test_client().get("/test/explode")


def test_unknown_page_is_not_found(app, client):
    assert_friendly(client.get("/no/such/page"), app, 404, "Page not found")


def test_wrong_method_names_the_allowed_ones(app, client):
    response = client.get("/logout")
    assert_friendly(response, app, 405, "That action isn't available")
    assert set(response.headers["Allow"].split(", ")) >= {"POST"}


def test_oversized_request_is_refused(app, client):
    response = client.post("/login", data={"identifier": "x" * (2 * 1024 * 1024)})
    assert_friendly(response, app, 413, "That was too large")


def test_csrf_failure_explains_that_nothing_changed(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/login", data={"identifier": "ada"})
    assert_friendly(response, app, 400, "Something in that request was not right")
    assert "This form had expired or did not come from this site" in page(response)


def test_too_many_requests_says_how_long_to_wait(app, client):
    app.config["SIGNUP_LIMIT_PER_CLIENT"] = "1 per minute"
    client.post("/signup", data={})
    response = client.post("/signup", data={})
    assert_friendly(response, app, 429, "Too many attempts")
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 60
    shown = re.search(r"Please wait (\d+) seconds before trying again\.", page(response))
    assert shown and abs(int(shown.group(1)) - wait) <= 1
