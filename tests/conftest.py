"""Fixtures in the flaskr style: ``app``, ``client``, ``runner`` and ``auth``.

Each test runs inside one outer transaction that is rolled back afterwards, so
tests are isolated on SQLite and on PostgreSQL alike. Set ``TEST_DATABASE_URL``
to run the suite on PostgreSQL.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings
from sqlalchemy import make_url, text

import app.models
from app import create_app
from app.db import Base, db, make_engine
from app.extensions import limiter
from app.mail import outbox
from tests.helpers import DEFAULT_PASSWORD

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")

# CI explores the same examples on every run, so a red build is reproducible; local runs
# keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


def refuse_unless_for_tests(url: str) -> None:
    """The suite drops and rebuilds the database it is given: only ever one whose name
    says it is for tests (an in-memory SQLite database has no name and is always fine)."""
    name = make_url(url).database
    if name and name != ":memory:" and "test" not in name.rsplit("/", 1)[-1].lower():
        raise pytest.UsageError(
            f"TEST_DATABASE_URL names the database {name!r}; the tests drop everything in "
            "it, so they only run on a database whose name contains 'test'."
        )


@pytest.fixture(scope="session")
def engine():
    refuse_unless_for_tests(TEST_DATABASE_URL)
    engine = make_engine(TEST_DATABASE_URL)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def make_app(engine):
    """Build test apps with extra config, each inside a transaction rolled back afterwards."""
    opened = []

    def make(**config):
        app = create_app({"DATABASE_URL": TEST_DATABASE_URL, **config})
        connection = engine.connect()
        opened.append((connection, connection.begin()))
        db.bind_to_connection(app, connection)
        limiter.reset()
        return app

    yield make
    for connection, outer in opened:
        outer.rollback()
        connection.close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """The app's database session, inside an app context, for arranging and checking."""
    with app.app_context():
        yield db.session


@pytest.fixture
def mail(app):
    return outbox(app)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(
        self,
        identifier: str = "ada@example.org",
        password: str = DEFAULT_PASSWORD,
        remember: bool = False,
        follow_redirects: bool = False,
    ):
        data = {"identifier": identifier, "password": password}
        if remember:
            data["remember"] = "y"
        return self._client.post("/login", data=data, follow_redirects=follow_redirects)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
