"""The foundation's journey in a real browser: sign up, confirm by mail, log in, edit, log out."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import LiveServer, follow, main_nav, visit
from tests.helpers import DEFAULT_PASSWORD, links_in


def test_newcomer_signs_up_confirms_logs_in_edits_profile_and_logs_out(
    page: Page, live_server: LiveServer
):
    visit(page, live_server.url + "/")
    follow(page, main_nav(page).get_by_role("link", name="Sign up"))

    page.get_by_label("Email address").fill("grace@example.org")
    page.get_by_label("Handle").fill("grace")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    follow(page, page.get_by_role("button", name="Create account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    [message] = live_server.outbox
    assert message["To"] == "grace@example.org"
    [link] = links_in(message)
    assert link.startswith(live_server.url + "/verify/")
    visit(page, link)
    follow(page, page.get_by_role("button", name="Confirm my email address"))
    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")

    page.get_by_label("Email address or handle").fill("grace")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    follow(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_text("Welcome back, grace.")).to_be_visible()

    [cookie] = page.context.cookies()
    assert cookie["name"] == live_server.app.config["SESSION_COOKIE_NAME"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"

    follow(page, main_nav(page).get_by_role("link", name="Settings"))
    page.get_by_label("Display name").fill("Grace H.")
    page.get_by_label("About you").fill("Compilers, navy, and nanoseconds.")
    follow(page, page.get_by_role("button", name="Save profile"))
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    expect(page.get_by_label("Display name")).to_have_value("Grace H.")

    follow(page, page.get_by_role("link", name="See your profile"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace H.")
    expect(page.get_by_text("@grace")).to_be_visible()
    expect(page.get_by_text("Compilers, navy, and nanoseconds.")).to_be_visible()

    follow(page, main_nav(page).get_by_role("button", name="Log out"))
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    nav = main_nav(page)
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)

    visit(page, live_server.url + "/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
