"""Becoming a member in a real browser: sign up, confirm, log in, pay on the sandbox's
hosted Checkout page, and come back a member; a declined card changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from app.accounts.services import get_account_by_handle
from app.billing import services as billing
from app.memberships.services import current_membership
from tests.browser.helpers import LiveServer, StripeSandbox, follow, log_in, main_nav, visit
from tests.helpers import DEFAULT_PASSWORD, links_in


def sign_up_and_confirm(page: Page, live: LiveServer, handle: str) -> None:
    visit(page, live.url + "/signup")
    page.get_by_label("Email address").fill(f"{handle}@example.org")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    follow(page, page.get_by_role("button", name="Create account"))
    [link] = links_in(live.outbox[-1])
    visit(page, link)
    follow(page, page.get_by_role("button", name="Confirm my email address"))
    log_in(page, live.url, handle, DEFAULT_PASSWORD)


def open_checkout(page: Page, live: LiveServer) -> None:
    nav = main_nav(page)
    follow(page, nav.get_by_role("link", name="Membership"))
    expect(page.get_by_text("You are not a member yet.")).to_be_visible()
    follow(page, page.get_by_role("button", name="Become a member — $25 a year"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscribe to Kindred")


def pay_with(page: Page, card: str) -> None:
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")


def membership_of(live: LiveServer, handle: str):
    with live.app.app_context():
        return current_membership(get_account_by_handle(handle))


def paid_live_server(factory, sandbox: StripeSandbox) -> LiveServer:
    live = factory(stripe_sandbox=sandbox)
    with live.app.app_context():
        billing.membership_price(create=True)
    return live


def test_newcomer_becomes_a_member_through_stripe_checkout(
    page: Page,
    live_server_factory: Callable[..., LiveServer],
    stripe_sandbox: StripeSandbox,
):
    live = paid_live_server(live_server_factory, stripe_sandbox)
    sign_up_and_confirm(page, live, "grace")
    visit(page, live.url + "/groups/new")
    expect(page.get_by_text("Only members can do this.")).to_be_visible()
    expect(page.get_by_role("button", name="Start the group")).to_have_count(0)
    open_checkout(page, live)

    pay_with(page, "4242 4242 4242 4242")
    follow(page, page.get_by_role("button", name="Subscribe"))

    assert page.url.startswith(live.url + "/membership/welcome?session_id=cs_")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, member")
    assert membership_of(live, "grace").kind == "paid"

    follow(page, page.get_by_role("link", name="See your membership"))
    expect(page.get_by_text("Active")).to_be_visible()
    expect(page.get_by_role("cell", name="$25").first).to_be_visible()
    expect(page.get_by_role("button", name="Manage billing")).to_be_visible()

    # Cancelling in the billing portal keeps the membership until the period ends.
    follow(page, page.get_by_role("button", name="Manage billing"))
    follow(page, page.get_by_role("button", name="Cancel at period end"))
    follow(page, page.get_by_role("link", name="Return to Kindred"))
    expect(page.get_by_text("you are a member until")).to_be_visible()
    assert membership_of(live, "grace").kind == "paid"

    # What only members may do is open now: starting a group, for one.
    visit(page, live.url + "/groups/new")
    page.get_by_label("Name").fill("Night walkers")
    page.get_by_label("Web address").fill("night-walkers")
    page.get_by_label("Purpose").fill("Walking the city after dark, together.")
    follow(page, page.get_by_role("button", name="Start the group"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Night walkers")


def test_declined_card_leaves_the_account_a_non_member(
    page: Page,
    live_server_factory: Callable[..., LiveServer],
    stripe_sandbox: StripeSandbox,
):
    live = paid_live_server(live_server_factory, stripe_sandbox)
    sign_up_and_confirm(page, live, "ada")
    open_checkout(page, live)

    pay_with(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Subscribe").click()

    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    assert membership_of(live, "ada") is None

    follow(page, page.get_by_role("link", name="Cancel"))
    expect(page.get_by_role("heading", level=1)).to_have_text("No payment made")
    assert membership_of(live, "ada") is None
