"""Signing up and verifying an email address."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.accounts import services
from app.accounts.models import Account
from tests.accounts.support import account_count, page, path_of, reload
from tests.helpers import DEFAULT_PASSWORD, links_in, make_account


def signup(client, email="bea@example.org", handle="bea", password=DEFAULT_PASSWORD, **extra):
    data = {"email": email, "handle": handle, "password": password, **extra}
    return client.post("/signup", data=data)


def test_newcomer_signs_up_verifies_and_logs_in(client, mail, session):
    response = signup(client, email="Bea@Example.org", handle="Bea")
    assert response.status_code == 303
    assert response.headers["Location"] == "/signup/check-your-email"
    account = session.get(Account, services.get_account_by_handle("bea").id)
    assert account.email == "bea@example.org"
    assert not account.is_verified
    assert account.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in account.password_hash

    (message,) = mail
    assert message["To"] == "bea@example.org"
    assert message["Subject"] == "Confirm your email address"
    path = path_of(links_in(message)[0])
    assert "Confirm my email address" in page(client.get(path))
    assert not reload(account).is_verified, "opening the link alone changes nothing"

    response = client.post(path, follow_redirects=True)
    assert "your email address is confirmed" in page(response)
    assert reload(account).is_verified

    response = client.post("/login", data={"identifier": "bea", "password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    assert "<strong>@Bea</strong> with bea@example.org" in page(client.get("/settings"))


def test_display_name_is_optional_and_any_pseudonym_works(client, session):
    signup(client, email="fox@example.org", handle="fox", display_name="  🦊 Mx. Fox  ")
    signup(client, email="owl@example.org", handle="owl")
    assert services.get_account_by_handle("fox").display_name == "🦊 Mx. Fox"
    assert services.get_account_by_handle("owl").display_name is None
    assert services.get_account_by_handle("owl").name == "owl"


def test_signup_form_never_asks_for_a_real_name(client):
    text = page(client.get("/signup")).lower()
    assert "real name" not in text.replace("real names are never required", "")
    assert 'name="first_name"' not in text and 'name="last_name"' not in text


@pytest.mark.parametrize(
    ("email", "handle", "message"),
    [
        ("ada@example.org", "someone", "An account already uses this email address."),
        ("ADA@Example.ORG", "someone", "An account already uses this email address."),
        (" ada@example.org ", "someone", "An account already uses this email address."),
        ("new@example.org", "ada", "That handle is taken."),
        ("new@example.org", "ADA", "That handle is taken."),
        ("new@example.org", "aDa", "That handle is taken."),
    ],
)
def test_signup_refuses_a_taken_email_or_handle_whatever_the_case(
    client, session, mail, email, handle, message
):
    make_account("ada")
    before = account_count()
    response = signup(client, email=email, handle=handle)
    assert response.status_code == 400
    assert message in page(response)
    assert "Nothing has been saved yet." in page(response)
    assert account_count() == before
    assert mail == []


@pytest.mark.parametrize(
    "handle",
    [
        "ab",
        "a" * 31,
        "ada lovelace",
        "ada.lovelace",
        "ada/../x",
        "ädä",
        "ada!",
        "<script>",
        "%61da",
    ],
)
def test_signup_refuses_handles_that_are_not_url_safe(client, session, mail, handle):
    response = signup(client, handle=handle)
    assert response.status_code == 400
    assert "Handles are 3 to 30 characters: letters, digits, '-' and '_'." in page(response)
    assert account_count() == 0
    assert mail == []


@pytest.mark.parametrize("handle", ["admin", "Admin", "STAFF", "kindred", "settings", "static"])
def test_signup_refuses_reserved_handles(client, session, handle):
    response = signup(client, handle=handle)
    assert response.status_code == 400
    assert "That handle is reserved. Please choose another." in page(response)
    assert account_count() == 0


@pytest.mark.parametrize("handle", ["abc", "a" * 30, "Ada_Lovelace-1815", "___"])
def test_signup_accepts_handles_at_the_edges_of_the_rules(client, session, handle):
    assert signup(client, handle=handle).status_code == 303
    assert services.get_account_by_handle(handle).handle == handle


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 10 characters."),
        ("x" * 257 + "yzw", "Field cannot be longer than 256 characters."),
        ("password123", "That password is too easy to guess."),
        ("aaaaaaaaaaaa", "That password is too easy to guess."),
        ("ababababab", "That password is too easy to guess."),
        ("my name is bea, really", "should not contain your handle or email address"),
        ("", "Choose a password."),
    ],
)
def test_signup_refuses_weak_passwords(client, session, mail, password, message):
    response = signup(client, password=password)
    assert response.status_code == 400
    assert message in page(response)
    assert account_count() == 0
    assert mail == []


def test_password_may_not_contain_the_email_address_local_part(client, session):
    response = signup(
        client, email="lovelace@example.org", handle="ada", password="lovelace rocks 2"
    )
    assert response.status_code == 400
    assert "should not contain your handle or email address" in page(response)
    assert account_count() == 0


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address."),
        ("not-an-address", "Enter an email address like name@example.org."),
        ("bea@", "Enter an email address like name@example.org."),
    ],
)
def test_signup_refuses_a_missing_or_malformed_email(client, session, email, message):
    response = signup(client, email=email)
    assert response.status_code == 400
    assert message in page(response)
    assert account_count() == 0


def test_signed_in_account_is_sent_home_from_signup(client, auth, session):
    make_account("ada")
    auth.login()
    response = client.get("/signup")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def verify_path(client, mail) -> str:
    return path_of(links_in(mail[-1])[0])


def test_verification_link_cannot_be_forged(app, client, session, mail):
    signup(client)
    account = services.get_account_by_handle("bea")
    forged = URLSafeTimedSerializer("not-our-secret", salt="kindred.verify-email").dumps(
        {"a": account.id, "e": account.email}
    )
    for token in (forged, "garbage", verify_path(client, mail)[len("/verify/") :] + "x"):
        response = client.post(f"/verify/{token}", follow_redirects=True)
        assert "This link is not valid. Please ask for a new one." in page(response)
    assert not reload(account).is_verified


def test_a_reset_link_does_not_verify_an_email_address(app, client, session):
    signup(client)
    account = services.get_account_by_handle("bea")
    with app.test_request_context():
        token = services.reset_token(account)
    response = client.post(f"/verify/{token}", follow_redirects=True)
    assert "This link is not valid." in page(response)
    assert not reload(account).is_verified


def test_verification_link_expires(app, client, session, mail):
    signup(client)
    path = verify_path(client, mail)
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    response = client.post(path, follow_redirects=True)
    assert "This link has expired. Please ask for a new one." in page(response)
    assert not services.get_account_by_handle("bea").is_verified


def test_reusing_a_verification_link_changes_nothing(client, session, mail):
    signup(client)
    path = verify_path(client, mail)
    client.post(path)
    account = services.get_account_by_handle("bea")
    first = reload(account).email_verified_at
    response = client.post(path, follow_redirects=True)
    assert response.status_code == 200
    assert reload(account).email_verified_at == first


def test_verification_link_for_a_previous_address_no_longer_works(app, client, session, mail):
    signup(client)
    path = verify_path(client, mail)
    account = services.get_account_by_handle("bea")
    account.email = "bea.new@example.org"
    session.commit()
    response = client.post(path, follow_redirects=True)
    assert "This link is not valid." in page(response)
    assert not reload(account).is_verified


def test_unverified_account_cannot_log_in_and_is_told_why(client, auth, session):
    make_account("ada", verified=False)
    response = auth.login()
    assert response.status_code == 400
    assert "Please verify your email address first" in page(response)
    assert client.get("/settings").status_code == 302


def test_resending_verification_never_reveals_who_has_an_account(client, session, mail):
    make_account("ada", verified=False)
    make_account("cyd", verified=True)
    answers = []
    for email in ("ada@example.org", "cyd@example.org", "nobody@example.org"):
        response = client.post("/verify/resend", data={"email": email}, follow_redirects=True)
        answers.append(page(response))
        assert "If that address has an unverified account, a new link is on its way." in answers[-1]
    assert answers[0] == answers[1] == answers[2]
    assert [message["To"] for message in mail] == ["ada@example.org"]


def test_resend_verification_refuses_a_malformed_address(client, mail):
    response = client.post("/verify/resend", data={"email": "nope"})
    assert response.status_code == 400
    assert "Enter an email address like name@example.org." in page(response)
    assert mail == []
