"""Sponsored seats in a real browser: with an empty pool an applicant waits in line; a sponsor
funds 3 seats through the sandbox's hosted Checkout, the waiting applicant is granted one at
once and emailed, the sponsor sees the seats (never who got them), and the next applicant
gets a seat the moment they ask.  Every page is audited (axe, no other origin, no CSP
violation)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from app.accounts.services import get_account_by_handle
from app.billing import services as billing
from app.memberships.services import current_membership
from app.seats import services as seats
from tests.browser.helpers import LiveServer, StripeSandbox, follow, log_in, main_nav, visit
from tests.helpers import DEFAULT_PASSWORD, make_account


def log_out(page: Page) -> None:
    follow(page, main_nav(page).get_by_role("button", name="Log out"))


def ask_for_a_seat(page: Page, live: LiveServer, handle: str) -> None:
    log_in(page, live.url, handle, DEFAULT_PASSWORD)
    visit(page, live.url + "/seats")
    page.get_by_label("A note for us (optional)").fill("Money is short this year.")
    follow(page, page.get_by_role("button", name="Ask for a seat"))


def membership_of(live: LiveServer, handle: str):
    with live.app.app_context():
        return current_membership(get_account_by_handle(handle))


def test_a_sponsor_funds_three_seats_and_applicants_get_them(
    page: Page,
    live_server_factory: Callable[..., LiveServer],
    stripe_sandbox: StripeSandbox,
):
    live = live_server_factory(stripe_sandbox=stripe_sandbox)
    with live.app.app_context():
        for handle in ("wes", "amy", "sam"):
            make_account(handle)
    with live.app.app_context():
        # The sandbox tells the server about its new catalog while this runs.
        billing.membership_price(create=True)
        seats.seat_price("once", create=True)

    # An empty pool: Wes waits, first in line.
    ask_for_a_seat(page, live, "wes")
    expect(page.get_by_text("you are number 1 in line")).to_be_visible()
    assert membership_of(live, "wes") is None
    log_out(page)

    # Sam sponsors 3 seats once, paying on the sandbox's hosted page.
    log_in(page, live.url, "sam", DEFAULT_PASSWORD)
    visit(page, live.url + "/sponsor")
    page.get_by_label("Seats", exact=True).fill("3")
    page.get_by_label("Once").check()
    follow(page, page.get_by_role("button", name="Continue to payment"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay Kindred")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    follow(page, page.get_by_role("button", name="Pay"))
    assert page.url.startswith(live.url + "/sponsor?session_id=cs_")
    row = page.get_by_role("row").nth(1)
    expect(row.get_by_role("cell", name="$75")).to_be_visible()
    expect(row.get_by_role("cell")).to_have_text(
        [
            re.compile(r"\d+ \w+ \d{4}"),
            "3 seats once",
            "$75",
            "3",
            "1",
            "2",
            "0",
            "0",
            "0",
            "Anonymous",
        ]
    )
    expect(page.get_by_text(re.compile(r"\bwes\b"))).to_have_count(0)  # never who got a seat

    # Wes was granted a seat as the money arrived, and told by mail.
    assert membership_of(live, "wes").kind == "sponsored"
    [mail] = [m for m in live.outbox if m["To"] == "wes@example.org"]
    assert "You are a Kindred member now" in mail["Subject"]
    log_out(page)

    # Amy asks with seats in the pool and is a member at once.
    ask_for_a_seat(page, live, "amy")
    expect(page.get_by_text("A sponsored seat is yours")).to_be_visible()
    expect(page.get_by_text("You are a member", exact=True)).to_be_visible()
    assert membership_of(live, "amy").kind == "sponsored"

    # The open books count it all, signed in or not.
    log_out(page)
    visit(page, live.url + "/transparency")
    expect(page.get_by_text("Seats funded to date")).to_be_visible()
    with live.app.app_context():
        assert seats.available_seats() == 1
        assert seats.ledger_report().balances


def test_a_gift_link_claimed_by_a_new_account_makes_it_a_member(
    page: Page,
    live_server_factory: Callable[..., LiveServer],
    stripe_sandbox: StripeSandbox,
):
    live = live_server_factory(stripe_sandbox=stripe_sandbox)
    with live.app.app_context():
        make_account("gus")
        billing.membership_price(create=True)
        seats.seat_price("once", create=True)

    # Gus buys two seats as gifts and is shown one claim link per seat.
    log_in(page, live.url, "gus", DEFAULT_PASSWORD)
    visit(page, live.url + "/sponsor")
    page.get_by_label("Seats", exact=True).fill("2")
    page.get_by_label("As gifts").check()
    follow(page, page.get_by_role("button", name="Continue to payment"))
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    follow(page, page.get_by_role("button", name="Pay"))
    links = page.locator("code").filter(has_text="/gifts/")
    expect(links).to_have_count(2)
    link = links.first.inner_text()
    log_out(page)

    # Someone new to Kindred opens the link, makes an account, and claims it.
    with live.app.app_context():
        make_account("hal")
    visit(page, link)
    expect(page.get_by_role("link", name="create one")).to_be_visible()
    log_in(page, live.url, "hal", DEFAULT_PASSWORD)
    visit(page, link)
    follow(page, page.get_by_role("button", name="Claim my year of membership"))
    assert membership_of(live, "hal").kind == "sponsored"

    # The link worked once: opened again, it says so.
    visit(page, link)
    expect(page.get_by_text("already been claimed or has expired")).to_be_visible()
    with live.app.app_context():
        assert seats.ledger_report().balances
