"""Groups in a real browser: a private group, an invitation, a conversation, moderation.

Every page reached is audited (axe-core and our own checks).
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.db import db
from devstack.demo_groups import load_demo_groups
from tests.browser.conftest import LiveServer
from tests.browser.helpers import follow, log_in, main_nav, visit
from tests.helpers import DEFAULT_PASSWORD, make_account, make_member


def _log_out(page: Page) -> None:
    follow(page, main_nav(page).get_by_role("button", name="Log out", exact=True))


def test_private_group_invitation_conversation_and_open_moderation(
    page: Page, live_server: LiveServer
):
    with live_server.app.app_context():
        make_member("ana", display_name="Ana")
        make_member("bob", display_name="Bob")
        make_member("eve", display_name="Eve")
    base = live_server.url

    # Ana starts a private group.
    log_in(page, base, "ana", DEFAULT_PASSWORD)
    follow(
        page,
        main_nav(page).get_by_role("link", name="Groups", exact=True),
    )
    follow(page, page.get_by_role("link", name="start a group", exact=True))
    page.get_by_label("Name").fill("Night owls")
    page.get_by_label("Web address").fill("night-owls")
    page.get_by_label("Purpose").fill("People who do their best thinking after midnight.")
    page.get_by_label("Private: only its members know it exists").check()
    page.get_by_label("By invitation: hosts invite people by handle").check()
    follow(page, page.get_by_role("button", name="Start the group", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Night owls")

    # She invites Bo and opens a thread.
    follow(page, page.get_by_role("link", name="Members", exact=True))
    page.get_by_label("Handle").fill("bob")
    follow(page, page.get_by_role("button", name="Invite", exact=True))
    expect(page.get_by_role("status")).to_have_text("@bob is invited.")
    follow(page, page.get_by_role("link", name="Threads", exact=True))
    follow(page, page.get_by_role("link", name="Start a thread", exact=True))
    page.get_by_label("Title").fill("What keeps you up?")
    page.get_by_label("First post").fill("For me it is **old radio plays**.")
    follow(page, page.get_by_role("button", name="Start the thread", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("What keeps you up?")
    _log_out(page)

    # Bo accepts from "My groups" and replies, quoting Ana.
    log_in(page, base, "bob", DEFAULT_PASSWORD)
    follow(page, main_nav(page).get_by_role("link", name="My groups", exact=True))
    follow(page, page.get_by_role("button", name="Accept the invitation to Night owls", exact=True))
    follow(page, page.get_by_role("link", name="What keeps you up?", exact=True))
    follow(page, page.get_by_role("link", name="Quote this post", exact=True))
    expect(page.get_by_label("Your reply")).to_contain_text("@ana wrote:")
    page.get_by_label("Your reply").press("End")
    page.get_by_label("Your reply").press_sequentially("Crosswords, mostly.")
    follow(page, page.get_by_role("button", name="Post reply", exact=True))
    expect(page.get_by_text("Crosswords, mostly.")).to_be_visible()
    _log_out(page)

    # Ana makes Bo a moderator, then posts something off-topic.
    log_in(page, base, "ana", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/night-owls/members")
    page.get_by_label("Role of @bob").select_option("moderator")
    follow(page, page.get_by_role("button", name="Change role of @bob", exact=True))
    visit(page, f"{base}/groups/night-owls")
    follow(page, page.get_by_role("link", name="What keeps you up?", exact=True))
    page.get_by_label("Your reply").fill("Selling my old bicycle, anyone?")
    follow(page, page.get_by_role("button", name="Post reply", exact=True))
    _log_out(page)

    # Bo, now a moderator, hides it; the log says who, what and why.
    log_in(page, base, "bob", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/night-owls")
    follow(page, page.get_by_role("link", name="What keeps you up?", exact=True))
    page.get_by_text("Moderate this post").last.click()
    follow(page, page.get_by_role("link", name="Hide this post", exact=True).last)
    page.get_by_label("Reason (shown in the moderation log)").fill("Off-topic: no sales here.")
    follow(page, page.get_by_role("button", name="Hide a post", exact=True))
    expect(page.get_by_text("Removed by moderators.")).to_be_visible()
    expect(page.get_by_text("Selling my old bicycle")).not_to_be_visible()
    follow(page, page.get_by_role("link", name="Night owls", exact=True))
    follow(page, page.get_by_role("link", name="Moderation log", exact=True))
    row = page.get_by_role("row").filter(has_text="@bob (moderator)")
    expect(row).to_contain_text("hid reply")
    expect(row).to_contain_text("Off-topic: no sales here.")
    _log_out(page)

    # Eve cannot find the group anywhere.
    log_in(page, base, "eve", DEFAULT_PASSWORD)
    follow(
        page,
        main_nav(page).get_by_role("link", name="Groups", exact=True),
    )
    expect(page.get_by_text("Night owls")).to_have_count(0)
    page.get_by_label("Search by name or purpose").fill("owls")
    follow(page, page.get_by_role("button", name="Search", exact=True))
    expect(page.get_by_text("Night owls")).to_have_count(0)
    follow(page, main_nav(page).get_by_role("link", name="My groups", exact=True))
    expect(page.get_by_text("What keeps you up?")).to_have_count(0)
    for path in ("", "/log"):
        visit(page, f"{base}/groups/night-owls{path}", status=404)


def test_every_group_page_passes_the_audit(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        accounts = {handle: make_member(handle) for handle in ("ada", "bea", "cai", "dev")}
        accounts["ada"].is_admin = True
        accounts["eve"] = make_account("eve")
        load_demo_groups(accounts)
        db.session.commit()
    base = live_server.url
    visit(page, f"{base}/groups/balcony-gardens")
    visit(page, f"{base}/groups/balcony-gardens/threads/1")

    log_in(page, base, "eve", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/slow-readers")
    page.get_by_label("A note to the hosts (optional)").fill("I read slowly too.")
    follow(page, page.get_by_role("button", name="Ask to join", exact=True))
    expect(page.get_by_role("status")).to_have_text(
        "Your request is sent. The hosts will answer it."
    )
    _log_out(page)

    log_in(page, base, "dev", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/slow-readers/members")
    expect(page.get_by_text("I read slowly too.")).to_be_visible()
    page.get_by_label("Message to @eve (optional)").fill("Welcome, Eve.")
    follow(page, page.get_by_role("button", name="Approve @eve", exact=True))
    expect(page.get_by_role("status")).to_have_text("Request from @eve: approved.")
    for path in (
        "/groups/balcony-gardens/unanswered",
        "/groups/balcony-gardens/reports",
        "/groups/balcony-gardens/bans/new",
        "/groups/balcony-gardens/threads/new",
        "/groups/slow-readers",
        "/groups/slow-readers/settings",
    ):
        visit(page, base + path)
    visit(page, f"{base}/groups/balcony-gardens/threads/3")
    page.get_by_text("Moderate this thread", exact=True).click()
    follow(page, page.get_by_role("link", name="Lock this thread", exact=True))
    follow(page, page.get_by_role("button", name="Lock a thread", exact=True), status=400)
    expect(page.get_by_text("Say why")).to_be_visible()
    visit(page, f"{base}/groups/balcony-gardens/threads/1")
    follow(page, page.get_by_role("link", name="Report this post", exact=True).first)
    follow(page, page.get_by_role("button", name="Send report", exact=True), status=400)
    page.get_by_label("Spam").check()
    follow(page, page.get_by_role("button", name="Send report", exact=True))
    visit(page, f"{base}/groups/balcony-gardens/reports")
    _log_out(page)

    log_in(page, base, "ada", DEFAULT_PASSWORD)
    for path in ("/admin/accounts", "/admin/reports", "/admin/log", "/admin/accounts/eve/suspend"):
        visit(page, base + path)
    follow(page, page.get_by_role("button", name="Suspend @eve", exact=True), status=400)
    page.get_by_label("Reason (shown in the site's moderation log)").fill("Testing")
    follow(page, page.get_by_role("button", name="Suspend @eve", exact=True))
    visit(page, f"{base}/groups/operators")
    visit(page, f"{base}/groups/balcony-gardens/threads/3")
    follow(page, page.get_by_role("link", name="Edit your post", exact=True))
    page.get_by_label("Post").fill("Be kind, stay on topic, and say hello.")
    follow(page, page.get_by_role("button", name="Save", exact=True))
    page.get_by_text("Moderate this post").first.click()
    follow(page, page.get_by_role("link", name="Earlier versions", exact=True))
    expect(page.get_by_text("Be kind, stay on topic. Moderation")).to_be_visible()
