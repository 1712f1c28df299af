"""Real-browser fixtures: Kindred served over HTTP, driven by Chromium through Playwright.

* ``live_server`` -- the app on a fresh SQLite file, CSRF on, served from a thread.
* ``live_server_factory(**config)`` -- more servers, or one with extra config; with
  ``stripe_sandbox=`` it is wired to a running sandbox both ways.
* ``stripe_sandbox`` -- the local Stripe sandbox in a thread.
* ``browser`` (one per session) and ``page`` (a new 390x844 context per test, in the
  ``theme`` colour scheme: "light" unless a test parametrises ``theme``). The page
  fails its test at teardown if it sent a request to any origin but the servers the test
  started, if the console reported a Content Security Policy violation or a script error,
  or if a Kindred page it loaded was not audited (see ``tests.browser.helpers``).

Chromium is Debian's, at ``/usr/bin/chromium``; ``playwright install`` is never needed.
Without it these tests are skipped, or fail when ``CI=true``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

import app.models  # noqa: F401  (every table, for create_all)
from app import create_app
from app.db import Base, make_engine
from app.extensions import limiter
from tests.browser.helpers import (
    VIEWPORT,
    LiveServer,
    Origins,
    PageRecord,
    StripeSandbox,
    watch,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).parent
CALL_FAILED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[CALL_FAILED] = True
    return report


@dataclass
class _Threads:
    servers: list[BaseWSGIServer] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def serve(self, wsgi_app: Any, name: str) -> BaseWSGIServer:
        server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        # A short poll interval makes shutdown() quick at teardown.
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )
        thread.start()
        self.servers.append(server)
        self.threads.append(thread)
        return server

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for thread in self.threads:
            thread.join(timeout=5)


@pytest.fixture
def origins() -> Origins:
    """The servers this test started: the only places its pages may reach."""
    return Origins()


@pytest.fixture
def live_server_factory(tmp_path: Path, origins: Origins) -> Iterator[Callable[..., LiveServer]]:
    """Start Kindred servers: ``live_server_factory(stripe_sandbox=None, **config)``.

    Each server gets its own SQLite file with every table created, CSRF enabled and the
    test's config overlaid. With ``stripe_sandbox=`` (the ``stripe_sandbox`` fixture) the
    app's ``STRIPE_API_BASE`` is the sandbox (so its forms may redirect to the sandbox's
    hosted pages) and the sandbox delivers signed webhooks to ``billing.receive_webhook``
    with the app's ``STRIPE_WEBHOOK_SECRET``.
    """
    threads = _Threads()
    apps: list[Flask] = []

    def start(stripe_sandbox: StripeSandbox | None = None, **config: Any) -> LiveServer:
        database_url = f"sqlite:///{tmp_path / f'kindred-{len(apps)}.sqlite3'}"
        engine = make_engine(database_url)
        Base.metadata.create_all(engine)
        engine.dispose()
        settings: dict[str, Any] = {"DATABASE_URL": database_url, "WTF_CSRF_ENABLED": True}
        if stripe_sandbox is not None:
            settings["STRIPE_API_BASE"] = stripe_sandbox.url
        settings.update(config)
        flask_app = create_app(settings)
        apps.append(flask_app)
        limiter.reset()
        server = threads.serve(flask_app, name=f"kindred-live-{len(apps)}")
        live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=flask_app)
        origins.kindred.add(live.url)
        if stripe_sandbox is not None:
            path = flask_app.url_map.bind("127.0.0.1").build("billing.receive_webhook")
            stripe_sandbox.state.add_webhook_endpoint(
                live.url + path, flask_app.config["STRIPE_WEBHOOK_SECRET"]
            )
        return live

    yield start
    threads.stop()
    for flask_app in apps:
        flask_app.extensions["kindred_db"].engine.dispose()


@pytest.fixture
def live_server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    return live_server_factory()


@pytest.fixture
def stripe_sandbox(origins: Origins) -> Iterator[StripeSandbox]:
    """The Stripe sandbox, served from a thread; pages may go to its hosted pages.

    Those pages imitate Stripe's; they are audited like ours. Wire an app to it with
    ``live_server_factory(stripe_sandbox=stripe_sandbox)``.
    """
    from devstack.stripe_sandbox import SandboxState, serve_in_thread

    state = SandboxState()
    server, url = serve_in_thread(state)
    origins.others.add(url)
    yield StripeSandbox(url=url, state=state)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def theme() -> str:
    """The colour scheme pages open in; parametrise ``theme`` to change it."""
    return "light"


@pytest.fixture
def page(
    browser: Browser, origins: Origins, theme: str, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A page in a fresh context, watched from its first request to teardown."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme=theme)
    context.set_default_timeout(10_000)
    page = context.new_page()
    record: PageRecord = watch(page, origins)
    yield page
    context.close()
    # A test that already failed may have stopped before auditing the page it was on.
    record.check_audits = not request.node.stash.get(CALL_FAILED, False)
    problems = record.problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
