"""The landing page a visitor reads: what Kindred is, the price, the promises, a few
public groups talking now; no cookie, nothing from another origin."""

from __future__ import annotations

import re

from app.groups import moderation
from app.groups.permissions import access_to
from tests.helpers import make_group, make_member, make_thread
from tests.pages.test_home import removed_opener


def test_the_landing_page_says_what_kindred_is_and_shows_public_groups(app, client, session):
    bea = make_member("bea")
    gardens = make_group(bea, "gardens", name="Gardens")
    make_thread(gardens, bea, "Tomatoes indoors?")
    hidden = make_thread(gardens, bea, "A removed thread")
    moderation.hide_post(access_to(gardens, bea), removed_opener(hidden), "Spam")
    quiet = make_group(bea, "quiet", name="Quiet club", visibility="members")
    make_thread(quiet, bea, "Members only talk")
    secret = make_group(bea, "secret", name="Secret", visibility="private")
    make_thread(secret, bea, "Private talk")
    session.commit()

    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "$25 a year" in page
    for promise in ("No ads", "No tracking", "Your data is yours", "Nobody priced out"):
        assert promise in page
    assert "Gardens" in page and "Tomatoes indoors?" in page
    for hidden_text in ("A removed thread", "Quiet club", "Members only talk", "Private talk"):
        assert hidden_text not in page
    assert "Welcome back" not in page


def test_the_price_comes_from_the_configuration(make_app):
    app = make_app(MEMBERSHIP_PRICE_CENTS=3000, MEMBERSHIP_CURRENCY="eur")
    page = app.test_client().get("/").get_data(as_text=True)
    assert "€30 a year" in page


def test_the_landing_page_sets_no_cookie_and_loads_nothing_from_elsewhere(client, session):
    bea = make_member("bea")
    make_thread(make_group(bea), bea)
    response = client.get("/")
    assert "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(not re.match(r"(https?:)?//", source) for source in sources), sources


def test_reading_a_public_group_and_its_threads_sets_no_cookie(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        bea = make_member("bea")
        thread = make_thread(make_group(bea), bea)
        thread_id = thread.id
    client = app.test_client()
    for path in ("/", "/groups/gardens", f"/groups/gardens/threads/{thread_id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
