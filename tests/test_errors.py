"""Friendly error pages that show no internals."""

from __future__ import annotations

import contextlib
import re

import pytest
from flask import abort

from app import create_app
from tests.accounts.support import page
from tests.conftest import TEST_DATABASE_URL
from tests.helpers import DEFAULT_PASSWORD
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


def test_missing_page_offers_groups_search_and_home(app, client):
    text = page(client.get("/no/such/page"))
    assert 'href="/groups">Find a group</a>' in text
    assert 'href="/search">search the posts</a>' in text


def test_refusal_tells_a_visitor_to_log_in_and_a_member_where_membership_is(error_app):
    client = error_app.test_client()
    assert 'href="/login">Log in</a>' in page(client.get("/test/fail/403"))
    with client.session_transaction() as session:
        session["_user_id"] = "1"  # what the error page reads, without the database
    text = page(client.get("/test/fail/403"))
    assert 'href="/membership">See your membership</a>' in text
    assert 'href="/login">Log in</a>' not in text


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


# Errors never break the error page ---------------------------------------------------


@pytest.fixture
def broken_app(make_app):
    """Routes that leave the database session broken, or find the database gone."""
    from sqlalchemy import event
    from sqlalchemy.exc import IntegrityError, OperationalError

    from app.accounts.models import Account
    from app.db import db

    app = make_app(PROPAGATE_EXCEPTIONS=False)
    down = {"now": False}
    engine = app.extensions["kindred_db"].sessionmaker.kw["bind"].engine

    def refuse_everything(*_args):
        if down["now"]:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    event.listen(engine, "before_cursor_execute", refuse_everything)

    def add_twins():
        """Two accounts with one email address: the next flush or commit fails."""
        for handle in ("ada", "ada2"):
            db.session.add(
                Account(
                    email="ada@example.org", handle=handle, handle_key=handle, password_hash="x"
                )
            )

    def break_the_session():
        """A failed flush: the session now needs a rollback it never gets."""
        add_twins()
        with contextlib.suppress(IntegrityError):
            db.session.flush()

    @app.get("/test/broken-session")
    def broken_session():
        break_the_session()
        raise RuntimeError(SECRET_DETAIL)

    @app.get("/test/broken-session-404")
    def broken_session_404():
        break_the_session()
        abort(404)

    @app.get("/test/fails-at-commit")
    def fails_at_commit():
        add_twins()
        return "this answer never leaves: the commit fails"

    @app.get("/test/database-gone")
    def database_gone():
        down["now"] = True
        raise RuntimeError(SECRET_DETAIL)

    app.extensions["test_database_down"] = down
    yield app
    down["now"] = False
    event.remove(engine, "before_cursor_execute", refuse_everything)


def _signed_in(app):
    from tests.helpers import make_account

    with app.app_context():
        make_account("ada", admin=True)
    client = app.test_client()
    client.post("/login", data={"identifier": "ada", "password": DEFAULT_PASSWORD})
    return client


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/test/broken-session", 500, "Something went wrong on our side"),
        ("/test/broken-session-404", 404, "Page not found"),
        ("/test/fails-at-commit", 500, "Something went wrong on our side"),
        ("/test/database-gone", 500, "Something went wrong on our side"),
    ],
)
@pytest.mark.parametrize("signed_in", [True, False], ids=["signed in", "visitor"])
def test_a_broken_session_or_a_lost_database_still_gets_the_full_error_page(
    broken_app, path, status, title, signed_in
):
    client = _signed_in(broken_app) if signed_in else broken_app.test_client()
    response = client.get(path)
    assert_friendly(response, broken_app, status, title)
    text = page(response)
    assert ("Log out" in text) == signed_in, "the navigation still knows who is signed in"
    broken_app.extensions["test_database_down"]["now"] = False
    assert client.get("/about").status_code == 200, "the next request starts afresh"


def test_the_error_page_asks_nothing_of_the_database(broken_app):
    from sqlalchemy import event

    client = _signed_in(broken_app)
    client.get("/settings")
    statements = []
    engine = broken_app.extensions["kindred_db"].sessionmaker.kw["bind"].engine
    listener = lambda _c, _cur, statement, *_a: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get("/no/such/page")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert_friendly(response, broken_app, 404, "Page not found")
    assert statements == []


def test_a_refusal_no_route_catches_is_a_page_with_its_message(make_app, monkeypatch):
    from app.domain import DomainError, NotPermitted
    from app.groups import services as groups

    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = _signed_in(app)
    for error, status, title in [
        (DomainError("That can't be done now."), 400, "Something in that request was not right"),
        (NotPermitted("Not with your role."), 403, "You can't do that here"),
    ]:

        def refuse(*_args, error=error):
            raise error

        monkeypatch.setattr(groups, "my_threads", refuse)
        response = client.get("/groups/mine")
        assert_friendly(response, app, status, title)
        assert error.message in page(response)
