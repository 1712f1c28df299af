"""The browser harness itself catches what it promises to: leaks, CSP trouble, bad pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.helpers import VIEWPORT, LiveServer, Origins, PageRecord, audit, visit, watch

ELSEWHERE = "http://127.0.0.2:9/pixel.png"


@pytest.fixture
def watched(browser: Browser, origins: Origins) -> Iterator[tuple[Page, PageRecord]]:
    """A page watched like the ``page`` fixture's, whose problems the test inspects itself."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page, watch(page, origins)
    context.close()


def test_requests_to_other_origins_and_csp_violations_are_reported(
    watched: tuple[Page, PageRecord], live_server: LiveServer
):
    page, record = watched
    visit(page, live_server.url + "/about")
    assert record.problems() == []

    with page.expect_request(ELSEWHERE), page.expect_console_message():
        page.evaluate(
            f"document.querySelector('main').innerHTML += '<img alt=\"\" src=\"{ELSEWHERE}\">'"
        )

    [leak, console] = record.problems()
    assert ELSEWHERE in leak
    assert live_server.url in leak
    assert "Content Security Policy" in console


def test_a_page_loaded_without_audit_is_reported(
    watched: tuple[Page, PageRecord], live_server: LiveServer
):
    page, record = watched
    page.goto(live_server.url + "/privacy")
    page.wait_for_load_state("load")

    [problem] = record.problems()
    assert "not audited" in problem
    assert live_server.url + "/privacy" in problem


def test_audit_names_axe_violations_and_our_own_findings(
    watched: tuple[Page, PageRecord], live_server: LiveServer
):
    page, _ = watched
    visit(page, live_server.url + "/about")
    page.evaluate(
        """document.querySelector('main').insertAdjacentHTML('beforeend',
            '<img src="/static/favicon.svg"><h1 id="content">Again</h1><p>' + 'x'.repeat(400))"""
    )
    # Long words wrap (kindred.css), so make something wider than a phone on purpose.
    page.evaluate(
        """() => {
            const wide = document.querySelector('main').appendChild(document.createElement('p'));
            wide.textContent = 'wide';
            Object.assign(wide.style, {width: '800px', height: '2rem'});
        }"""
    )

    with pytest.raises(pytest.fail.Exception) as failure:
        audit(page)

    message = str(failure.value)
    assert "axe image-alt (critical, light theme)" in message
    assert "axe image-alt (critical, dark theme)" in message
    assert "found 2" in message
    assert "ids used more than once" in message
    assert "wide at a 390px viewport" in message
