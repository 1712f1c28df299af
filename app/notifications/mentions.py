"""``@handle`` mentions: which accounts a text names, rendered as links to their profiles."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Account
from app.db import db
from app.markdown import render_markdown

# Looked up (and so linked, and notified) per text, at most: a post naming hundreds of
# handles is not a conversation.
MENTIONS_MAX = 50


def render_with_mentions(source: str) -> tuple[str, list[Account]]:
    """Render member Markdown with each ``@handle`` of an existing account linked to its
    profile; returns the HTML and those accounts (one query, none without a mention)."""
    found: list[Account] = []

    def resolve(keys: set[str]) -> dict[str, str]:
        wanted = sorted(keys)[:MENTIONS_MAX]
        found.extend(db.session.scalars(select(Account).where(Account.handle_key.in_(wanted))))
        return {account.handle_key: account.handle for account in found}

    return str(render_markdown(source, mentions=resolve)), found
