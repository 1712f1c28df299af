"""Passkeys (WebAuthn credentials) as a second factor, through the ``webauthn`` library.

Registration and sign-in each take two steps: options for the browser (with a fresh
challenge the caller keeps until the answer comes back), then the browser's answer,
checked against that challenge, this site's relying-party id and its origin. Nothing
leaves this site: no attestation is asked for and no metadata service is consulted.

Plain functions with explicit arguments. They flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.accounts import emails, services, two_factor
from app.accounts.models import Account, AccountSession, Passkey
from app.db import db, utcnow

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 50
# The browser's answer is a few kilobytes at most; anything longer is not one.
CREDENTIAL_MAX_LENGTH = 20_000
NOT_ACCEPTED = (
    "Your browser's answer for the passkey was not accepted, so nothing was changed. "
    "Please try again."
)


class PasskeyError(two_factor.TwoFactorError):
    """A rule about passkeys said no."""


def _user_handle(account: Account) -> bytes:
    """A stable id for the account that says nothing about it (WebAuthn's ``user.id``)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"kindred.passkey-user:{account.id}".encode(), hashlib.sha256).digest()


def _descriptors(account: Account) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=key.credential_id)
        for key in two_factor.passkeys_of(account)
    ]


def registration_options(account: Account, *, rp_id: str) -> tuple[str, bytes]:
    """Options for the browser to make a passkey, as JSON, and their challenge."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=current_app.config["SITE_NAME"],
        user_name=account.handle,
        user_id=_user_handle(account),
        user_display_name=account.name,
        exclude_credentials=_descriptors(account),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), options.challenge


def add_passkey(
    account: Account,
    *,
    name: str,
    credential: str,
    challenge: bytes | None,
    rp_id: str,
    origin: str,
    keep: AccountSession | None,
    now: datetime | None = None,
) -> tuple[Passkey, list[str] | None]:
    """Keep the passkey the browser made, if its answer checks out.

    Returns it and, when this switches two-factor sign-in on, the ten new recovery codes
    (other sessions are then signed out, as for an authenticator app). The person is
    mailed either way.
    """
    now = now or utcnow()
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise PasskeyError(f"Give the passkey a name of 1 to {NAME_MAX_LENGTH} characters.", "name")
    if challenge is None or not credential or len(credential) > CREDENTIAL_MAX_LENGTH:
        raise PasskeyError(NOT_ACCEPTED)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except Exception as error:  # the library raises many kinds for a bad answer
        logger.info("Passkey registration refused: %s", error)
        raise PasskeyError(NOT_ACCEPTED) from error
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == verified.credential_id)):
        raise PasskeyError("That passkey is already registered.")
    was_on = two_factor.is_on(account)
    passkey = Passkey(
        account_id=account.id,
        name=name,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        created_at=now,
    )
    db.session.add(passkey)
    db.session.flush()
    if was_on:
        emails.send_passkey_added(account, passkey.name)
        return passkey, None
    return passkey, two_factor.switch_on(account, keep=keep, now=now)


def authentication_options(account: Account, *, rp_id: str) -> tuple[str, bytes] | None:
    """Options for the browser to sign in with one of the account's passkeys, as JSON, and
    their challenge; None when the account has no passkey."""
    descriptors = _descriptors(account)
    if not descriptors:
        return None
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=descriptors,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def use_passkey(
    account: Account,
    *,
    credential: str,
    challenge: bytes | None,
    rp_id: str,
    origin: str,
    now: datetime | None = None,
) -> Passkey:
    """Accept the browser's answer as the second factor, if it is one of the account's
    passkeys signing this challenge. Raises PasskeyError otherwise."""
    if challenge is None or not credential or len(credential) > CREDENTIAL_MAX_LENGTH:
        raise PasskeyError(NOT_ACCEPTED)
    try:
        raw_id = parse_authentication_credential_json(credential).raw_id
    except Exception as error:
        raise PasskeyError(NOT_ACCEPTED) from error
    passkey = db.session.scalar(
        select(Passkey).where(Passkey.account_id == account.id, Passkey.credential_id == raw_id)
    )
    if passkey is None:
        raise PasskeyError("That passkey is not one of this account's.")
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except Exception as error:
        logger.info("Passkey sign-in refused: %s", error)
        raise PasskeyError(NOT_ACCEPTED) from error
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_on = (now or utcnow()).date()
    return passkey


def remove_passkey(account: Account, passkey_id: int, password: str) -> Passkey:
    """Remove one of the account's passkeys; needs the password. The last second factor
    is not removed here: switching two-factor sign-in off does that, with a code."""
    if not services.password_is_correct(account, password):
        raise PasskeyError("Your password is not correct.", "password")
    passkey = db.session.scalar(
        select(Passkey).where(Passkey.id == passkey_id, Passkey.account_id == account.id)
    )
    if passkey is None:
        raise PasskeyError("That passkey has already been removed.")
    state = two_factor.state_of(account)
    if state.app is None and len(state.passkeys) == 1:
        raise PasskeyError(
            "This is your only second factor. To stop using two-factor sign-in, switch it "
            "off below (that needs your password and a recovery code)."
        )
    db.session.delete(passkey)
    db.session.flush()
    return passkey
