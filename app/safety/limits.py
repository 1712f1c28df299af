"""Gentle limits on new accounts, the same for everyone.

In its first ``NEW_ACCOUNT_DAYS`` days an account may start ``NEW_ACCOUNT_THREADS_PER_DAY``
threads and write ``NEW_ACCOUNT_REPLIES_PER_DAY`` replies in any 24 hours, put at most
``NEW_ACCOUNT_LINKS_PER_POST`` links and ``NEW_ACCOUNT_MENTIONS_PER_POST`` mentions in a
post, and may not start direct messages. The limits lift when the account is old enough,
or sooner once ``NEW_ACCOUNT_TRUSTED_AFTER`` other people have replied in its threads.

Nothing here asks how a membership is paid: a sponsored seat, a complimentary membership
and a paid one meet exactly the same limits, so none of them marks a person. Each refusal
says which limit was met and when it lifts. ``NEW_ACCOUNT_DAYS = 0`` switches them off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.accounts.models import Account
from app.db import db, utcnow
from app.domain import DomainError

DAY = timedelta(days=1)
# Links as rendered, and addresses typed bare (which readers copy all the same).
_LINK = re.compile(r"""<a\s+href=["'](?:https?:|mailto:)""", re.IGNORECASE)
_ADDRESS = re.compile(r"(?:https?://|www\.)\S", re.IGNORECASE)


def count_links(body: str, body_html: str) -> int:
    return max(len(_LINK.findall(body_html)), len(_ADDRESS.findall(body)))


class NewAccountLimit(DomainError):
    """A new account met one of its limits; the message says which and when it lifts."""


@dataclass(frozen=True)
class Limits:
    days: int
    threads_per_day: int
    replies_per_day: int
    links_per_post: int
    mentions_per_post: int
    trusted_after: int


def current_limits() -> Limits:
    config = current_app.config
    return Limits(
        days=config["NEW_ACCOUNT_DAYS"],
        threads_per_day=config["NEW_ACCOUNT_THREADS_PER_DAY"],
        replies_per_day=config["NEW_ACCOUNT_REPLIES_PER_DAY"],
        links_per_post=config["NEW_ACCOUNT_LINKS_PER_POST"],
        mentions_per_post=config["NEW_ACCOUNT_MENTIONS_PER_POST"],
        trusted_after=config["NEW_ACCOUNT_TRUSTED_AFTER"],
    )


def when(moment: datetime) -> str:
    """A moment as a person reads it: "3 December at 14:05 UTC"."""
    return f"{moment.day} {moment:%B} at {moment:%H:%M} UTC"


def repliers(account: Account) -> int:
    """How many other people have replied (in words still readable) in ``account``'s threads."""
    from app.groups.models import Post, Thread

    return db.session.scalar(
        select(func.count(func.distinct(Post.author_id)))
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            Thread.author_id == account.id,
            Post.author_id != account.id,
            Post.is_opener.is_(False),
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
            Post.held_at.is_(None),
        )
    )


def limits_end(account: Account) -> datetime:
    return account.created_at + current_limits().days * DAY


def is_new(account: Account, at: datetime | None = None) -> bool:
    """Whether ``account`` still meets the new-account limits at ``at`` (default now)."""
    limits = current_limits()
    if limits.days <= 0 or limits_end(account) <= (at or utcnow()):
        return False
    return repliers(account) < limits.trusted_after


def _until(account: Account, moment: datetime | None = None) -> str:
    lifted = limits_end(account)
    if moment is not None and moment < lifted:
        return f"You can again from {when(moment)}."
    trusted = current_limits().trusted_after
    sooner = f" (or sooner, once {trusted} people have replied in your threads)" if trusted else ""
    return f"This limit lifts on {when(lifted)}{sooner}."


def check_post(account: Account, *, opener: bool, body: str, body_html: str, mentions: int) -> None:
    """Refuse a new account's thread (``opener``) or reply beyond its limits."""
    if not is_new(account):
        return
    check_content(account, body=body, body_html=body_html, mentions=mentions)
    from app.groups.models import Post

    limits = current_limits()
    allowed = limits.threads_per_day if opener else limits.replies_per_day
    since = utcnow() - DAY
    recent = list(
        db.session.scalars(
            select(Post.created_at)
            .where(
                Post.author_id == account.id,
                Post.is_opener.is_(opener),
                Post.created_at > since,
            )
            .order_by(Post.created_at)
        )
    )
    if len(recent) >= allowed:
        noun = "thread" if opener else "reply"
        plural = "threads" if opener else "replies"
        verb = "start" if opener else "write"
        raise NewAccountLimit(
            f"New accounts can {verb} {allowed} {plural if allowed != 1 else noun} a day in "
            f"their first {limits.days} days, and you have. "
            + _until(account, recent[len(recent) - allowed] + DAY),
            "body",
        )


def check_content(account: Account, *, body: str, body_html: str, mentions: int) -> None:
    """Refuse a new account's post (new or edited) with too many links or mentions."""
    if not is_new(account):
        return
    limits = current_limits()
    links = count_links(body, body_html)
    if links > limits.links_per_post:
        raise NewAccountLimit(
            f"New accounts can put {limits.links_per_post} links in a post in their first "
            f"{limits.days} days; this one has {links}. Take some out and post again. "
            + _until(account),
            "body",
        )
    if mentions > limits.mentions_per_post:
        raise NewAccountLimit(
            f"New accounts can mention {limits.mentions_per_post} people in a post in their "
            f"first {limits.days} days; this one mentions {mentions}. Take some out and post "
            "again. " + _until(account),
            "body",
        )


def check_start_conversation(account: Account) -> None:
    """Refuse a new account's first message to someone (replying stays open)."""
    if is_new(account):
        raise NewAccountLimit(
            f"New accounts can't start direct messages in their first {current_limits().days} "
            "days; you can reply when someone writes to you. " + _until(account),
            "handle",
        )
