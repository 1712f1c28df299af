"""Two-factor sign-in: an authenticator app (TOTP), passkeys, and single-use recovery codes.

Two-factor sign-in is on while the account has a confirmed authenticator app or at least
one passkey. Switching it on makes ten recovery codes, shown once and kept only hashed;
switching it off needs the password and a code, and removes every second factor. The
person is mailed whenever it is switched on or off and whenever a recovery code is used.

TOTP is what every authenticator app expects (RFC 6238: SHA-1, 6 digits, 30 seconds),
computed by ``pyotp``; a code is accepted for the step before and after the current one
(clocks drift), and never twice: the step of the last accepted code is kept, and a
code must be from a later step.

Plain functions with explicit arguments. They flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, exists, func, or_, select, update

from app.accounts import emails, services, sessions
from app.accounts.models import Account, AccountSession, Passkey, RecoveryCode, TotpSecret
from app.db import db, utcnow
from app.input import MAX_ID

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/i/l: a code is read off paper and typed. 16 of 31 symbols is 79 bits, so a
# plain SHA-256 digest is enough to keep it (no slow hash needed against guessing).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 16
TOTP_DRIFT_STEPS = 1

WRONG_CODE = (
    "That code is not right. Enter the 6 digits your authenticator app shows now, "
    "or one of your recovery codes."
)


class TwoFactorError(services.AccountError):
    """A rule of two-factor sign-in said no."""


@dataclass(frozen=True)
class TwoFactorState:
    """What a person's settings page shows about their second factors."""

    app: TotpSecret | None
    pending_app: TotpSecret | None
    passkeys: list[Passkey]
    recovery_codes_left: int

    @property
    def is_on(self) -> bool:
        return self.app is not None or bool(self.passkeys)


# Reading ----------------------------------------------------------------------------


def is_on(account: Account) -> bool:
    """Whether signing in to ``account`` asks for a second factor (one query)."""
    return bool(
        db.session.scalar(
            select(
                or_(
                    exists().where(
                        TotpSecret.account_id == account.id, TotpSecret.confirmed_at.is_not(None)
                    ),
                    exists().where(Passkey.account_id == account.id),
                )
            )
        )
    )


def _totp_row(account: Account) -> TotpSecret | None:
    return db.session.scalar(select(TotpSecret).where(TotpSecret.account_id == account.id))


def _confirmed_app(account: Account) -> TotpSecret | None:
    row = _totp_row(account)
    return row if row is not None and row.confirmed_at is not None else None


def passkeys_of(account: Account) -> list[Passkey]:
    return list(
        db.session.scalars(
            select(Passkey).where(Passkey.account_id == account.id).order_by(Passkey.id)
        )
    )


def recovery_codes_left(account: Account) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))
    )


def state_of(account: Account) -> TwoFactorState:
    row = _totp_row(account)
    confirmed = row is not None and row.confirmed_at is not None
    return TwoFactorState(
        app=row if confirmed else None,
        pending_app=None if confirmed else row,
        passkeys=passkeys_of(account),
        recovery_codes_left=recovery_codes_left(account),
    )


# Between the two steps of signing in ----------------------------------------------


def awaiting_second_factor(
    account: Account, *, remember: bool, next_target: str | None, now: datetime | None = None
) -> dict:
    """What the session cookie keeps between the password and the second factor: whose
    sign-in it is, when the password was given, and a fingerprint of that password (so a
    password changed in between ends the wait)."""
    return {
        "a": account.id,
        "p": services.password_fingerprint(account),
        "t": int((now or utcnow()).timestamp()),
        "r": bool(remember),
        "n": next_target,
    }


def account_awaiting_second_factor(
    pending: object, *, now: datetime | None = None
) -> Account | None:
    """The account whose sign-in waits for its second factor, or None when nothing waits,
    the wait is older than TWO_FACTOR_LOGIN_MAX_AGE, or the password has changed since."""
    if not isinstance(pending, dict):
        return None
    account_id, started = pending.get("a"), pending.get("t")
    if not isinstance(account_id, int) or not isinstance(started, int):
        return None
    age = (now or utcnow()).timestamp() - started
    if not 0 <= age <= current_app.config["TWO_FACTOR_LOGIN_MAX_AGE"]:
        return None
    account = db.session.get(Account, account_id) if 0 < account_id <= MAX_ID else None
    if account is None or pending.get("p") != services.password_fingerprint(account):
        return None
    return account if is_on(account) else None


# Setting up an authenticator app ----------------------------------------------------


def start_app_setup(account: Account, *, now: datetime | None = None) -> TotpSecret:
    """Make a new secret for an authenticator app, not yet switched on."""
    row = _totp_row(account)
    if row is not None and row.confirmed_at is not None:
        raise TwoFactorError("An authenticator app is already set up for your account.")
    if row is None:
        row = TotpSecret(account_id=account.id)
        db.session.add(row)
    row.secret = pyotp.random_base32()
    row.created_at = now or utcnow()
    row.last_used_step = None
    db.session.flush()
    return row


def pending_app(account: Account) -> TotpSecret | None:
    """The authenticator app being set up (waiting for its first code), if any."""
    row = _totp_row(account)
    return row if row is not None and row.confirmed_at is None else None


