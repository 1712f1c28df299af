"""Notification mail: one message at once, or the day's digest, each with its way out.

Every message carries a one-click unsubscribe link for its kind (``List-Unsubscribe``
and ``List-Unsubscribe-Post``, RFC 8058, and the same link in its text): a signed token
naming the account and the kind, which works signed out and changes nothing until it
is confirmed by a POST. A digest's link stops the digest: every kind mailed in it.

Links are absolute: to the current request's address, or outside a request (the daily
digests, the reconcile command) to ``SITE_URL``.
Mail is queued with the change that caused it (``app.mail.send_mail``).
"""

from __future__ import annotations

import logging

from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.accounts.models import Account
from app.db import db, utcnow
from app.domain import DomainError
from app.mail import send_mail
from app.notifications.models import KINDS, Notification

logger = logging.getLogger(__name__)

# An unsubscribe link works this long: people open old mail.
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 90
DIGEST = "digest"
DIGEST_SHOWN_MAX = 50


class InvalidUnsubscribeLink(DomainError):
    """An unsubscribe link that is forged, garbled, expired, or names nobody now."""


class NoSiteAddress(RuntimeError):
    """Mail outside a request needs SITE_URL to make its links."""


def site_url() -> str:
    """The site's address with no trailing slash: the request's, else SITE_URL."""
    if has_request_context():
        return request.url_root.rstrip("/")
    configured = current_app.config.get("SITE_URL")
    if configured:
        return configured.rstrip("/")
    raise NoSiteAddress(
        "SITE_URL is not set, so mail sent outside a request has no address for its links "
        "(set it to the site's address, e.g. https://kindred.example)"
    )


def absolute(path: str) -> str:
    return site_url() + path


def _path(endpoint: str, **values) -> str:
    return current_app.url_map.bind("").build(endpoint, values)


# Unsubscribe links -------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kindred.unsubscribe")


def unsubscribe_token(account: Account, kind: str) -> str:
    """A token that stops mail of ``kind`` (or, for ``digest``, the daily digest)."""
    return _serializer().dumps({"a": account.id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[Account, str]:
    """The account and kind a token names; ``InvalidUnsubscribeLink`` if it is not one
    we made, is older than UNSUBSCRIBE_MAX_AGE, or names an account that is gone."""
    try:
        data = _serializer().loads(token, max_age=UNSUBSCRIBE_MAX_AGE)
    except SignatureExpired as error:
        raise InvalidUnsubscribeLink(
            "This unsubscribe link has expired. Log in and choose which emails you get "
            "under Settings, Notifications."
        ) from error
    except BadSignature as error:
        raise InvalidUnsubscribeLink(
            "This unsubscribe link is not valid: it may have been cut short or changed. "
            "Use the link in a recent email, or log in and choose which emails you get "
            "under Settings, Notifications."
        ) from error
    kind = data.get("k") if isinstance(data, dict) else None
    account_id = data.get("a") if isinstance(data, dict) else None
    account = db.session.get(Account, account_id) if isinstance(account_id, int) else None
    if account is None or (kind not in KINDS and kind != DIGEST):
        raise InvalidUnsubscribeLink(
            "This unsubscribe link no longer applies to any account, so there is nothing to stop."
        )
    return account, kind


def what_stops(kind: str) -> str:
    """What an unsubscribe link of ``kind`` stops, for its page."""
    if kind == DIGEST:
        return "the daily digest"
    return f"emails about {KINDS[kind].lower()}"


def _footer(account: Account, kind: str) -> tuple[str, dict[str, str]]:
    link = absolute(_path("notifications.unsubscribe", token=unsubscribe_token(account, kind)))
    settings = absolute(_path("notifications.settings"))
    text = (
        f"\n-- \nTo stop {what_stops(kind)}, open {link}\nChoose which emails you get: {settings}\n"
    )
    headers = {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return text, headers


# The messages ------------------------------------------------------------------------


def mail_at_once(notification: Notification) -> bool:
    """Email one notification now (queued with the unit of work); False if it could not
    be (an unverified address, or no address for links outside a request: then it waits
    for the digest, if the person has one)."""
    account = notification.recipient
    if not account.is_verified:
        return False
    try:
        footer, headers = _footer(account, notification.kind)
        link = absolute(notification.link)
    except NoSiteAddress as error:
        logger.warning("Notification %s not mailed: %s", notification.id, error)
        return False
    text = notification.text
    send_mail(
        account.email,
        text,
        f"Hello {account.handle},\n\n{text}.\n\nSee it here: {link}\n{footer}",
        headers=headers,
    )
    notification.emailed_at = utcnow()
    return True


def mail_digest(account: Account, notifications: list[Notification]) -> None:
    """Email the day's digest of ``notifications`` (newest first) to ``account``."""
    footer, headers = _footer(account, DIGEST)
    count = len(notifications)
    lines = [
        f"- {notification.text}: {absolute(notification.link)}"
        for notification in notifications[:DIGEST_SHOWN_MAX]
    ]
    if count > DIGEST_SHOWN_MAX:
        lines.append(
            f"- and {count - DIGEST_SHOWN_MAX} more: {absolute(_path('notifications.index'))}"
        )
    noun = "notification" if count == 1 else "notifications"
    site = current_app.config["SITE_NAME"]
    send_mail(
        account.email,
        f"Your day on {site}: {count} {noun}",
        f"Hello {account.handle},\n\nWhat happened for you since your last digest:\n\n"
        + "\n".join(lines)
        + f"\n{footer}",
        headers=headers,
    )
