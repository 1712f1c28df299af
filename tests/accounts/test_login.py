"""Logging in and out, and where a login may send someone next."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.accounts.routes import safe_next
from tests.accounts.support import page
from tests.helpers import DEFAULT_PASSWORD, make_account


def test_account_logs_in_with_email_or_handle_in_any_case(client, auth, session):
    make_account("Ada")
    for identifier in ("ada@example.org", " ADA@example.org ", "ada", "ADA"):
        response = auth.login(identifier)
        assert response.status_code == 303
        assert response.headers["Location"] == "/"
        assert client.get("/settings").status_code == 200
        auth.logout()


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("ada@example.org", "wrong password entirely"),
        ("ada", "Correct Horse Battery Staple"),
        ("nobody@example.org", DEFAULT_PASSWORD),
        ("nobody", DEFAULT_PASSWORD),
    ],
)
def test_failed_login_never_says_which_part_was_wrong(client, auth, session, identifier, password):
    make_account("ada")
    response = auth.login(identifier, password)
    assert response.status_code == 400
    assert "That email or handle and password do not match an account." in page(response)
    assert client.get("/settings").status_code == 302


def test_login_form_with_missing_fields_explains_what_is_missing(client):
    response = client.post("/login", data={})
    assert response.status_code == 400
    assert "Enter your email address or handle." in page(response)
    assert "Enter your password." in page(response)


def test_login_required_page_sends_visitor_to_login_and_back(client, auth, session):
    make_account("ada")
    response = client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fsettings"
    login_page = page(client.get(response.headers["Location"]))
    assert 'name="next" value="/settings"' in login_page
    response = client.post(
        "/login",
        data={"identifier": "ada", "password": DEFAULT_PASSWORD, "next": "/settings"},
    )
    assert response.headers["Location"] == "/settings"


def test_next_is_escaped_on_the_login_page(client):
    html = client.get('/login?next="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert 'value="&#34;&gt;&lt;script&gt;' in html


def test_next_from_the_query_string_is_used_too(client, session):
    make_account("ada")
    response = client.post(
        "/login?next=/u/ada", data={"identifier": "ada", "password": DEFAULT_PASSWORD}
    )
    assert response.headers["Location"] == "/u/ada"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "\x00",
        "/\x00/evil.example",
        "\t//evil.example",
        " //evil.example",
        "evil.example",
        "data:text/html,hi",
    ],
)
def test_login_never_redirects_off_site(client, session, target):
    make_account("ada")
    response = client.post(
        "/login", data={"identifier": "ada", "password": DEFAULT_PASSWORD, "next": target}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/settings").status_code == 200


def test_logout_signs_out_and_is_post_only(client, auth, session):
    make_account("ada")
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.get("/settings").status_code == 200
    response = auth.logout()
    assert response.status_code == 303
    assert "You are logged out." in page(client.get("/"))
    assert client.get("/settings").status_code == 302


@given(st.text() | st.text(alphabet="/\\:.@%?#\t\n\x00 evil"))
def test_next_targets_that_survive_are_always_paths_on_this_site(target):
    kept = safe_next(target)
    if kept is not None:
        assert kept == target
        assert kept.startswith("/") and not kept.startswith("//")
        assert "\\" not in kept and not any(ord(character) < 32 for character in kept)
        parts = urlsplit(kept)
        assert not parts.scheme and not parts.netloc
