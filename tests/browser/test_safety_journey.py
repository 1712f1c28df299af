"""Trust and safety in a real browser: a host holds first posts and writes rules, a
newcomer's post waits and is approved, a hidden post's author is told and appeals, another
moderator decides; an admin reads the new accounts. Every page reached is audited."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import follow, log_in, main_nav, visit
from tests.helpers import DEFAULT_PASSWORD, add_to_group, make_account, make_group, make_member


def _log_out(page: Page) -> None:
    follow(page, main_nav(page).get_by_role("button", name="Log out", exact=True))


def test_held_post_rules_notice_and_appeal(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        ana = make_member("ana", display_name="Ana")
        group = make_group(ana, "night-owls", name="Night owls")
        add_to_group(group, make_member("moe", display_name="Moe"), "moderator")
        add_to_group(group, make_member("newt", display_name="Newt"))
        make_account("root_admin", admin=True)
    base = live_server.url

    # Ana holds first posts and writes the group's rules.
    log_in(page, base, "ana", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/night-owls/settings")
    page.get_by_label("Hold each person's first post here for a moderator to approve").check()
    follow(page, page.get_by_role("button", name="Save settings", exact=True))
    follow(page, page.get_by_role("link", name="Rules", exact=True))
    page.get_by_label("Rules, one a line").fill("Be kind\nNo selling")
    follow(page, page.get_by_role("button", name="Save rules and watched words", exact=True))
    expect(page.get_by_role("listitem").filter(has_text="No selling")).to_be_visible()
    _log_out(page)

    # Newt's first thread waits for a moderator.
    log_in(page, base, "newt", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/night-owls/threads/new")
    page.get_by_label("Title").fill("Bikes for sale")
    page.get_by_label("First post").fill("My old bicycle, cheap.")
    follow(page, page.get_by_role("button", name="Start the thread", exact=True))
    expect(page.get_by_text("Waiting for a moderator: nobody else sees this")).to_be_visible()
    _log_out(page)

    # Moe approves it from the queue, then hides it under a rule.
    log_in(page, base, "moe", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/night-owls")
    follow(page, page.get_by_role("link", name="1 post waiting for a moderator", exact=True))
    follow(page, page.get_by_role("button", name="Approve the post by newt", exact=True))
    expect(page.get_by_text("Nothing is waiting.")).to_be_visible()
    follow(page, page.get_by_role("link", name="Threads", exact=True))
    follow(page, page.get_by_role("link", name="Bikes for sale", exact=True))
    page.get_by_text("Moderate this post").first.click()
    follow(page, page.get_by_role("link", name="Hide this post", exact=True))
    page.get_by_label("Rule applied").select_option(label="2. No selling")
    follow(page, page.get_by_role("button", name="Hide a post", exact=True))
    _log_out(page)

    # Newt is told, and appeals.
    log_in(page, base, "newt", DEFAULT_PASSWORD)
    visit(page, f"{base}/notifications")
    notice = page.get_by_role("button").filter(has_text="under the rule “No selling”")
    follow(page, notice.first)
    page.get_by_label("Why should this be undone?").fill("It was a gift, not a sale.")
    follow(page, page.get_by_role("button", name="Send the appeal", exact=True))
    expect(page.get_by_text("Your appeal is waiting")).to_be_visible()
    _log_out(page)

    # Ana, who did not act, overturns it; the public log shows the outcome.
    log_in(page, base, "ana", DEFAULT_PASSWORD)
    visit(page, f"{base}/groups/night-owls/appeals")
    follow(page, page.get_by_role("link").filter(has_text="appeals: hid").first)
    page.get_by_label("Overturn: undo the action").check()
    page.get_by_label("Why (shown in the moderation log and to the person)").fill("A gift.")
    follow(page, page.get_by_role("button", name="Decide", exact=True))
    follow(page, page.get_by_role("link", name="Moderation log", exact=True))
    expect(page.get_by_role("row").filter(has_text="overturned on appeal: hid")).to_be_visible()
    _log_out(page)

    # An admin reads the new accounts with their first posts.
    log_in(page, base, "root_admin", DEFAULT_PASSWORD)
    visit(page, f"{base}/admin/accounts/new")
    expect(page.get_by_text("My old bicycle, cheap.")).to_be_visible()
    follow(page, page.get_by_role("link", name="Suspend and hide every post of @newt"))
