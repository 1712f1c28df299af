"""Initials avatars: a small SVG Kindred draws itself, never an image from elsewhere; and
the profile links shown beside them.

An avatar's address holds all it shows (the shade and the initials), so the image needs
no database, says nothing about whether an account exists, and can be cached for good:
a new display name is a new address.
"""

from __future__ import annotations

import hashlib

from flask import g, url_for
from markupsafe import Markup, escape

from app.accounts.models import Account

# Background shades that keep white initials above 4.5:1 contrast.
SHADES = ("#1f5f8b", "#7a3e9d", "#2e6b3f", "#9b3b2a", "#5a5a1e", "#8a2f5c", "#33577a", "#6b4a2b")


def initials(name: str) -> str:
    """One or two capital letters (or digits) from a name: "Ada Lovelace" → "AL",
    "ada" → "A"; "?" when the name has none."""
    words = [word for word in name.replace("_", " ").replace("-", " ").split() if word]
    letters = []
    for word in words[:2]:
        first = next((char for char in word if char.isalnum()), None)
        if first is not None:
            letters.append(first.upper()[:1])
    return "".join(letters) or "?"


def shade_of(account: Account) -> int:
    """The account's background shade (1 to ``len(SHADES)``), the same wherever it appears."""
    digest = hashlib.sha256(account.handle_key.encode()).digest()
    return digest[0] % len(SHADES) + 1


def valid(shade: int, letters: str) -> bool:
    """Whether an avatar address is one ``initials`` and ``shade_of`` could have made."""
    if not 1 <= shade <= len(SHADES):
        return False
    if letters == "?":
        return True
    return 1 <= len(letters) <= 2 and all(
        char.isalnum() and char.upper()[:1] == char for char in letters
    )


def svg(shade: int, letters: str) -> str:
    """The avatar: a filled circle with the initials, 40 units square."""
    size = "18" if len(letters) == 1 else "16"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="40" height="40"'
        ' role="img" aria-hidden="true">'
        f'<circle cx="20" cy="20" r="20" fill="{SHADES[shade - 1]}"/>'
        f'<text x="20" y="20" dy=".35em" text-anchor="middle" fill="#ffffff" font-size="{size}"'
        ' font-family="system-ui, sans-serif" font-weight="600">'
        f"{escape(letters)}</text></svg>"
    )


def avatar_url(account: Account) -> str:
    """Where the account's avatar is drawn (a template global), built once per request for
    each avatar a page shows (a thread names its few authors many times)."""
    built = g.setdefault("kindred_avatars", {})
    shown = (account.handle_key, account.name)  # all the avatar is drawn from
    url = built.get(shown)
    if url is None:
        shade, letters = shade_of(account), initials(account.name)
        url = built[shown] = url_for("accounts.avatar", shade=shade, letters=letters)
    return url


def profile_url(account: Account) -> str:
    """The account's profile page (a template global), built once per request for each
    author a page shows, as ``avatar_url``."""
    built = g.setdefault("kindred_profiles", {})
    url = built.get(account.handle)
    if url is None:
        url = built[account.handle] = url_for("accounts.profile", handle=account.handle)
    return url


def byline(account: Account | None) -> Markup:
    """An author as posts and lists show them (a template global): the avatar, the name
    linked to the profile and, under a display name, the handle. Built once per request
    for each author, as ``avatar_url``: a thread page names its few authors fifty times."""
    if account is None:
        return Markup('<span class="author">a deleted member</span>')
    built = g.setdefault("kindred_bylines", {})
    shown = (account.handle, account.handle_key, account.display_name)
    line = built.get(shown)
    if line is None:
        handle = account.display_name and f' <span class="handle">@{escape(account.handle)}</span>'
        line = built[shown] = Markup(  # noqa: S704 (each part escaped)
            f'<span class="author"><img class="avatar" src="{escape(avatar_url(account))}"'
            f' alt="" width="32" height="32"> <a href="{escape(profile_url(account))}">'
            f"<strong>{escape(account.name)}</strong></a>{handle or ''}</span>"
        )
    return line
