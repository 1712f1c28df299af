"""Settings: profile, password and email address."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import AccountSession
from app.db import db
from tests.accounts.support import page, path_of, reload
from tests.helpers import DEFAULT_PASSWORD, links_in, make_account

NEW_PASSWORD = "a brand new long passphrase"


def session_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AccountSession))


def test_account_edits_display_name_and_bio(client, auth, session):
    account = make_account("ada")
    auth.login()
    response = client.post(
        "/settings/profile",
        data={"display_name": "Countess of Lovelace", "bio": "Notes on the engine."},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/settings"
    account = reload(account)
    assert (account.display_name, account.bio) == ("Countess of Lovelace", "Notes on the engine.")
    profile = page(client.get("/u/ada"))
    assert "<h1>Countess of Lovelace</h1>" in profile
    assert "Notes on the engine." in profile

    client.post("/settings/profile", data={"display_name": "  ", "bio": ""})
    account = reload(account)
    assert (account.display_name, account.bio) == (None, None)
    assert "<h1>ada</h1>" in page(client.get("/u/ada"))


def test_profile_edit_refuses_overlong_fields_and_changes_nothing(client, auth, session):
    account = make_account("ada", display_name="Ada")
    auth.login()
    response = client.post("/settings/profile", data={"display_name": "x" * 51, "bio": "y" * 501})
    assert response.status_code == 400
    assert "Keep your display name to 50 characters." in page(response)
    assert "Keep this to 500 characters." in page(response)
    account = reload(account)
    assert (account.display_name, account.bio) == ("Ada", None)


def test_profile_shows_no_counts_and_no_private_details(client, auth, session):
    make_account("ada", display_name="Ada")
    make_account("bea")
    auth.login("bea@example.org")
    response = client.get("/u/ADA")
    assert response.status_code == 200
    main = page(response).split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    assert "@ada" in main
    assert "ada@example.org" not in main
    lowered = main.lower()
    for word in ("follower", "posts", "likes", "views", "joined", "karma", "reputation"):
        assert word not in lowered
    visible = re.sub(r"<[^>]+>", " ", main)
    assert not re.search(r"\d", visible), visible


def test_unknown_profile_is_not_found(client, auth, session):
    make_account("ada")
    auth.login()
    assert client.get("/u/nobody").status_code == 404


def test_password_change_signs_out_other_sessions_but_keeps_this_one(app, client, auth, session):
    make_account("ada")
    auth.login()
    laptop = app.test_client()
    laptop.post("/login", data={"identifier": "ada", "password": DEFAULT_PASSWORD})
    assert laptop.get("/settings").status_code == 200

    response = client.post(
        "/settings/password",
        data={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert "Your password is changed. Other devices have been signed out." in page(response)
    assert client.get("/settings").status_code == 200
    assert laptop.get("/settings").status_code == 302
    assert auth.login(password=NEW_PASSWORD).status_code == 303


def test_password_change_needs_the_current_password(client, auth, session):
    account = make_account("ada")
    auth.login()
    before = (account.password_hash, session_count())
    response = client.post(
        "/settings/password",
        data={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "Your current password is not correct." in page(response)
    account = reload(account)
    assert (account.password_hash, session_count()) == before


def test_password_change_refuses_a_weak_password(client, auth, session):
    account = make_account("ada")
    before = account.password_hash
    auth.login()
    for weak, message in (
        ("short", "Use at least 10 characters."),
        ("qwertyuiop", "That password is too easy to guess."),
        ("ada is great 123", "should not contain your handle or email address"),
    ):
        response = client.post(
            "/settings/password", data={"current_password": DEFAULT_PASSWORD, "new_password": weak}
        )
        assert response.status_code == 400
        assert message in page(response)
    assert reload(account).password_hash == before


def change_email(client, email, password=DEFAULT_PASSWORD):
    return client.post("/settings/email", data={"email": email, "password": password})


def test_account_changes_email_after_confirming_the_new_address(client, auth, session, mail):
    account = make_account("ada")
    auth.login()
    response = change_email(client, "Ada.New@Example.org")
    assert response.status_code == 303
    (confirm,) = mail
    assert confirm["To"] == "ada.new@example.org"
    assert reload(account).email == "ada@example.org", "nothing changes before the link is used"

    path = path_of(links_in(confirm)[0])
    assert "Use my new address" in page(client.get(path))
    response = client.post(path, follow_redirects=True)
    assert "Your email address is changed." in page(response)
    account = reload(account)
    assert account.email == "ada.new@example.org"
    assert account.is_verified
    notice = mail[1]
    assert notice["To"] == "ada@example.org"
    assert "ada.new@example.org" in notice.get_content()
    auth.logout()
    assert auth.login("ada.new@example.org").status_code == 303


def test_email_change_refuses_bad_requests_and_changes_nothing(client, auth, session, mail):
    account = make_account("ada")
    make_account("bea")
    auth.login()
    for email, password, message in (
        ("new@example.org", "wrong password!", "Your password is not correct."),
        ("ADA@example.org", DEFAULT_PASSWORD, "That is already your email address."),
        ("Bea@Example.org", DEFAULT_PASSWORD, "Another account already uses that email address."),
        ("not-an-address", DEFAULT_PASSWORD, "Enter an email address like name@example.org."),
    ):
        response = change_email(client, email, password)
        assert response.status_code == 400
        assert message in page(response)
    assert reload(account).email == "ada@example.org"
    assert mail == []


def email_change_path(client, mail, email="ada.new@example.org") -> str:
    change_email(client, email)
    return path_of(links_in(mail[-1])[0])


def test_email_change_link_works_only_once(client, auth, session, mail):
    account = make_account("ada")
    auth.login()
    first = email_change_path(client, mail, "first@example.org")
    second = email_change_path(client, mail, "second@example.org")
    client.post(second)
    assert reload(account).email == "second@example.org"

    for used in (second, first):
        response = client.post(used, follow_redirects=True)
        assert "This link has already been used or is no longer valid." in page(response)
        assert reload(account).email == "second@example.org"


def test_email_change_link_expires(app, client, auth, session, mail):
    account = make_account("ada")
    auth.login()
    path = email_change_path(client, mail)
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    response = client.post(path, follow_redirects=True)
    assert "This link has expired. Please ask for a new one." in page(response)
    assert reload(account).email == "ada@example.org"


def test_email_change_link_cannot_be_forged_or_used_by_someone_else(
    app, client, auth, session, mail
):
    ada = make_account("ada")
    bea = make_account("bea")
    auth.login()
    path = email_change_path(client, mail)
    auth.logout()
    auth.login("bea@example.org")
    response = client.post(path, follow_redirects=True)
    assert "This link belongs to another account." in page(response)
    response = client.post("/settings/email/forged-token", follow_redirects=True)
    assert "This link is not valid. Please ask for a new one." in page(response)
    assert reload(ada).email == "ada@example.org"
    assert reload(bea).email == "bea@example.org"


def test_email_change_fails_if_someone_took_the_address_meanwhile(client, auth, session, mail):
    account = make_account("ada")
    auth.login()
    path = email_change_path(client, mail, "wanted@example.org")
    services.register_account("wanted@example.org", "quick", DEFAULT_PASSWORD)
    session.commit()
    response = client.post(path, follow_redirects=True)
    assert "Another account now uses that email address." in page(response)
    assert reload(account).email == "ada@example.org"


def test_email_change_link_needs_a_login(client, auth, session, mail):
    make_account("ada")
    auth.login()
    path = email_change_path(client, mail)
    auth.logout()
    response = client.post(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
