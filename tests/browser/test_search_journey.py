"""Search in a real browser, at 390 px, every page audited: a signed-out reader finds a
thread from the header; a member finds a reply within a private group from its page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.db import db
from app.groups import moderation
from app.groups.permissions import access_to
from tests.browser.conftest import LiveServer
from tests.browser.helpers import follow, log_in, main_nav, visit
from tests.helpers import (
    DEFAULT_PASSWORD,
    add_to_group,
    make_group,
    make_member,
    make_reply,
    make_thread,
)


def test_readers_find_threads_and_replies_again(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        ana = make_member("ana", display_name="Ana")
        bob = make_member("bob", display_name="Bob")
        gardens = make_group(ana, "gardens", name="Small gardens")
        add_to_group(gardens, bob)
        thread = make_thread(gardens, ana, "Tomatoes in pots", "How deep should a pot be?")
        make_reply(thread, bob, "Thirty centimetres, and **plenty** of water.")
        owls = make_group(ana, "night-owls", name="Night owls", visibility="private")
        add_to_group(owls, bob)
        secret = make_thread(owls, ana, "Radio plays", "Tomatoes and radio plays at 2am.")
        spam = make_reply(secret, bob, "Tomatoes for sale, cheap!")
        moderation.hide_post(access_to(owls, ana), spam, "Spam")
        db.session.commit()
    base = live_server.url

    # A signed-out reader searches from the header: public posts only, words marked.
    visit(page, f"{base}/")
    follow(page, main_nav(page).get_by_role("link", name="Search"))
    page.get_by_label("Words to find").fill("tomatoes")
    follow(page, page.get_by_role("button", name="Search", exact=True))
    results = page.get_by_role("list").filter(has_text="Small gardens")
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results.locator("mark").first).to_have_text("Tomatoes")
    expect(page.get_by_text("Radio plays")).to_have_count(0)
    follow(page, results.get_by_role("link", name="Tomatoes in pots"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tomatoes in pots")

    # Bob, a member of the private group, searches in it from its page, best match first.
    log_in(page, base, "bob", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/night-owls")
    follow(page, page.get_by_role("link", name="Search this group"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Search in Night owls")
    page.get_by_label("Words to find").fill("radio tomatoes")
    page.get_by_label("Best match first").check()
    follow(page, page.get_by_role("button", name="Search", exact=True))
    expect(page.get_by_role("link", name="Radio plays")).to_be_visible()
    # The hidden reply is never found, not even by its own words.
    expect(page.get_by_text("for sale")).to_have_count(0)
    page.get_by_label("Words to find").fill("sale cheap")
    follow(page, page.get_by_role("button", name="Search", exact=True))
    expect(page.get_by_text("Nothing you can read in Night owls holds")).to_be_visible()

    # Everywhere he can read: the reply in the public group, linked where it is.
    page.get_by_label("Words to find").fill('"thirty centimetres"')
    page.get_by_label("In every group you can read").check()
    follow(page, page.get_by_role("button", name="Search", exact=True))
    follow(page, page.get_by_role("link", name="Go to this reply in its thread"))
    expect(page.get_by_text("Thirty centimetres, and")).to_be_visible()
