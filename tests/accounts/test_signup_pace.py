"""Sign-up without bots and without a third party: a field people leave empty, and a
minimum time to fill the form in. The sign-up rate limits stay (test_rate_limits.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.accounts import services
from app.db import utcnow
from tests.accounts.support import account_count, page
from tests.helpers import DEFAULT_PASSWORD


@pytest.fixture
def paced_app(app):
    app.config["SIGNUP_MIN_SECONDS"] = 3
    return app


def form_token(html: str) -> str:
    match = re.search(r'name="started" value="([^"]+)"', html)
    assert match, "the form carries when it was shown"
    return match.group(1)


def token_from(app, seconds_ago: float) -> str:
    with app.app_context():
        return services.signup_form_token(utcnow() - timedelta(seconds=seconds_ago))


def signup(client, started=None, **extra):
    data = {"email": "bea@example.org", "handle": "bea", "password": DEFAULT_PASSWORD, **extra}
    if started is not None:
        data["started"] = started
    return client.post("/signup", data=data)


def test_the_hidden_field_is_hidden_from_people_and_labelled_for_screen_readers(client):
    html = client.get("/signup").get_data(as_text=True)
    match = re.search(r'<div class="visually-hidden">(.*?)</div>', html, flags=re.S)
    assert match
    block = match.group(1)
    assert '<label for="website">Leave this field empty</label>' in block
    assert 'autocomplete="off"' in block and 'tabindex="-1"' in block
    assert 'value=""' in block


def test_a_filled_in_hidden_field_is_refused_kindly_and_emptied(paced_app, client, session, mail):
    started = token_from(paced_app, 10)
    response = signup(client, started, website="http://spam.example")
    assert response.status_code == 400
    text = page(response)
    assert "A field that people leave empty had something in it" in text
    assert "http://spam.example" not in text, "the field is shown again empty"
    assert account_count() == 0 and mail == []
    response = signup(client, form_token(text))
    assert response.status_code == 303, "sent again as shown, it goes through"
    assert account_count() == 1 and len(mail) == 1


def test_a_form_sent_too_soon_waits_and_then_goes_through(paced_app, client, session, mail):
    shown = form_token(client.get("/signup").get_data(as_text=True))
    response = signup(client, shown)
    assert response.status_code == 400
    text = page(response)
    assert "That was quicker than people usually fill in this form" in text
    assert form_token(text) == shown, "the wait counts from when the form was first shown"
    assert account_count() == 0 and mail == []
    assert signup(client, token_from(paced_app, 4)).status_code == 303
    assert account_count() == 1


@pytest.mark.parametrize(
    "started", [None, "", "forged.token", "eyJzaG93biI6MX0.bad.signature"], ids=repr
)
def test_a_form_without_a_good_note_of_when_it_was_shown_is_refreshed(
    paced_app, client, session, started
):
    response = signup(client, started)
    assert response.status_code == 400
    text = page(response)
    assert "This form was open for a long time, so we have refreshed it." in text
    fresh = form_token(text)
    assert fresh != started
    assert account_count() == 0


def test_a_form_shown_more_than_a_day_ago_is_refreshed(paced_app, client, session):
    old = token_from(paced_app, 25 * 60 * 60)
    response = signup(client, old)
    assert response.status_code == 400
    assert "we have refreshed it" in page(response)
    assert form_token(page(response)) != old


def test_a_token_from_the_future_is_not_a_good_note(paced_app, client, session):
    assert signup(client, token_from(paced_app, -60)).status_code == 400
    assert account_count() == 0


def test_with_no_minimum_time_only_the_hidden_field_is_checked(app, client, session):
    assert app.config["SIGNUP_MIN_SECONDS"] == 0
    assert signup(client, website="x").status_code == 400
    assert signup(client).status_code == 303
