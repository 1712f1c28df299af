"""Moving through pages in a real browser, auditing each one as it is reached.

``visit(page, url)`` and ``follow(page, locator)`` navigate, check the status and call
``audit(page)`` on Kindred's pages: axe-core's rules in both colour schemes (light and
dark) plus our own (one ``h1``, unique ids, a ``main``, nothing wider than the viewport).
The ``page`` fixture fails any test that loads a Kindred page without auditing it.
``main_nav(page)`` is the header's navigation, its phone menu opened when it is collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import ConsoleMessage, Locator, Page, Request, Response

from app.mail import outbox

VIEWPORT = {"width": 390, "height": 844}
THEMES = ("light", "dark")
LOCAL_SCHEMES = {"about", "blob", "data"}

# axe-core's defaults plus WCAG 2.2 AA's target size (2.5.8), which axe leaves off by default.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
_axe = Axe()
_records: WeakKeyDictionary[Page, PageRecord] = WeakKeyDictionary()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class LiveServer:
    """A Kindred app served over HTTP at ``url`` (no trailing slash)."""

    url: str
    app: Flask

    @property
    def outbox(self) -> list[EmailMessage]:
        """Every message the app has sent, oldest first."""
        return outbox(self.app)


@dataclass
class StripeSandbox:
    """The local Stripe sandbox at ``url``; ``state`` is its ``SandboxState``."""

    url: str
    state: Any


@dataclass
class Origins:
    """Where a test's pages may go: its Kindred servers and test doubles (the sandbox)."""

    kindred: set[str] = field(default_factory=set)
    others: set[str] = field(default_factory=set)

    @property
    def allowed(self) -> set[str]:
        return self.kindred | self.others


@dataclass
class PageRecord:
    """What a page did: every request, console trouble, Kindred pages loaded and audited."""

    origins: Origins
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)
    audited: dict[float, str] = field(default_factory=dict)
    check_audits: bool = True

    def foreign_requests(self) -> list[str]:
        allowed = self.origins.allowed
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in LOCAL_SCHEMES and origin_of(url) not in allowed
        ]

    def problems(self) -> list[str]:
        """Everything that should fail the test, as readable lines; empty if all is well."""
        problems = []
        if foreign := self.foreign_requests():
            allowed = ", ".join(sorted(self.origins.allowed)) or "none"
            problems.append(
                f"requests left the allowed origins ({allowed}):\n  " + "\n  ".join(foreign)
            )
        if self.console_errors:
            problems.append("the console reported:\n  " + "\n  ".join(self.console_errors))
        if self.check_audits and len(self.loads) > len(self.audited):
            unaudited = [url for url in self.loads if url not in self.audited.values()]
            problems.append(
                f"{len(self.loads)} Kindred pages loaded, {len(self.audited)} audited "
                "(navigate with visit() or follow(), or call audit()); not audited:\n  "
                + "\n  ".join(unaudited or self.loads)
            )
        return problems


def watch(page: Page, origins: Origins) -> PageRecord:
    """Record every request of the page's context, CSP and script errors, and page loads."""
    record = PageRecord(origins)
    _records[page] = record

    def on_request(request: Request) -> None:
        record.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            record.console_errors.append(f"{message.type}: {message.text}")

    def on_page_error(error: Exception) -> None:
        record.console_errors.append(f"script error: {error}")

    def on_load(loaded: Page) -> None:
        if origin_of(loaded.url) in origins.kindred:
            record.loads.append(loaded.url)

    page.context.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("load", on_load)
    return record


def audit(page: Page) -> None:
    """Fail unless the current page passes axe-core and our own checks.

    axe runs once in each colour scheme (the page is emulated dark, then light, and left
    in the scheme it had), so both themes keep AA contrast. Ours: exactly one ``h1``,
    unique ids (axe no longer checks them, yet a repeated id silently takes a field's label
    away), exactly one ``main``, and no horizontal scrolling at the viewport's width
    (390 px, a small phone, unless the test chose another).
    """
    record = _records.get(page)
    if record is not None:
        record.audited[page.evaluate("performance.timeOrigin")] = page.url
    problems = []
    scheme = current_color_scheme(page)
    for theme in sorted(THEMES, key=lambda theme: theme == scheme):
        page.emulate_media(color_scheme=theme)
        # Colours may ease from one scheme to the other: audit where they arrive.
        page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
        for violation in _axe.run(page, options=AXE_OPTIONS).response["violations"]:
            targets = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
            problems.append(
                f"axe {violation['id']} ({violation['impact']}, {theme} theme): "
                f"{violation['help']} -- {targets}"
            )
    headings = page.locator("h1").count()
    if headings != 1:
        problems.append(f"expected exactly one h1, found {headings}")
    duplicates = page.evaluate(
        """() => {
            const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
            return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
        }"""
    )
    if duplicates:
        problems.append(f"ids used more than once (labels may point elsewhere): {duplicates}")
    mains = page.locator("main").count()
    if mains != 1:
        problems.append(f"expected exactly one main element, found {mains}")
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"] if page.viewport_size else VIEWPORT["width"]
    if width > viewport:
        wide = page.evaluate(
            """width => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width)
                .slice(0, 5).map(e => e.outerHTML.slice(0, 120))""",
            viewport,
        )
        problems.append(f"page is {width}px wide at a {viewport}px viewport; too wide: {wide}")
    if problems:
        pytest.fail(f"{page.url} fails its audit:\n" + "\n".join(problems), pytrace=False)


def current_color_scheme(page: Page) -> str:
    """The colour scheme the page is shown in now: "dark" or "light"."""
    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    return "dark" if dark else "light"


def main_nav(page: Page) -> Locator:
    """The header's "Main" navigation, with its phone menu opened if it is collapsed.

    On a phone the links sit behind "Menu" (a ``<details>``), as a person would find them.
    """
    menu = page.locator(".nav-menu")
    if menu.locator("summary").is_visible() and menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return page.get_by_role("navigation", name="Main")


def _check_status(response: Response | None, status: int, what: str) -> Response:
    assert response is not None, f"{what}: no response"
    assert response.status == status, f"{what}: expected {status}, got {response.status}"
    return response


def visit(page: Page, url: str, status: int = 200) -> Response:
    """Open ``url``, check its status and audit it."""
    response = _check_status(page.goto(url), status, f"GET {url}")
    audit(page)
    return response


def follow(page: Page, target: Locator, status: int = 200) -> Response:
    """Click a link or button that leads to another page, check its status and audit it.

    The Stripe sandbox's hosted pages are audited too: newcomers pay on them in `make run`.
    """
    with page.expect_navigation() as navigation:
        target.click()
    response = _check_status(navigation.value, status, f"after clicking {target}")
    audit(page)
    return response


def log_in(page: Page, base_url: str, identifier: str, password: str) -> None:
    """Log in through the real form (CSRF token and all) and land on the home page."""
    visit(page, f"{base_url}/login")
    page.get_by_label("Email address or handle").fill(identifier)
    page.get_by_label("Password", exact=True).fill(password)
    follow(page, page.get_by_role("button", name="Log in"))
