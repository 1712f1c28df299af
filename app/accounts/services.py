"""Account rules: sign-up, verification, sign-in, passwords, email and profile.

Plain functions with explicit arguments. They flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.accounts import sessions
from app.accounts.models import Account, AccountSession
from app.db import db, utcnow
from app.domain import DomainError
from app.times import is_zone

HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{3,30}$")
RESERVED_HANDLES = frozenset(
    {
        "admin",
        "administrator",
        "kindred",
        "moderator",
        "mod",
        "root",
        "staff",
        "support",
        "system",
        "help",
        "security",
        "stripe",
        "api",
        "static",
        "settings",
        "anonymous",
    }
)
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "password1234",
        "iloveyou123",
        "abcdefghij",
        "0123456789",
        "letmein1234",
        "welcome123",
        "passw0rd123",
        "qwerty12345",
        "1q2w3e4r5t",
        "aaaaaaaaaa",
        "trustno1234",
        "football123",
        "monkey12345",
        "dragon12345",
    }
)


class AccountError(DomainError):
    """A rule of this feature said no."""


class InvalidToken(AccountError):
    """A mailed link that is forged, expired, already used or no longer applies."""


# Validation --------------------------------------------------------------------


def normalize_email(email: str) -> str:
    return email.strip().lower()


def handle_problem(handle: str) -> str | None:
    """Why a handle cannot be used (format or reserved word), or None if it can."""
    if not HANDLE_PATTERN.match(handle):
        return "Handles are 3 to 30 characters: letters, digits, '-' and '_'."
    if handle.lower() in RESERVED_HANDLES:
        return "That handle is reserved. Please choose another."
    return None


def password_problem(password: str, *, email: str = "", handle: str = "") -> str | None:
    """Why a password is too weak, or None if it is acceptable."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Use at least {PASSWORD_MIN_LENGTH} characters."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Use at most {PASSWORD_MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "That password is too easy to guess. Try a few unrelated words."
    local_part = email.split("@")[0].lower()
    if (handle and handle.lower() in lowered) or (len(local_part) >= 4 and local_part in lowered):
        return "Your password should not contain your handle or email address."
    return None


# Passwords ---------------------------------------------------------------------


def _hasher() -> PasswordHasher:
    return PasswordHasher(**current_app.config["PASSWORD_HASH_PARAMS"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_is_correct(account: Account, password: str) -> bool:
    """Whether ``password`` is the account's (rehashing it if the parameters changed)."""
    hasher = _hasher()
    try:
        hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hasher.hash(password)
    return True


# Lookups -----------------------------------------------------------------------


def get_account_by_email(email: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.email == normalize_email(email)))


def get_account_by_handle(handle: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.handle_key == handle.strip().lower()))


def find_account(identifier: str) -> Account | None:
    """The account named by an email address or a handle, as typed at login."""
    identifier = identifier.strip()
    if "@" in identifier:
        return get_account_by_email(identifier)
    return get_account_by_handle(identifier)


def email_taken(email: str) -> bool:
    return get_account_by_email(email) is not None


# Sign-up and verification ------------------------------------------------------


def register_account(
    email: str, handle: str, password: str, display_name: str | None = None
) -> Account:
    """Create an unverified account, or raise AccountError naming the field at fault."""
    email = normalize_email(email)
    handle = handle.strip()
    if problem := handle_problem(handle):
        raise AccountError(problem, "handle")
    if problem := password_problem(password, email=email, handle=handle):
        raise AccountError(problem, "password")
    if email_taken(email):
        raise AccountError(
            "An account already uses this email address. Log in, or reset your password.",
            "email",
        )
    if get_account_by_handle(handle) is not None:
        raise AccountError("That handle is taken. Please choose another.", "handle")
    account = Account(
        email=email,
        handle=handle,
        handle_key=handle.lower(),
        display_name=(display_name or "").strip() or None,
        password_hash=hash_password(password),
    )
    db.session.add(account)
    db.session.flush()
    return account


# Sign-up without bots: a field people leave empty, and a minimum time to fill the form.
# No third party and no puzzle; the sign-up rate limits (per client, per address) stay.

HONEYPOT_FILLED = (
    "A field that people leave empty had something in it (a browser add-on can fill it in "
    "by mistake). We have emptied it: please check the form and press Create account again."
)
TOO_QUICK = (
    "That was quicker than people usually fill in this form, so nothing was sent yet. "
    "Please check the form and press Create account again."
)
FORM_OUT_OF_DATE = (
    "This form was open for a long time, so we have refreshed it. "
    "Please check it and press Create account again."
)


def signup_form_token(now: datetime | None = None) -> str:
    """A signed note of when the sign-up form was shown, for its hidden field."""
    moment = now or utcnow()
    return _serializer("signup-form").dumps({"shown": moment.timestamp()})


def _signup_form_shown(token: str | None) -> datetime | None:
    try:
        data = _serializer("signup-form").loads(token or "")
    except BadSignature:
        return None
    shown = data.get("shown") if isinstance(data, dict) else None
    if not isinstance(shown, int | float) or isinstance(shown, bool):
        return None
    try:
        return datetime.fromtimestamp(shown, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def signup_form_token_to_keep(token: str | None, now: datetime | None = None) -> str:
    """The token to show the form again with: the same one while it is still good (so the
    minimum time counts from the first showing), else a new one."""
    now = now or utcnow()
    shown = _signup_form_shown(token)
    max_age = timedelta(seconds=current_app.config["SIGNUP_FORM_MAX_AGE"])
    if token and shown is not None and shown <= now and now - shown <= max_age:
        return token
    return signup_form_token(now)


def check_signup_pace(
    honeypot: str | None, form_token: str | None, *, now: datetime | None = None
) -> None:
    """Refuse a sign-up whose hidden field was filled in, or that came sooner than
    SIGNUP_MIN_SECONDS after the form was shown (or with no good note of when that was).
    With SIGNUP_MIN_SECONDS at 0 the time is not checked."""
    if honeypot:
        raise AccountError(HONEYPOT_FILLED, "website")
    minimum = current_app.config["SIGNUP_MIN_SECONDS"]
    if minimum <= 0:
        return
    now = now or utcnow()
    shown = _signup_form_shown(form_token)
    max_age = timedelta(seconds=current_app.config["SIGNUP_FORM_MAX_AGE"])
    if shown is None or shown > now or now - shown > max_age:
        raise AccountError(FORM_OUT_OF_DATE, "started")
    if now - shown < timedelta(seconds=minimum):
        raise AccountError(TOO_QUICK, "started")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kindred.{purpose}")


def _load_token(purpose: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise InvalidToken("This link has expired. Please ask for a new one.") from error
    except BadSignature as error:
        raise InvalidToken("This link is not valid. Please ask for a new one.") from error
    if not isinstance(data, dict):
        raise InvalidToken("This link is not valid. Please ask for a new one.")
    return data


def verification_token(account: Account) -> str:
    return _serializer("verify-email").dumps({"a": account.id, "e": account.email})


def verify_email(token: str) -> Account:
    """Mark the address in the token verified; the token must match the current address."""
    data = _load_token("verify-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    account = db.session.get(Account, data.get("a"))
    if account is None or account.email != data.get("e"):
        raise InvalidToken("This link is not valid. Please ask for a new one.")
    if account.email_verified_at is None:
        account.email_verified_at = utcnow()
    return account


# Signing in ----------------------------------------------------------------------


class UnverifiedEmail(AccountError):
    """Correct password, but the email address is not verified yet."""


def authenticate(identifier: str, password: str) -> Account:
    """Return the account for an email or handle and password, or raise AccountError.

    The message never says which of the two was wrong.
    """
    account = find_account(identifier)
    if account is None:
        # Spend the same time as a real check, so timing does not reveal accounts.
        _hasher().hash(secrets.token_hex(8))
        raise AccountError("That email or handle and password do not match an account.")
    if not password_is_correct(account, password):
        raise AccountError("That email or handle and password do not match an account.")
    if not account.is_verified:
        raise UnverifiedEmail(
            "Please verify your email address first: follow the link we sent you."
        )
    return account


# Passwords: change and reset -----------------------------------------------------


def password_fingerprint(account: Account) -> str:
    """Changes whenever the password does, so a reset link works once (and a sign-in
    waiting for its second factor ends when the password changes)."""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def reset_token(account: Account) -> str:
    return _serializer("reset-password").dumps(
        {"a": account.id, "p": password_fingerprint(account)}
    )


def account_for_reset_token(token: str) -> Account:
    data = _load_token("reset-password", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    account = db.session.get(Account, data.get("a"))
    if account is None or data.get("p") != password_fingerprint(account):
        raise InvalidToken("This reset link has already been used or is no longer valid.")
    return account


def set_password(
    account: Account, new_password: str, *, keep: AccountSession | None = None
) -> None:
    """Set a new password and sign out every session but ``keep``."""
    if problem := password_problem(new_password, email=account.email, handle=account.handle):
        raise AccountError(problem, "new_password")
    account.password_hash = hash_password(new_password)
    sessions.end_other_sessions(account, keep)


def reset_password(token: str, new_password: str) -> Account:
    """Use a reset link. Following it also proves the email address."""
    account = account_for_reset_token(token)
    set_password(account, new_password)
    if account.email_verified_at is None:
        account.email_verified_at = utcnow()
    return account


def change_password(
    account: Account,
    current_password: str,
    new_password: str,
    *,
    keep: AccountSession | None = None,
) -> None:
    """Change the password and sign out every other session (all but ``keep``)."""
    if not password_is_correct(account, current_password):
        raise AccountError("Your current password is not correct.", "current_password")
    set_password(account, new_password, keep=keep)


# Email change --------------------------------------------------------------------


def request_email_change(account: Account, new_email: str, password: str) -> str:
    """Check the request and return a token to mail to the new address."""
    new_email = normalize_email(new_email)
    if not password_is_correct(account, password):
        raise AccountError("Your password is not correct.", "password")
    if new_email == account.email:
        raise AccountError("That is already your email address.", "email")
    if email_taken(new_email):
        raise AccountError("Another account already uses that email address.", "email")
    return _serializer("change-email").dumps({"a": account.id, "o": account.email, "e": new_email})


def confirm_email_change(account: Account, token: str) -> str:
    """Switch to the address in the token; return the old address.

    A link works once: it names the address it replaces, so after any change of
    address it no longer applies.
    """
    data = _load_token("change-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    if data.get("a") != account.id:
        raise InvalidToken("This link belongs to another account.")
    if data.get("o") != account.email:
        raise InvalidToken("This link has already been used or is no longer valid.")
    new_email = data["e"]
    if email_taken(new_email):
        raise InvalidToken("Another account now uses that email address.")
    old_email = account.email
    account.email = new_email
    account.email_verified_at = utcnow()
    return old_email


# Profile and roles ---------------------------------------------------------------


def update_profile(
    account: Account, display_name: str | None, bio: str | None, *, time_zone: str | None = None
) -> None:
    """Change what others see (display name, bio) and the zone times are shown in; an
    unknown zone name is refused (``AccountError`` on ``time_zone``), changing nothing."""
    if time_zone is not None and not is_zone(time_zone):
        raise AccountError("That is not a time zone we know.", "time_zone")
    account.display_name = (display_name or "").strip() or None
    account.bio = (bio or "").strip() or None
    if time_zone is not None:
        account.time_zone = time_zone


def create_admin(email: str, handle: str | None = None) -> tuple[Account, str | None]:
    """Make the account with this email an admin, creating it if needed.

    Returns the account and, when it was created, its generated password.
    """
    account = get_account_by_email(email)
    if account is not None:
        account.is_admin = True
        return account, None
    password = secrets.token_urlsafe(15)
    handle = handle or _free_handle(normalize_email(email).split("@")[0])
    account = register_account(email, handle, password)
    account.is_admin = True
    account.email_verified_at = utcnow()
    return account, password


def _free_handle(base: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "", base)[:24] or "operator"
    if len(base) < 3 or base.lower() in RESERVED_HANDLES:
        base = f"{base}-op"
    candidate, n = base, 1
    while db.session.scalar(
        select(func.count()).select_from(Account).where(Account.handle_key == candidate.lower())
    ):
        n += 1
        candidate = f"{base}{n}"
    return candidate
