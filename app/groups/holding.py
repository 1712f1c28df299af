"""Which new posts wait for a moderator, and which a group refuses outright.

A post waits ("held", ``Post.held_at``) when its group's hosts hold first posts and its
author has no post there yet that readers could read, or when it holds one of the
group's watched words marked ``hold``; a post holding a word marked ``block`` is refused.
The group's moderators and hosts (and site admins) are never held. Held posts are read
by their author and the group's moderators alone (``app.groups.permissions``) until a
moderator approves or declines them (``app.groups.moderation``).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from app.db import db
from app.domain import DomainError
from app.groups.models import Group, Post, WatchedWord
from app.groups.permissions import Access

FIRST_POST = "a first post in this group"


class WatchedWordRefused(DomainError):
    """The post holds a word the group's hosts refuse."""


def watched_words(group: Group) -> list[WatchedWord]:
    return list(
        db.session.scalars(
            select(WatchedWord).where(WatchedWord.group_id == group.id).order_by(WatchedWord.word)
        )
    )


def _holds(text: str, word: str) -> bool:
    """Whether ``text`` holds ``word`` as a word (or phrase) of its own, in any case."""
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(part) for part in word.split()) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _has_published(group: Group, author_id: int) -> bool:
    return (
        db.session.scalar(
            select(Post.id)
            .where(
                Post.group_id == group.id,
                Post.author_id == author_id,
                Post.held_at.is_(None),
                Post.hidden_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def hold_reason(access: Access, text: str, *, first_post_rule: bool = True) -> str | None:
    """Why a post of ``text`` by ``access``'s account should wait for a moderator (None:
    it need not). Raises ``WatchedWordRefused`` for a word the group refuses."""
    if access.can_moderate:
        return None
    reason = None
    for watched in watched_words(access.group):
        if not _holds(text, watched.word):
            continue
        if watched.action == "block":
            raise WatchedWordRefused(
                f"{access.group.name} doesn't take posts with “{watched.word}” in them (its "
                "hosts keep a list of watched words). Change that and post again.",
                "body",
            )
        reason = reason or f"it holds the watched word “{watched.word}”"
    first = reason is None and first_post_rule and access.group.hold_first_posts
    if first and not _has_published(access.group, access.account.id):
        reason = FIRST_POST
    return reason


def hold_again(post: Post, reason: str, at: datetime) -> None:
    """An edit brought in a watched word: the post (and, for a first post, its thread)
    waits for a moderator again."""
    post.held_at = at
    post.held_because = reason
    if post.is_opener:
        post.thread.held_at = at
