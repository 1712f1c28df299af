"""Kindred on a phone, whatever people type: the header menu, long strings, screenshots.

Every page reached is audited (axe-core in both colour schemes, and our own checks).
Screenshots of the main pages, at 1280 and 390 px, are written to ``screenshots/`` at the
repository's root (ignored by git; ``KINDRED_SCREENSHOTS`` chooses another folder) for a
reviewer to look at; they are not compared pixel by pixel.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.db import db
from app.groups import moderation
from app.groups.models import Group, Post, Thread
from app.groups.permissions import access_to
from app.messages import services as messages
from tests.browser.helpers import LiveServer, audit, follow, log_in, main_nav, visit
from tests.helpers import DEFAULT_PASSWORD, add_to_group, make_account, make_member

PHONES = ({"width": 390, "height": 844}, {"width": 320, "height": 640})
WIDE = {"width": 1280, "height": 900}
SCREENSHOTS = Path(os.environ.get("KINDRED_SCREENSHOTS", Path(__file__).parents[2] / "screenshots"))


def unbroken(length: int, letter: str = "W") -> str:
    """A string with no place to break: the widest a person can type into a field."""
    return letter * length


def scrolls_sideways(page: Page) -> dict | None:
    """None if the page fits its viewport; else how wide it is and what sticks out."""
    widths = page.evaluate(
        """() => ({
            scroll: document.documentElement.scrollWidth,
            client: document.documentElement.clientWidth,
            body: document.body.scrollWidth,
        })"""
    )
    if widths["scroll"] <= widths["client"] and widths["body"] <= widths["client"]:
        return None
    widths["wide"] = page.evaluate(
        """width => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .slice(-5).map(e => e.outerHTML.slice(0, 100))""",
        widths["client"],
    )
    return widths


def assert_fits_every_phone(page: Page) -> None:
    """The page, already audited at 390 px, fits 390 and 320 px without scrolling sideways."""
    for viewport in PHONES:
        page.set_viewport_size(viewport)
        wide = scrolls_sideways(page)
        assert wide is None, f"{page.url} scrolls sideways at {viewport['width']} px: {wide}"
    page.set_viewport_size(PHONES[0])


# -- the header menu ---------------------------------------------------------------------


def test_header_menu_at_390_px_works_with_the_keyboard_alone(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        make_member("ada", display_name="Ada", admin=True)
    log_in(page, live_server.url, "ada", DEFAULT_PASSWORD)
    visit(page, live_server.url + "/about")

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Settings")).to_be_hidden()
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    menu = nav.locator("summary")
    expect(menu).to_be_focused()
    expect(menu).to_have_text("Menu")
    page.keyboard.press("Enter")
    expect(page.locator(".nav-menu")).to_have_attribute("open", "")
    audit(page)  # the open menu passes axe too, in both themes

    names = []
    for _ in range(9):
        page.keyboard.press("Tab")
        names.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert names == [
        "Groups",
        "Search",
        "My groups",
        "Messages",
        "Notifications",
        "Membership",
        "Admin",
        "Settings",
        "Log out",
    ]
    # Back to Settings, and Enter follows it.
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    expect(page.locator(".nav-menu")).not_to_have_attribute("open", "")

    # Space opens it too, and closes it again.
    menu.focus()
    page.keyboard.press(" ")
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    page.keyboard.press(" ")
    expect(nav.get_by_role("button", name="Log out")).to_be_hidden()


def test_wide_header_keeps_every_link_on_one_line(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        make_member("ada", display_name="Ada", admin=True)
    page.set_viewport_size({"width": 1000, "height": 800})  # just wider than the menu breakpoint
    log_in(page, live_server.url, "ada", DEFAULT_PASSWORD)
    expect(page.locator(".nav-menu")).to_be_hidden()
    middles = page.locator(".nav-wide > li").evaluate_all(
        "items => items.map(item => { const box = item.getBoundingClientRect();"
        " return Math.round(box.top + box.height / 2); })"
    )
    assert len(middles) == 9
    assert max(middles) - min(middles) <= 4, f"the header's links wrap: {middles}"
    assert scrolls_sideways(page) is None


# -- long strings everywhere -------------------------------------------------------------


@dataclass
class LongStrings:
    group_slug: str
    thread_path: str
    post_id: int
    conversation_path: str


def fill_every_field_with_long_strings(page: Page, live_server: LiveServer) -> LongStrings:
    """Ada (a member and admin) types the longest unbroken strings each field takes."""
    with live_server.app.app_context():
        make_member("ada", admin=True)
        bea = make_member("bea", display_name=unbroken(50, "B"))
        make_account("cai")
    base = live_server.url
    log_in(page, base, "ada", DEFAULT_PASSWORD)

    visit(page, base + "/settings")
    page.get_by_label("Display name").fill(unbroken(50))
    page.get_by_label("About you").fill(unbroken(200))
    follow(page, page.get_by_role("button", name="Save profile"))

    visit(page, base + "/groups/new")
    slug = unbroken(50, "w").lower()
    page.get_by_label("Name").fill(unbroken(80))
    page.get_by_label("Web address").fill(slug)
    page.get_by_label("Purpose").fill(unbroken(200))
    page.get_by_label("Description").fill(unbroken(200))
    follow(page, page.get_by_role("button", name="Start the group"))
    expect(page.get_by_role("heading", level=1)).to_have_text(unbroken(80))

    follow(page, page.get_by_role("link", name="Start a thread"))
    page.get_by_label("Title").fill(unbroken(150))
    page.get_by_label("First post").fill(unbroken(200))
    follow(page, page.get_by_role("button", name="Start the thread"))
    thread_path = page.url.removeprefix(base)
    page.get_by_label("Your reply").fill(unbroken(200))
    follow(page, page.get_by_role("button", name="Post reply"))

    with live_server.app.app_context():
        group = db.session.scalars(select(Group).where(Group.slug == slug)).one()
        bea = db.session.merge(bea)
        add_to_group(group, bea)
        posts = db.session.scalars(
            select(Post).join(Thread).where(Thread.group_id == group.id).order_by(Post.id)
        ).all()
        opener, reply = posts[0], posts[-1]
        moderation.report_post(access_to(group, bea), opener, "other", unbroken(200))
        moderation.report_post(access_to(group, bea), reply, "spam", unbroken(200))
        message = messages.start_conversation(bea, "ada", unbroken(200))
        db.session.commit()
        post_id, conversation_id = opener.id, message.conversation_id

    # Moderation reasons, typed into their forms.
    visit(page, f"{base}{thread_path}/lock")
    page.get_by_label("Reason").fill(unbroken(200))
    follow(page, page.locator("main form button[type=submit]"))
    visit(page, f"{base}/groups/{slug}/bans/new")
    page.get_by_label("Handle").fill("cai")
    page.get_by_label("Reason").fill(unbroken(200))
    follow(page, page.locator("main form button[type=submit]"))
    visit(page, base + "/admin/accounts/cai/suspend")
    page.get_by_label("Reason").fill(unbroken(200))
    follow(page, page.locator("main form button[type=submit]"))
    visit(page, base + "/admin/memberships")
    page.get_by_label("Handle").fill("cai")
    page.get_by_label("Reason").fill(unbroken(200))
    follow(page, page.get_by_role("button", name="Grant membership"))

    # A reply in the conversation, and the device's name.
    visit(page, f"{base}/messages/{conversation_id}")
    page.get_by_label("Message").fill(unbroken(200))
    follow(page, page.get_by_role("button", name="Send", exact=True))
    visit(page, base + "/settings/sessions")
    page.get_by_label("Name this device").fill(unbroken(50))
    follow(page, page.get_by_role("button", name="Save the name"))
    return LongStrings(slug, thread_path, post_id, f"/messages/{conversation_id}")


def test_no_page_scrolls_sideways_whatever_people_type(page: Page, live_server: LiveServer):
    typed = fill_every_field_with_long_strings(page, live_server)
    slug, post = typed.group_slug, typed.post_id
    pages = [
        "/",
        "/groups",
        f"/groups?q={unbroken(100)}",
        "/groups/mine",
        f"/groups/{slug}",
        f"/groups/{slug}/unanswered",
        f"/groups/{slug}/members",
        f"/groups/{slug}/log",
        f"/groups/{slug}/reports",
        f"/groups/{slug}/settings",
        typed.thread_path,
        f"/groups/{slug}/posts/{post}/edit",
        f"/groups/{slug}/posts/{post}/report",
        f"/groups/{slug}/posts/{post}/hide",
        f"/search?q={unbroken(100)}",
        f"/search?q={unbroken(50)}",
        "/u/ada",
        "/u/bea",
        "/settings",
        "/settings/sessions",
        "/messages",
        typed.conversation_path,
        "/messages/new?to=bea",
        "/notifications",
        "/membership",
        "/admin/accounts",
        "/admin/log",
        "/admin/reports",
        "/admin/memberships",
    ]
    for path in pages:
        visit(page, live_server.url + path)
        assert_fits_every_phone(page)

    # A form sent back with errors shows what was typed, and still fits.
    visit(page, f"{live_server.url}/groups/{slug}/threads/new")
    page.get_by_label("Title").fill(unbroken(150))
    follow(page, page.get_by_role("button", name="Start the thread"), status=400)
    expect(page.get_by_label("Title")).to_have_value(unbroken(150))
    assert_fits_every_phone(page)


def test_long_text_wraps_and_stays_readable_in_full(page: Page, live_server: LiveServer):
    typed = fill_every_field_with_long_strings(page, live_server)
    visit(page, live_server.url + typed.thread_path)
    title = page.get_by_role("heading", level=1)
    expect(title).to_have_text(unbroken(150))  # all of it is there, broken over lines
    box = title.bounding_box()
    assert box is not None and box["width"] <= PHONES[0]["width"]
    assert box["height"] > 3 * 20  # wrapped, not cut off
    visit(page, live_server.url + "/admin/accounts")
    expect(page.get_by_role("cell", name=re.compile(unbroken(200)))).to_be_visible()


# -- the membership page and the group page ------------------------------------------------


def test_group_page_keeps_leave_apart_from_its_main_actions(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        from tests.helpers import make_group

        ada = make_member("ada")
        bea = make_member("bea")
        add_to_group(make_group(ada), bea)
    log_in(page, live_server.url, "bea", DEFAULT_PASSWORD)
    visit(page, live_server.url + "/groups/gardens")
    start = page.get_by_role("link", name="Start a thread")
    leave = page.get_by_role("button", name="Leave this group")
    expect(leave).not_to_have_class(re.compile(r"\bbutton\b(?!-)"))
    assert page.locator(".actions").filter(has=start).filter(has=leave).count() == 0
    start_box, leave_box = start.bounding_box(), leave.bounding_box()
    assert start_box and leave_box
    # Not right under the main action: the whole list of threads lies between them.
    assert leave_box["y"] > start_box["y"] + 3 * start_box["height"]
    expect(page.get_by_role("heading", name="Threads")).to_be_visible()
    threads_top = page.get_by_role("heading", name="Threads").bounding_box()
    assert threads_top and leave_box["y"] > threads_top["y"]


def test_membership_page_has_no_gap_above_its_panel(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        make_account("ada")
    log_in(page, live_server.url, "ada", DEFAULT_PASSWORD)
    visit(page, live_server.url + "/membership")
    panel = page.locator("main .panel").first
    heading = panel.get_by_role("heading", level=2)
    panel_box, heading_box = panel.bounding_box(), heading.bounding_box()
    assert panel_box and heading_box
    assert heading_box["y"] - panel_box["y"] <= 20  # the panel's padding, nothing more
    expect(page.get_by_role("button", name="Manage billing")).to_have_count(0)


def test_a_thread_prints_as_plain_text_without_the_controls(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        from tests.helpers import make_group, make_reply, make_thread

        ada = make_member("ada")
        thread = make_thread(make_group(ada), ada, "Seed swaps", "Who has **tomatoes**?")
        make_reply(thread, ada, "I do.")
        path = f"/groups/gardens/threads/{thread.id}"
    log_in(page, live_server.url, "ada", DEFAULT_PASSWORD)
    visit(page, live_server.url + path)
    expect(page.get_by_role("heading", name="Reply")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_label("Your reply")).to_be_hidden()
    expect(page.locator("article.post")).to_have_count(2)
    expect(page.locator("article.post").first).to_be_visible()
    colour = page.locator("article.post .post-body").first.evaluate(
        "e => getComputedStyle(e).color"
    )
    assert colour == "rgb(0, 0, 0)"
    page.emulate_media(media="screen")


def test_reduced_motion_turns_transitions_off(page: Page, live_server: LiveServer):
    visit(page, live_server.url + "/login")
    button = page.get_by_role("button", name="Log in")
    assert button.evaluate("e => getComputedStyle(e).transitionDuration") != "0s"
    page.emulate_media(reduced_motion="reduce")
    assert button.evaluate("e => getComputedStyle(e).transitionDuration") == "0s"


# -- screenshots --------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_the_main_pages(page: Page, live_server: LiveServer, theme: str):
    with live_server.app.app_context():
        from devstack.demo import load_demo_community

        load_demo_community()
        db.session.commit()
    folder = SCREENSHOTS / theme
    folder.mkdir(parents=True, exist_ok=True)
    shots = [("visitor-home", "/"), ("visitor-groups", "/groups"), ("login", "/login")]
    for name, path in shots:
        _shoot(page, live_server.url + path, folder, name)
    log_in(page, live_server.url, "ada", "amber-lantern-river")
    visit(page, live_server.url + "/groups/mine")
    first_group = page.locator("main .list-plain a").first.get_attribute("href")
    shots = [
        ("home", "/"),
        ("my-groups", "/groups/mine"),
        ("thread", first_group),
        ("membership", "/membership"),
        ("settings", "/settings"),
        ("messages", "/messages"),
        ("admin-accounts", "/admin/accounts"),
    ]
    for name, path in shots:
        _shoot(page, live_server.url + path, folder, name)
    page.set_viewport_size(PHONES[0])
    visit(page, live_server.url + "/groups")
    main_nav(page)
    page.screenshot(path=folder / "menu-open-390.png")
    assert (folder / "menu-open-390.png").stat().st_size > 0


def _shoot(page: Page, url: str, folder: Path, name: str) -> None:
    for width, viewport in ((1280, WIDE), (390, PHONES[0])):
        page.set_viewport_size(viewport)
        visit(page, url)
        path = folder / f"{name}-{width}.png"
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 0