def setup_uri(row: TotpSecret, account: Account) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    issuer = current_app.config["SITE_NAME"]
    return pyotp.TOTP(row.secret).provisioning_uri(name=account.handle, issuer_name=issuer)


def qr_code_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG, drawn here (nothing from elsewhere)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr-code", lineclass=None, omitsize=False
    )
    label = "QR code for your authenticator app"
    # segno writes only its own markup (the address is drawn as modules, never as text).
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_app(
    account: Account,
    code: str,
    *,
    keep: AccountSession | None,
    now: datetime | None = None,
) -> list[str] | None:
    """Switch the authenticator app being set up on, if ``code`` is one it shows now.

    When this switches two-factor sign-in on, every other session of the account is signed
    out (each that remains has passed the second factor), ten recovery codes are made and
    returned (shown once), and the person is mailed. Returns None when two-factor sign-in
    was already on through a passkey.
    """
    now = now or utcnow()
    row = pending_app(account)
    if row is None:
        raise TwoFactorError("Start setting up an authenticator app first.")
    step = _matching_step(row.secret, code, now)
    if step is None:
        raise TwoFactorError(
            "That code is not right. Check that the time on your phone is set automatically,"
            " and enter the 6 digits the app shows now.",
            "code",
        )
    was_on = is_on(account)
    row.confirmed_at = now
    row.last_used_step = step
    db.session.flush()
    if was_on:
        return None
    return switch_on(account, keep=keep, now=now)


def switch_on(account: Account, *, keep: AccountSession | None, now: datetime) -> list[str]:
    """What follows a first second factor: other sessions end, codes are made, mail goes."""
    ended = sessions.end_other_sessions(account, keep)
    codes = _make_recovery_codes(account, now)
    emails.send_two_factor_on(account, other_sessions_ended=ended)
    return codes


# Codes at sign-in -----------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step (around ``now``) whose code is ``code``, if any."""
    code = _normalise(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_app_code(account: Account, code: str, now: datetime) -> bool:
    row = _confirmed_app(account)
    if row is None:
        return False
    step = _matching_step(row.secret, code, now)
    if step is None:
        return False
    # In one statement, so two requests with the same code cannot both be accepted.
    accepted = db.session.execute(
        update(TotpSecret)
        .where(
            TotpSecret.id == row.id,
            or_(TotpSecret.last_used_step.is_(None), TotpSecret.last_used_step < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not accepted:
        raise TwoFactorError(
            "That code has already been used. Wait for your app to show the next one.", "code"
        )
    db.session.expire(row)
    return True


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _looks_like_recovery_code(code: str) -> bool:
    code = _normalise(code)
    return len(code) == RECOVERY_CODE_LENGTH and all(c in RECOVERY_ALPHABET for c in code)


def _use_recovery_code(account: Account, code: str, now: datetime) -> bool:
    if not _looks_like_recovery_code(code):
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.account_id == account.id,
            RecoveryCode.code_digest == _digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(used)


def use_code(account: Account, code: str, *, now: datetime | None = None) -> str:
    """Accept a code from the authenticator app or an unused recovery code, once.

    Returns ``"app"`` or ``"recovery code"``; a recovery code is used up, and the person
    is mailed that it was. Raises TwoFactorError for anything else.
    """
    now = now or utcnow()
    if _use_app_code(account, code, now):
        return "app"
    if _use_recovery_code(account, code, now):
        emails.send_recovery_code_used(account, left=recovery_codes_left(account))
        return "recovery code"
    raise TwoFactorError(WRONG_CODE, "code")


# Recovery codes -----------------------------------------------------------------------


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def _make_recovery_codes(account: Account, now: datetime) -> list[str]:
    db.session.execute(
        delete(RecoveryCode)
        .where(RecoveryCode.account_id == account.id)
        .execution_options(synchronize_session="fetch")
    )
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(account_id=account.id, code_digest=_digest(code), created_at=now)
        for code in codes
    )
    db.session.flush()
    return codes


def replace_recovery_codes(
    account: Account, password: str, *, now: datetime | None = None
) -> list[str]:
    """Make ten new recovery codes (the old ones stop working); needs the password."""
    if not services.password_is_correct(account, password):
        raise TwoFactorError("Your password is not correct.", "password")
    if not is_on(account):
        raise TwoFactorError("Two-factor sign-in is off, so there are no recovery codes.")
    return _make_recovery_codes(account, now or utcnow())


# Switching off ------------------------------------------------------------------------


def switch_off(account: Account, password: str, code: str, *, now: datetime | None = None) -> None:
    """Remove every second factor and recovery code; needs the password and a code."""
    if not services.password_is_correct(account, password):
        raise TwoFactorError("Your password is not correct.", "password")
    if not is_on(account):
        raise TwoFactorError("Two-factor sign-in is already off.")
    use_code(account, code, now=now)
    remove_all(account)
    emails.send_two_factor_off(account)


def remove_all(account: Account) -> None:
    """Delete the account's authenticator app, passkeys and recovery codes, without asking
    (for account deletion, and after ``switch_off`` has checked)."""
    for model in (TotpSecret, Passkey, RecoveryCode):
        db.session.execute(
            delete(model)
            .where(model.account_id == account.id)
            .execution_options(synchronize_session="fetch")
        )
