"""Two-factor sign-in and sessions in a real browser: an authenticator app (codes computed
here with pyotp), a passkey (Chromium's virtual authenticator), and signing a device out."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import LiveServer, follow, log_in, main_nav, visit
from tests.helpers import DEFAULT_PASSWORD, make_account


@pytest.fixture
def ada(live_server: LiveServer):
    with live_server.app.app_context():
        return make_account("ada")


def log_in_with_password(page: Page, base_url: str) -> None:
    visit(page, f"{base_url}/login")
    page.get_by_label("Email address or handle").fill("ada")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    follow(page, page.get_by_role("button", name="Log in"))


def log_out(page: Page) -> None:
    follow(page, main_nav(page).get_by_role("button", name="Log out"))


def test_a_member_switches_on_an_authenticator_app_and_signs_in_with_it(
    page: Page, live_server: LiveServer, ada
):
    log_in(page, live_server.url, "ada", DEFAULT_PASSWORD)
    follow(page, main_nav(page).get_by_role("link", name="Settings"))
    follow(page, page.get_by_role("link", name="Two-factor sign-in settings"))
    expect(page.get_by_text("Two-factor sign-in is off.")).to_be_visible()
    expect(page.get_by_role("button", name="Add a passkey")).to_be_visible()
    follow(page, page.get_by_role("button", name="Set up an authenticator app"))

    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    confirmed_at = time.time()
    page.get_by_label("Code from the app").fill(totp.at(confirmed_at))
    follow(page, page.get_by_role("button", name="Confirm the code"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.locator("ol.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    [message] = live_server.outbox[-1:]
    assert message["Subject"] == "Two-factor sign-in is on"

    follow(page, page.get_by_role("link", name="I have kept them"))
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    log_out(page)

    log_in_with_password(page, live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    visit(page, live_server.url + "/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")

    log_in_with_password(page, live_server.url)
    page.get_by_label("Code").fill("000000")
    follow(page, page.get_by_role("button", name="Log in"), status=400)
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    # The next 30-second step: the code used to confirm the app cannot be used again.
    page.get_by_label("Code").fill(totp.at(confirmed_at + 30))
    follow(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_text("Welcome back, ada.")).to_be_visible()


def test_a_member_signs_out_another_device_from_the_list(
    page: Page, live_server: LiveServer, ada, browser
):
    other = browser.new_context()
    other_page = other.new_page()
    other_page.goto(live_server.url + "/login")
    other_page.get_by_label("Email address or handle").fill("ada")
    other_page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    other_page.get_by_role("button", name="Log in").click()
    other_page.wait_for_url(live_server.url + "/")

    log_in(page, live_server.url, "ada", DEFAULT_PASSWORD)
    follow(page, main_nav(page).get_by_role("link", name="Settings"))
    follow(page, page.get_by_role("link", name="Your sessions"))
    page.get_by_label("Name this device").fill("Phone")
    follow(page, page.get_by_role("button", name="Save the name"))
    expect(page.locator("li", has_text="This device")).to_contain_text("Phone")
    follow(page, page.get_by_role("button", name=re.compile(r"^Sign out Unnamed device")))
    expect(page.get_by_role("status")).to_contain_text("That session is signed out.")
    expect(page.get_by_role("button", name=re.compile(r"^Sign out Unnamed"))).to_have_count(0)

    other_page.goto(live_server.url + "/settings")
    assert other_page.url.startswith(live_server.url + "/login")
    other.close()


def test_a_member_adds_a_passkey_and_signs_in_with_it(
    page: Page, live_server: LiveServer, ada, origins
):
    # Passkeys belong to a domain name, never to an IP address: browse by "localhost".
    base = live_server.url.replace("127.0.0.1", "localhost")
    origins.kindred.add(base)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    log_in(page, base, "ada", DEFAULT_PASSWORD)
    visit(page, base + "/settings/two-factor")
    page.get_by_label("Name for this passkey").fill("Laptop")
    follow(page, page.get_by_role("button", name="Add a passkey"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("status")).to_contain_text("Your passkey is added.")
    follow(page, page.get_by_role("link", name="I have kept them"))
    expect(page.get_by_text("Laptop, added")).to_be_visible()
    follow(page, page.get_by_role("link", name="Remove the passkey Laptop"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove the passkey “Laptop”")
    follow(page, page.get_by_role("link", name="Keep it: back to two-factor sign-in"))
    log_out(page)

    log_in_with_password(page, base)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    follow(page, page.get_by_role("button", name="Use a passkey"))
    expect(page.get_by_text("Welcome back, ada.")).to_be_visible()
    with live_server.app.app_context():
        from sqlalchemy import select

        from app.accounts.models import Passkey
        from app.db import db

        passkey = db.session.scalar(select(Passkey))
        assert passkey.name == "Laptop" and passkey.last_used_on is not None


def test_without_javascript_the_second_step_still_takes_a_recovery_code(
    browser, live_server: LiveServer, ada, origins
):
    from app.accounts import two_factor
    from app.db import db
    from tests.accounts.support import turn_on_app

    with live_server.app.app_context():
        account = db.session.merge(ada)
        turn_on_app(account)
        codes = two_factor.replace_recovery_codes(account, DEFAULT_PASSWORD)
        db.session.commit()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.get_by_label("Email address or handle").fill("ada")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/login/two-factor")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_text("Welcome back, ada.")).to_be_visible()
    context.close()
