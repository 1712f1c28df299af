"""Small helpers that make test data. Each commits, as a finished request would."""

from __future__ import annotations

import re
from datetime import datetime

from app.accounts import services as accounts
from app.accounts.models import Account
from app.db import db, utcnow
from app.memberships import services as memberships

DEFAULT_PASSWORD = "correct horse battery staple"


def make_account(
    handle: str = "ada",
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    *,
    verified: bool = True,
    admin: bool = False,
    display_name: str | None = None,
) -> Account:
    """An account that can log in (verified unless told otherwise). Needs an app context."""
    account = accounts.register_account(
        email or f"{handle.lower()}@example.org", handle, password, display_name
    )
    if verified:
        account.email_verified_at = utcnow()
    account.is_admin = admin
    db.session.commit()
    return account


def make_member(handle: str = "ada", ends_at: datetime | None = None, **kwargs) -> Account:
    """An account with a complimentary membership: a member with no payment involved."""
    account = make_account(handle, **kwargs)
    memberships.grant_complimentary(account, None, "test member", ends_at=ends_at)
    db.session.commit()
    return account


def links_in(message) -> list[str]:
    """Every http(s) link in a sent message's body."""
    return re.findall(r"https?://\S+", message.get_content())


def csrf_token(client, path: str) -> str:
    """Fetch a page and return the CSRF token from its first form."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)
