"""Passkeys as a second factor, through the real forms, answered by a software authenticator."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from app.accounts import two_factor
from app.accounts.models import Passkey
from app.db import db
from tests.accounts.soft_authenticator import SoftAuthenticator
from tests.accounts.support import page
from tests.helpers import DEFAULT_PASSWORD, make_account


def options_on(response) -> str:
    match = re.search(r'data-passkey-options="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page carries the passkey options for the script"
    return html.unescape(match.group(1))


def log_in(client, handle="ada"):
    return client.post("/login", data={"identifier": handle, "password": DEFAULT_PASSWORD})


def add_passkey(client, key: SoftAuthenticator, name="Laptop", **create):
    credential = key.create(options_on(client.get("/settings/two-factor")), **create)
    return client.post(
        "/settings/two-factor/passkeys", data={"name": name, "credential": credential}
    )


def passkey_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Passkey))


def test_a_first_passkey_switches_two_factor_on_and_signs_in(client, session, mail):
    account = make_account("ada")
    log_in(client)
    key = SoftAuthenticator()
    response = add_passkey(client, key)
    assert response.status_code == 200
    assert "Your passkey is added. Two-factor sign-in is on." in page(response)
    assert len(re.findall(r"<li><code>", page(response))) == 10
    assert two_factor.is_on(account)
    assert mail[-1]["Subject"] == "Two-factor sign-in is on"
    client.post("/logout")

    assert log_in(client).headers["Location"] == "/login/two-factor"
    step = client.get("/login/two-factor")
    assert '<script src="/static/passkeys.js"></script>' in step.get_data(as_text=True)
    response = client.post("/login/two-factor", data={"credential": key.get(options_on(step))})
    assert response.status_code == 303
    assert client.get("/settings").status_code == 200
    assert session.scalar(select(Passkey.sign_count)) == 1


def test_a_passkey_answer_is_used_once_and_only_for_its_challenge(client, session):
    make_account("ada")
    log_in(client)
    key = SoftAuthenticator()
    add_passkey(client, key)
    client.post("/logout")
    log_in(client)
    answer = key.get(options_on(client.get("/login/two-factor")))
    assert client.post("/login/two-factor", data={"credential": answer}).status_code == 303
    client.post("/logout")
    log_in(client)
    client.get("/login/two-factor")
    response = client.post("/login/two-factor", data={"credential": answer})
    assert response.status_code == 400
    assert "was not accepted" in page(response)
    assert client.get("/settings").status_code == 302


def test_a_passkey_made_for_another_site_is_refused(client, session):
    make_account("ada")
    log_in(client)
    response = add_passkey(client, SoftAuthenticator(), origin="http://evil.example")
    assert response.status_code == 400
    assert "was not accepted, so nothing was changed" in page(response)
    assert passkey_count() == 0


def test_another_accounts_passkey_is_refused(app, client, session):
    make_account("ada")
    make_account("bea")
    bea = app.test_client()
    log_in(bea, "bea")
    bea_key = SoftAuthenticator()
    add_passkey(bea, bea_key)
    log_in(client)
    ada_key = SoftAuthenticator()
    add_passkey(client, ada_key)
    client.post("/logout")
    log_in(client)
    answer = bea_key.get(options_on(client.get("/login/two-factor")))
    response = client.post("/login/two-factor", data={"credential": answer})
    assert response.status_code == 400
    assert "That passkey is not one of this account's." in page(response)


@pytest.mark.parametrize(
    "credential", ["{", "[]", '{"id": 1}', "x" * 30_000, '{"id":"a","rawId":"!!"}'], ids=repr
)
def test_nonsense_in_place_of_a_passkey_answer_is_refused_plainly(client, session, credential):
    make_account("ada")
    log_in(client)
    add_passkey(client, SoftAuthenticator())
    client.post("/logout")
    log_in(client)
    client.get("/login/two-factor")
    response = client.post("/login/two-factor", data={"credential": credential})
    assert response.status_code == 400
    assert client.get("/settings").status_code == 302


def test_a_passkey_needs_a_name(client, session):
    make_account("ada")
    log_in(client)
    response = add_passkey(client, SoftAuthenticator(), name="")
    assert response.status_code == 400
    assert "Give the passkey a name" in page(response)
    assert passkey_count() == 0


def test_removing_a_passkey_needs_the_password_and_never_the_last_factor(client, session, mail):
    account = make_account("ada")
    log_in(client)
    add_passkey(client, first := SoftAuthenticator())
    add_passkey(client, SoftAuthenticator(), name="Phone")
    assert mail[-1]["Subject"] == "A passkey was added"
    laptop, phone = db.session.scalars(select(Passkey).order_by(Passkey.id)).all()
    url = f"/settings/two-factor/passkeys/{phone.id}/remove"
    assert "Remove the passkey “Phone”" in page(client.get(url))
    refused = client.post(url, data={"password": "not my password"})
    assert refused.status_code == 400 and passkey_count() == 2
    assert client.post(url, data={"password": DEFAULT_PASSWORD}).status_code == 303
    assert passkey_count() == 1
    last = f"/settings/two-factor/passkeys/{laptop.id}/remove"
    response = client.post(last, data={"password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "This is your only second factor." in page(response)
    assert two_factor.is_on(account) and first.credential_id == laptop.credential_id


def test_nobody_removes_another_accounts_passkey(app, client, session):
    make_account("ada")
    make_account("cyd")
    log_in(client)
    add_passkey(client, SoftAuthenticator())
    [passkey] = db.session.scalars(select(Passkey)).all()
    other = app.test_client()
    log_in(other, "cyd")
    url = f"/settings/two-factor/passkeys/{passkey.id}/remove"
    assert other.get(url).status_code == 404
    assert other.post(url, data={"password": DEFAULT_PASSWORD}).status_code == 404
    assert passkey_count() == 1
