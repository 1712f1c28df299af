"""Resetting a forgotten password by an emailed link."""

from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer

from app.accounts import services
from tests.accounts.support import page, path_of, reload
from tests.helpers import DEFAULT_PASSWORD, links_in, make_account

NEW_PASSWORD = "a brand new long passphrase"


def request_reset(client, email="ada@example.org"):
    return client.post("/reset", data={"email": email}, follow_redirects=True)


def test_forgetful_account_resets_password_by_link(client, auth, session, mail):
    account = make_account("ada")
    response = request_reset(client, "ADA@example.org")
    assert "If that address has an account, a reset link is on its way." in page(response)
    (message,) = mail
    assert message["To"] == "ada@example.org"
    path = path_of(links_in(message)[0])
    assert "For the account @ada." in page(client.get(path))

    response = client.post(path, data={"new_password": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password is changed. Please log in with it." in page(response)
    assert auth.login(password=DEFAULT_PASSWORD).status_code == 400
    assert auth.login(password=NEW_PASSWORD).status_code == 303
    assert reload(account).password_hash.startswith("$argon2id$")


def test_reset_request_never_reveals_whether_an_address_has_an_account(client, session, mail):
    make_account("ada")
    known = request_reset(client, "ada@example.org")
    unknown = request_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert page(known) == page(unknown)
    assert [message["To"] for message in mail] == ["ada@example.org"]


def test_reset_request_with_a_malformed_address_says_so(client, mail):
    response = client.post("/reset", data={"email": "not an address"})
    assert response.status_code == 400
    assert "Enter an email address like name@example.org." in page(response)
    assert mail == []


def test_reset_refuses_a_weak_new_password_and_keeps_the_old_one(client, auth, session, mail):
    account = make_account("ada")
    request_reset(client)
    path = path_of(links_in(mail[0])[0])
    old_hash = account.password_hash
    response = client.post(path, data={"new_password": "short"})
    assert response.status_code == 400
    assert "Use at least 10 characters." in page(response)
    assert reload(account).password_hash == old_hash
    assert auth.login().status_code == 303


def test_reset_link_works_only_once(client, session, mail):
    account = make_account("ada")
    request_reset(client)
    path = path_of(links_in(mail[0])[0])
    client.post(path, data={"new_password": NEW_PASSWORD})
    changed = reload(account).password_hash

    response = client.post(
        path, data={"new_password": "yet another passphrase"}, follow_redirects=True
    )
    assert "This reset link has already been used or is no longer valid." in page(response)
    assert reload(account).password_hash == changed


def test_reset_link_expires(app, client, session, mail):
    account = make_account("ada")
    request_reset(client)
    path = path_of(links_in(mail[0])[0])
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    response = client.post(path, data={"new_password": NEW_PASSWORD}, follow_redirects=True)
    assert "This link has expired. Please ask for a new one." in page(response)
    assert reload(account).password_hash == account.password_hash
    assert "Reset your password" in page(response)


def test_forged_reset_links_are_refused(app, client, session):
    account = make_account("ada")
    before = account.password_hash
    fingerprint = services.password_fingerprint(account)
    forged = URLSafeTimedSerializer("guessed-secret", salt="kindred.reset-password").dumps(
        {"a": account.id, "p": fingerprint}
    )
    with app.test_request_context():
        verify_token = services.verification_token(account)
    for token in (forged, verify_token, "not-a-token"):
        response = client.post(f"/reset/{token}", data={"new_password": NEW_PASSWORD})
        assert response.status_code == 303
        assert response.headers["Location"] == "/reset"
        assert "This link is not valid. Please ask for a new one." in page(client.get("/reset"))
    assert reload(account).password_hash == before


def test_reset_signs_out_every_session(app, client, auth, session, mail):
    make_account("ada")
    auth.login()
    other = app.test_client()
    request_reset(other)
    other.post(path_of(links_in(mail[0])[0]), data={"new_password": NEW_PASSWORD})
    assert client.get("/settings").status_code == 302


def test_reset_proves_the_address_of_an_unverified_account(client, auth, session, mail):
    account = make_account("ada", verified=False)
    request_reset(client)
    client.post(path_of(links_in(mail[0])[0]), data={"new_password": NEW_PASSWORD})
    assert reload(account).is_verified
    assert auth.login(password=NEW_PASSWORD).status_code == 303
