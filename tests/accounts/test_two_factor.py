"""Two-factor sign-in: setting up an app, the second step of logging in, recovery codes,
rate limits, switching it off, and admins who must use it."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from app.accounts import two_factor
from app.accounts.models import AccountSession, RecoveryCode, TotpSecret
from app.db import db, utcnow
from config import DevelopmentConfig, ProductionConfig, TestConfig
from tests.accounts.support import page, second_step, turn_on_app
from tests.helpers import DEFAULT_PASSWORD, make_account, make_member

WRONG_PASSWORD = "wrong password!"


def signed_in(client) -> bool:
    return client.get("/settings").status_code == 200


def login(client, identifier="ada", password=DEFAULT_PASSWORD, address="192.0.2.1"):
    return client.post(
        "/login",
        data={"identifier": identifier, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def start_setup(client) -> str:
    """Ask for a new authenticator app and read its secret off the setup page."""
    response = client.post("/settings/two-factor/app")
    assert response.status_code == 303
    text = page(client.get(response.headers["Location"]))
    match = re.search(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>', text)
    assert match, "the secret is shown as text for people who cannot scan"
    return match.group(1).replace(" ", "")


def recovery_codes_on(response) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9-]{19})</code></li>", page(response))


# Setting up an authenticator app -----------------------------------------------------


def test_a_wrong_first_code_does_not_switch_two_factor_on(client, auth, session, mail):
    account = make_account("ada")
    auth.login()
    secret = start_setup(client)
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post("/settings/two-factor/app/confirm", data={"code": wrong})
    assert response.status_code == 400
    assert "That code is not right." in page(response)
    assert not two_factor.is_on(account)
    assert count(RecoveryCode) == 0
    assert mail == []
    auth.logout()
    assert login(client).headers["Location"] == "/", "signing in still asks only the password"


def test_the_first_right_code_switches_it_on_shows_ten_codes_once_and_mails(
    app, client, auth, session, mail
):
    account = make_account("ada")
    auth.login()
    laptop = app.test_client()
    login(laptop)
    secret = start_setup(client)
    response = client.post(
        "/settings/two-factor/app/confirm", data={"code": pyotp.TOTP(secret).now()}
    )
    assert response.status_code == 200
    codes = recovery_codes_on(response)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "This is the only time they are shown." in page(response)
    assert two_factor.is_on(account)
    stored = session.scalars(select(RecoveryCode.code_digest)).all()
    assert len(stored) == 10 and not set(codes) & set(stored), "kept only as digests"
    assert all(code not in page(client.get("/settings/two-factor")) for code in codes)
    [message] = mail
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Two-factor sign-in is on"
    assert "Every other device where you were signed in has been signed out." in (
        message.get_content()
    )
    assert signed_in(client), "the session that switched it on stays"
    assert not signed_in(laptop), "every other session had not passed a second factor"


def test_the_setup_page_draws_its_qr_code_itself_and_changes_nothing(client, auth, session):
    make_account("ada")
    auth.login()
    secret = start_setup(client)
    before = session.scalar(select(TotpSecret.secret))
    html = client.get("/settings/two-factor/app").get_data(as_text=True)
    assert re.search(r'<svg role="img" aria-label="QR code for your authenticator app"', html)
    assert "<img" not in html and "style=" not in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert secret == before.replace(" ", "")
    session.expire_all()
    assert session.scalar(select(TotpSecret.confirmed_at)) is None
    assert session.scalar(select(TotpSecret.secret)) == before, "reading the page kept it"


def test_the_setup_address_is_what_authenticator_apps_expect(app, session):
    with app.test_request_context():
        account = make_account("ada")
        row = two_factor.start_app_setup(account)
        uri = two_factor.setup_uri(row, account)
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert (parsed.digits, parsed.interval, parsed.digest().name) == (6, 30, "sha1")
    assert parsed.issuer == "Kindred" and parsed.name == "ada"
    assert "example.org" not in uri, "the app is told the handle, not the email address"


# The second step of logging in ------------------------------------------------------


def test_the_password_step_tells_a_stranger_nothing_about_two_factor(client, session):
    ada = make_account("ada")
    make_account("bea")
    turn_on_app(ada)
    for handle in ("ada", "bea"):
        response = login(client, handle, WRONG_PASSWORD)
        assert response.status_code == 400
        assert "That email or handle and password do not match an account." in page(response)
        assert "two-factor" not in page(response).lower()
        assert "code" not in page(response).lower().replace("unicode", "")


def test_logging_in_without_the_code_does_not_sign_in(client, session):
    turn_on_app(make_account("ada"))
    response = login(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login/two-factor"
    assert not signed_in(client), "the password alone signs nobody in"
    assert count(AccountSession) == 0
    text = page(client.get("/login/two-factor"))
    assert "Confirm it is you" in text and "authenticator app" in text
    for code in ("", "123", "000000", "abcdefghjkmnpqrs"):
        response = second_step(client, code)
        assert response.status_code == 400, code
        assert not signed_in(client)
    assert count(AccountSession) == 0


def test_the_code_signs_in_once_and_cannot_be_used_again(client, auth, session):
    secret = turn_on_app(make_account("ada"))
    login(client)
    code = pyotp.TOTP(secret).now()
    response = second_step(client, code)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert signed_in(client)
    auth.logout()
    login(client)
    response = second_step(client, code)
    assert response.status_code == 400
    assert "That code has already been used." in page(response)
    assert not signed_in(client)


def test_a_code_from_the_step_before_or_after_works_for_drifting_clocks(session):
    secret = turn_on_app(account := make_account("ada"))
    now = utcnow()
    totp = pyotp.TOTP(secret)
    assert two_factor.use_code(account, totp.at(now - timedelta(seconds=30)), now=now) == "app"
    assert two_factor.use_code(account, totp.at(now + timedelta(seconds=30)), now=now) == "app"
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.use_code(account, totp.at(now + timedelta(seconds=90)), now=now)


def test_after_logging_in_it_goes_where_it_was_going_and_remembers_if_asked(client, session):
    secret = turn_on_app(make_account("ada"))
    client.post(
        "/login?next=/settings",
        data={"identifier": "ada", "password": DEFAULT_PASSWORD, "remember": "y"},
    )
    response = second_step(client, pyotp.TOTP(secret).now())
    assert response.headers["Location"] == "/settings"
    assert "Expires=" in response.headers["Set-Cookie"]


def test_each_recovery_code_works_once_and_the_person_is_told(client, auth, session, mail):
    account = make_account("ada")
    turn_on_app(account)
    codes = two_factor.replace_recovery_codes(account, DEFAULT_PASSWORD)
    db.session.commit()
    mail.clear()
    for used, code in enumerate(codes[:3], start=1):
        login(client)
        response = second_step(client, code.upper().replace("-", " "))
        assert response.status_code == 303, "typed in capitals and with spaces, it still works"
        assert signed_in(client)
        assert mail[-1]["Subject"] == "A recovery code was used"
        assert f"You have {10 - used} recovery codes left" in mail[-1].get_content()
        auth.logout()
        login(client)
        response = second_step(client, code)
        assert response.status_code == 400, "a used code works no more"
        assert not signed_in(client)
    assert len(mail) == 3


def test_new_recovery_codes_replace_the_old_ones(client, auth, session):
    account = make_account("ada")
    turn_on_app(account)
    old = two_factor.replace_recovery_codes(account, DEFAULT_PASSWORD)
    db.session.commit()
    auth.login()
    second_step(client, pyotp.TOTP(two_factor._totp_row(account).secret).now())
    refused = client.post("/settings/two-factor/recovery-codes", data={"codes-password": "nope"})
    assert refused.status_code == 400 and "Your password is not correct." in page(refused)
    response = client.post(
        "/settings/two-factor/recovery-codes", data={"codes-password": DEFAULT_PASSWORD}
    )
    new = recovery_codes_on(response)
    assert len(new) == 10 and not set(new) & set(old)
    auth.logout()
    login(client)
    assert second_step(client, old[0]).status_code == 400
    assert second_step(client, new[0]).status_code == 303


def test_the_wait_for_the_second_factor_ends(app, client, session):
    account = make_account("ada")
    secret = turn_on_app(account)
    login(client)
    app.config["TWO_FACTOR_LOGIN_MAX_AGE"] = -1
    response = second_step(client, pyotp.TOTP(secret).now())
    assert response.headers["Location"] == "/login"
    assert "That took too long, so please log in again." in page(client.get("/login"))
    assert not signed_in(client)


def test_a_password_changed_meanwhile_ends_the_wait(app, client, session):
    from app.accounts import services

    account = make_account("ada")
    secret = turn_on_app(account)
    login(client)
    services.set_password(account, "an entirely new passphrase")
    db.session.commit()
    response = second_step(client, pyotp.TOTP(secret).now())
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_the_second_step_without_a_first_goes_to_log_in(client):
    assert client.get("/login/two-factor").headers["Location"] == "/login"
    assert second_step(client, "123456").headers["Location"] == "/login"


# Rate limits ----------------------------------------------------------------------


def test_wrong_codes_from_one_client_are_held_and_told_how_long(app, client, session):
    app.config["TWO_FACTOR_LIMIT_PER_ACCOUNT_AND_CLIENT"] = "3 per 15 minutes"
    secret = turn_on_app(make_account("ada"))
    login(client)
    for _ in range(3):
        assert second_step(client, "000000").status_code == 400
    response = second_step(client, pyotp.TOTP(secret).now())
    assert response.status_code == 429
    assert "about 15 minutes" in page(response)
    assert not signed_in(client), "a held client is refused before its code is checked"
    owner = app.test_client()
    login(owner, address="198.51.100.7")
    code = pyotp.TOTP(secret).now()
    assert second_step(owner, code, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 303


def test_guessing_codes_from_many_places_is_bounded_per_account(app, session):
    app.config["TWO_FACTOR_LIMIT_PER_ACCOUNT"] = "4 per day"
    secret = turn_on_app(make_account("ada"))
    checked = 0
    for place in range(6):
        address = f"203.0.113.{place}"
        guesser = app.test_client()
        login(guesser, address=address)
        for _ in range(5):  # each place's own limit allows 5 in 15 minutes
            response = second_step(guesser, "000000", environ_base={"REMOTE_ADDR": address})
            checked += response.status_code == 400
    # The account-wide 4, plus the 3 each place may fail before the limit holds it.
    assert checked == 4 + 3 * 6
    owner = app.test_client()
    login(owner, address="198.51.100.7")
    code = pyotp.TOTP(secret).now()
    response = second_step(owner, code, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 303, "the person, from their own place, still gets in"


def test_one_client_is_limited_across_accounts_at_the_second_step(app, client, session):
    app.config["TWO_FACTOR_LIMIT_PER_CLIENT"] = "2 per 15 minutes"
    for handle in ("ada", "bea", "cyd"):
        turn_on_app(make_account(handle))
    for handle in ("ada", "bea"):
        login(client, handle)
        assert second_step(client, "000000").status_code == 400
    login(client, "cyd")
    assert second_step(client, "000000").status_code == 429


# Switching it off -------------------------------------------------------------------


def test_switching_off_needs_the_password_and_a_code(client, auth, session, mail):
    account = make_account("ada")
    secret = turn_on_app(account)
    login(client)
    totp = pyotp.TOTP(secret)
    second_step(client, totp.at(utcnow() - timedelta(seconds=30)))
    mail.clear()
    for password, code, message in (
        ("not my password", totp.now(), "Your password is not correct."),
        (DEFAULT_PASSWORD, "000000", "That code is not right."),
        (DEFAULT_PASSWORD, "", "Enter the code."),
    ):
        response = client.post(
            "/settings/two-factor/off", data={"off-password": password, "off-code": code}
        )
        assert response.status_code == 400
        assert message in page(response)
        assert two_factor.is_on(account)
    response = client.post(
        "/settings/two-factor/off", data={"off-password": DEFAULT_PASSWORD, "off-code": totp.now()}
    )
    assert response.status_code == 303
    assert not two_factor.is_on(account)
    assert count(TotpSecret) == count(RecoveryCode) == 0
    [message] = mail
    assert message["Subject"] == "Two-factor sign-in is off"
    auth.logout()
    assert login(client).headers["Location"] == "/"


def test_remove_all_deletes_every_second_factor_for_account_deletion(session):
    account, other = make_account("ada"), make_account("bea")
    turn_on_app(account)
    turn_on_app(other)
    two_factor.remove_all(account)
    db.session.commit()
    assert not two_factor.is_on(account)
    assert two_factor.is_on(other)
    assert (
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.account_id == account.id)
        )
        == 0
    )


# Admins -----------------------------------------------------------------------------


def test_admins_must_use_two_factor_where_the_setting_says_so():
    assert ProductionConfig.ADMIN_REQUIRE_TWO_FACTOR is True
    assert DevelopmentConfig.ADMIN_REQUIRE_TWO_FACTOR is False
    assert TestConfig.ADMIN_REQUIRE_TWO_FACTOR is False


@pytest.mark.parametrize(
    ("method", "url"), [("GET", "/admin/accounts"), ("POST", "/admin/memberships")]
)
def test_an_admin_without_two_factor_is_sent_to_set_it_up_first(app, client, session, method, url):
    app.config["ADMIN_REQUIRE_TWO_FACTOR"] = True
    opal = make_member("opal", admin=True)
    login(client, "opal")
    response = client.open(url, method=method, data={"handle": "opal", "reason": "x"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/settings/two-factor"
    assert "Admin pages need two-factor sign-in." in page(client.get("/settings/two-factor"))
    secret = turn_on_app(opal)
    response = client.get("/admin/accounts")
    assert response.headers["Location"].startswith("/login"), "its old session was signed out"
    login(client, "opal")
    second_step(client, pyotp.TOTP(secret).now())
    assert client.get("/admin/accounts").status_code == 200
