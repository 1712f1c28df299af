"""Small readers shared by the account tests."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.accounts.models import Account
from app.db import db


def page(response) -> str:
    """A response's text with HTML entities decoded, as a reader would see it."""
    return html.unescape(response.get_data(as_text=True))


def path_of(link: str) -> str:
    """The path of an absolute link from a message, for the test client."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def account_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Account))


def reload(account: Account) -> Account:
    """The account as the database has it now."""
    db.session.expire_all()
    return db.session.get(Account, account.id)


def turn_on_app(account: Account) -> str:
    """Switch two-factor sign-in on for ``account`` with an authenticator app, as if it had
    been set up a minute ago (so the codes shown now have not been used); returns the app's
    secret, for ``pyotp.TOTP(secret).now()``. Commits."""
    from datetime import timedelta

    import pyotp

    from app.accounts import two_factor
    from app.db import utcnow

    a_minute_ago = utcnow() - timedelta(minutes=1)
    row = two_factor.start_app_setup(account, now=a_minute_ago)
    code = pyotp.TOTP(row.secret).at(a_minute_ago)
    two_factor.confirm_app(account, code, keep=None, now=a_minute_ago)
    db.session.commit()
    return row.secret


def second_step(client, code: str, **options):
    return client.post("/login/two-factor", data={"code": code}, **options)
