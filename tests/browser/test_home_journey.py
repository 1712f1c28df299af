"""Home in a real browser: a new reply in one's group, its link landing on that post, no
longer new once read; a non-member's home offers membership; the landing page sets no
cookie. Every page reached is audited (axe-core and our own checks)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import follow, log_in, visit
from tests.helpers import (
    DEFAULT_PASSWORD,
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_reply,
    make_thread,
)


def test_a_new_reply_is_on_home_its_link_lands_on_it_and_once_read_it_is_not_new(
    page: Page, live_server: LiveServer
):
    with live_server.app.app_context():
        bea = make_member("bea", display_name="Bea")
        cai = make_member("cai", display_name="Cai")
        group = make_group(bea, "gardens", name="Gardens")
        add_to_group(group, cai)
        thread = make_thread(group, bea, "Tomatoes indoors?", "Four hours of light, enough?")
        thread_id = thread.id
    base = live_server.url

    log_in(page, base, "bea", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/gardens/threads/{thread_id}")
    visit(page, f"{base}/")
    expect(page.get_by_text("Nothing new in your groups since you last read them.")).to_be_visible()

    with live_server.app.app_context():
        from app.db import db
        from app.groups.models import Thread

        reply = make_reply(db.session.get(Thread, thread_id), cai, "A south window works.")
        reply_id = reply.id
    visit(page, f"{base}/")
    groups = page.get_by_role("region", name="Gardens")
    expect(groups.get_by_text("new replies")).to_be_visible()
    follow(page, groups.get_by_role("link", name="Tomatoes indoors?", exact=True))
    assert page.url.endswith(f"#post-{reply_id}")
    expect(page.locator(f"#post-{reply_id}")).to_contain_text("A south window works.")
    expect(page.locator(f"#post-{reply_id}").locator("time")).to_have_text("just now")

    visit(page, f"{base}/")
    expect(page.get_by_text("Nothing new in your groups since you last read them.")).to_be_visible()
    expect(page.get_by_role("link", name="Tomatoes indoors?", exact=True)).to_have_count(0)


def test_a_non_members_home_offers_membership_without_nagging_elsewhere(
    page: Page, live_server: LiveServer
):
    with live_server.app.app_context():
        make_account("ann")
        host = make_member("bea")
        make_thread(make_group(host, "gardens", name="Gardens"), host, "Seed swap")
    base = live_server.url
    log_in(page, base, "ann", DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    needs = page.get_by_role("region", name="What needs you")
    expect(needs.get_by_role("button", name="Become a member — $25 a year")).to_be_visible()
    expect(page.get_by_role("link", name="Gardens", exact=True)).to_be_visible()
    visit(page, f"{base}/groups")
    expect(page.get_by_role("button", name="Become a member — $25 a year")).to_have_count(0)


def test_the_landing_page_sets_no_cookie(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        host = make_member("bea")
        make_thread(make_group(host, "gardens", name="Gardens"), host, "Seed swap")
    visit(page, f"{live_server.url}/")
    assert page.context.cookies() == []
    expect(page.get_by_role("heading", level=1)).to_have_text("A home for communities of purpose")
    expect(page.get_by_text("$25 a year").first).to_be_visible()
    expect(page.get_by_role("link", name="Seed swap", exact=True)).to_be_visible()
    follow(page, page.get_by_role("link", name="Seed swap", exact=True))
    assert page.context.cookies() == []
