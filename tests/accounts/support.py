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
