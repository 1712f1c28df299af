"""Every public and account page, in normal and error states, passes the audit.

The audit is axe-core (WCAG 2.2 AA and best practices) plus our own checks; see
``tests.browser.helpers.audit``. Keyboard users get a skip link first and see where focus is.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.accounts import services
from tests.browser.helpers import LiveServer, follow, log_in, visit
from tests.helpers import DEFAULT_PASSWORD, make_account

# What the focused element looks like, including the contrast of its focus ring against
# whatever is painted just outside it (WCAG 1.4.11 asks for 3:1).
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  const rgb = color => color.match(/[\\d.]+/g).map(Number);
  const luminance = color => {
    const [r, g, b] = rgb(color).slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const opaque = color => color !== 'transparent' && (rgb(color)[3] ?? 1) > 0;
  const x = Math.max(0, box.left - 4), y = Math.max(0, box.top + box.height / 2);
  let behind = document.elementsFromPoint(x, y).find(e => e !== element && !element.contains(e));
  while (behind && !opaque(getComputedStyle(behind).backgroundColor)) {
    behind = behind.parentElement;
  }
  const background = getComputedStyle(behind || document.documentElement).backgroundColor;
  const [light, dark] = [luminance(style.outlineColor), luminance(background)]
    .sort((a, b) => b - a);
  return {
    html: element.outerHTML.slice(0, 100),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    ringContrast: (light + 0.05) / (dark + 0.05),
    // WCAG 2.4.11: a focused element is at least partly in view.
    inViewport: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
      && box.left < window.innerWidth && box.top < window.innerHeight,
  };
}"""


@pytest.fixture
def ada(live_server: LiveServer):
    with live_server.app.app_context():
        return make_account("ada", display_name="Ada L.")


@pytest.fixture
def ada_logged_in(page: Page, live_server: LiveServer, ada):
    log_in(page, live_server.url, "ada", DEFAULT_PASSWORD)
    return ada


PUBLIC_PAGES = [
    "/",
    "/about",
    "/privacy",
    "/signup",
    "/login",
    "/reset",
    "/signup/check-your-email",
]


def test_visitor_reads_every_public_page(page: Page, live_server: LiveServer):
    for path in PUBLIC_PAGES:
        visit(page, live_server.url + path)


def test_pages_reflow_at_320_css_pixels(page: Page, live_server: LiveServer):
    page.set_viewport_size({"width": 320, "height": 640})  # WCAG 1.4.10's narrowest width
    visit(page, live_server.url + "/")
    visit(page, live_server.url + "/signup")
    follow(page, page.get_by_role("button", name="Create account"), status=400)


def test_missing_page_passes_audit(page: Page, live_server: LiveServer):
    visit(page, live_server.url + "/no-such-page", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_signup_errors_are_announced_and_tied_to_their_fields(page: Page, live_server: LiveServer):
    visit(page, live_server.url + "/signup")
    page.get_by_label("Email address").fill("not an address")
    follow(page, page.get_by_role("button", name="Create account"), status=400)

    expect(page.get_by_role("alert")).to_contain_text("Please correct the problems below")
    email = page.get_by_label("Email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        "We send a link to confirm it. Nobody else sees it. "
        "Enter an email address like name@example.org."
    )
    expect(page.get_by_label("Handle")).to_have_accessible_description(
        "How people find you: 3 to 30 letters, digits, '-' or '_'. Pseudonyms welcome. "
        "Choose a handle."
    )
    assert live_server.outbox == []


def test_failed_login_passes_audit(page: Page, live_server: LiveServer, ada):
    visit(page, live_server.url + "/login")
    page.get_by_label("Email address or handle").fill("ada")
    page.get_by_label("Password", exact=True).fill("not the password")
    follow(page, page.get_by_role("button", name="Log in"), status=400)
    expect(page.get_by_role("alert")).to_be_visible()


def test_resend_link_errors_pass_audit(page: Page, live_server: LiveServer):
    visit(page, live_server.url + "/signup/check-your-email")
    follow(page, page.get_by_role("button", name="Send a new link"), status=400)
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")


def test_pages_opened_from_mail_pass_audit(page: Page, live_server: LiveServer, ada):
    with live_server.app.app_context():
        verify, reset = services.verification_token(ada), services.reset_token(ada)
    visit(page, f"{live_server.url}/verify/{verify}")
    visit(page, f"{live_server.url}/reset/{reset}")
    follow(page, page.get_by_role("button", name="Save new password"), status=400)


def test_settings_and_profile_pass_audit(page: Page, live_server: LiveServer, ada_logged_in):
    visit(page, live_server.url + "/settings")
    visit(page, live_server.url + "/u/ada")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada L.")


def test_settings_with_errors_pass_audit(page: Page, live_server: LiveServer, ada_logged_in):
    visit(page, live_server.url + "/settings")
    follow(page, page.get_by_role("button", name="Change password"), status=400)
    expect(page.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    follow(page, page.get_by_role("button", name="Change email address"), status=400)
    expect(page.get_by_label("New email address")).to_have_attribute("aria-invalid", "true")


def test_skip_link_is_the_first_stop_and_jumps_to_the_content(page: Page, live_server: LiveServer):
    visit(page, live_server.url + "/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    focused = page.evaluate(FOCUSED)
    assert focused["inViewport"], "the focused skip link is off screen"
    assert focused["outlineStyle"] != "none"
    assert focused["outlineWidth"] >= 2
    assert focused["ringContrast"] >= 3

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("main").get_by_role("link", name="Create an account")).to_be_focused()


def tab_through(page: Page) -> list[dict]:
    """Press Tab until focus leaves the page; what each stop looked like."""
    stops: list[dict] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or (stops and focused["html"] == stops[0]["html"]):
            return stops
        stops.append(focused)
    pytest.fail("focus never left the page after 60 presses of Tab")


def assert_focus_always_visible(stops: list[dict]) -> None:
    hidden = [
        stop["html"]
        for stop in stops
        if stop["outlineStyle"] == "none"
        or stop["outlineWidth"] < 2
        or stop["ringContrast"] < 3
        or not stop["inViewport"]
    ]
    assert not hidden, f"focus is not visible on: {hidden}"


def test_keyboard_focus_is_visible_on_every_stop_of_the_home_page(
    page: Page, live_server: LiveServer
):
    visit(page, live_server.url + "/")
    stops = tab_through(page)
    assert len(stops) >= 7  # skip link, brand, log in, sign up, two actions, footer links
    assert_focus_always_visible(stops)


def test_keyboard_focus_is_visible_on_every_stop_of_settings(
    page: Page, live_server: LiveServer, ada_logged_in
):
    visit(page, live_server.url + "/settings")
    stops = tab_through(page)
    assert len(stops) >= 12
    assert_focus_always_visible(stops)
