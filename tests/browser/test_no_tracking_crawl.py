"""No tracking, proved: a crawl of the demo community as everyone who uses Kindred.

As a signed-out visitor, an account that is not a member, a member, a moderator and a
site admin, the crawl follows the links on every page it reaches (and submits the safe
GET forms, such as the group search), auditing each page (axe-core and our own checks).
It fails on any request to another origin (the ``page`` fixture), any cookie but the
session cookie, a cookie for a visitor on a page without a form, any HTML response
without the Content-Security-Policy, and any image from elsewhere. The seeded data
includes a post with a remote image and a remote link. The crawl is bounded: each shape
of address (digits folded) is visited once per person, at most ``PAGES`` per person.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from playwright.sync_api import Page, Response

from app.groups import services as groups
from app.groups.permissions import access_to
from devstack.demo import PEOPLE, load_demo_community
from tests.browser.helpers import LiveServer, audit, log_in, visit

PAGES = 22
REMOTE_IMAGE = "https://pixels.example.com/track.gif"
REMOTE_LINK = "https://elsewhere.example.com/article"
PASSWORDS = {person.handle: person.password for person in PEOPLE}
# Who crawls: nobody signed in; eve (an account, not a member); cai (a member); dev (a
# moderator of Balcony gardens); ada (a site admin).
CRAWLERS = [None, "eve", "cai", "dev", "ada"]


@dataclass
class Findings:
    base: str
    session_cookie: str
    problems: list[str] = field(default_factory=list)
    html_responses: int = 0

    def watch(self, page: Page, signed_out: bool) -> None:
        def on_response(response: Response) -> None:
            if not response.url.startswith(self.base):
                return
            headers = response.headers
            if headers.get("content-type", "").startswith("text/html"):
                self.html_responses += 1
                csp = headers.get("content-security-policy", "")
                if "default-src 'none'" not in csp:
                    self.problems.append(f"no Content-Security-Policy on {response.url}")
            if signed_out and "set-cookie" in headers and response.request.method == "GET":
                self.cookie_pages.append(response.url)

        self.cookie_pages: list[str] = []
        page.on("response", on_response)


def shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted(re.findall(r"([^&=]+)=", parts.query))
    path = re.sub(r"/(u|accounts|members|bans)/[^/]+", r"/\1/H", parts.path)
    return re.sub(r"\d+", "N", path) + "?" + "&".join(keys)


def links_on(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if href.startswith(base) and parts.scheme in {"http", "https"}:
            found.append(urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")))
    return found


def check_page(page: Page, findings: Findings, signed_out: bool) -> None:
    names = {cookie["name"] for cookie in page.context.cookies()}
    if names - {findings.session_cookie}:
        findings.problems.append(f"cookies other than the session's on {page.url}: {names}")
    images = page.eval_on_selector_all("img", "images => images.map(i => i.currentSrc || i.src)")
    for source in images:
        if not source.startswith(findings.base):
            findings.problems.append(f"an image from elsewhere on {page.url}: {source}")
    visitor_cookie = signed_out and page.url in findings.cookie_pages
    if visitor_cookie and page.locator("form[method=post]").count() == 0:
        findings.problems.append(f"a cookie for a visitor on a page without a form: {page.url}")


def submit_get_form(page: Page, findings: Findings, signed_out: bool, done: set[str]) -> None:
    """Fill and submit the page's first GET form not tried yet (its results are audited)."""
    forms = page.locator("form[method=get]")
    for index in range(forms.count()):
        form = forms.nth(index)
        action = urljoin(page.url, form.get_attribute("action") or page.url)
        if action in done:
            continue
        done.add(action)
        fields = form.locator("input[type=search], input[type=text]")
        for field_index in range(fields.count()):
            fields.nth(field_index).fill("garden")
        with page.expect_navigation() as navigation:
            form.locator("button[type=submit], button:not([type])").first.click()
        assert navigation.value is not None and navigation.value.status == 200, action
        audit(page)
        check_page(page, findings, signed_out)
        return


def crawl(page: Page, findings: Findings, signed_out: bool) -> set[str]:
    queue, seen_shapes, visited, forms_done = deque([findings.base + "/"]), set(), set(), set()
    while queue and len(visited) < PAGES:
        url = queue.popleft()
        if url in visited or shape(url) in seen_shapes:
            continue
        seen_shapes.add(shape(url))
        visited.add(url)
        visit(page, url)
        check_page(page, findings, signed_out)
        queue.extend(link for link in links_on(page, findings.base) if link not in visited)
        submit_get_form(page, findings, signed_out, forms_done)
    return visited


@pytest.fixture
def demo(live_server: LiveServer):
    """The demo community, and a post by cai with a remote image and a remote link."""
    with live_server.app.app_context():
        people = load_demo_community()
        from sqlalchemy import select

        from app.db import db
        from app.groups.models import Group

        gardens = db.session.scalar(select(Group).where(Group.slug == "balcony-gardens"))
        thread = groups.start_thread(
            access_to(gardens, people["cai"]),
            "A photo of my seedlings",
            f"Here they are: ![seedlings]({REMOTE_IMAGE}) and [the guide I used]({REMOTE_LINK}).",
        )
        db.session.commit()
        return thread.id


@pytest.mark.parametrize("handle", CRAWLERS, ids=lambda h: h or "visitor")
def test_crawl_finds_no_tracking_anywhere(page: Page, live_server: LiveServer, demo, handle):
    findings = Findings(live_server.url, live_server.app.config["SESSION_COOKIE_NAME"])
    signed_out = handle is None
    findings.watch(page, signed_out)
    if not signed_out:
        log_in(page, live_server.url, handle, PASSWORDS[handle])
    visited = crawl(page, findings, signed_out)

    visit(page, f"{live_server.url}/groups/balcony-gardens/threads/{demo}")
    check_page(page, findings, signed_out)
    link = page.get_by_role("link", name="seedlings")
    assert link.get_attribute("href") == REMOTE_IMAGE  # the image became a link
    assert page.get_by_role("link", name="the guide I used").get_attribute("href") == REMOTE_LINK
    # No image in what people wrote; the only images are Kindred's own initials avatars.
    assert page.locator(".post-body img").count() == 0
    avatars = page.eval_on_selector_all("img", "images => images.map(i => i.currentSrc || i.src)")
    assert all(src.startswith(f"{live_server.url}/avatars/") for src in avatars), avatars

    assert len(visited) >= 8, visited
    assert findings.html_responses >= len(visited)
    assert findings.problems == []
