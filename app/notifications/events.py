"""What happens in groups and memberships that someone is told about, and whom.

The features call these where the change happens, in the same unit of work:

- a post: each account it mentions that can read it (``mention``), then each watcher
  of its thread who can read it and was not mentioned (``reply``); its author now
  watches the thread unless they muted it;
- an edit: each account it mentions that was not told of the post yet;
- a request to join: the group's hosts (``join_request``);
- a report on a post: the group's hosts and moderators who may moderate (``report``);
- membership events (``membership``): whatever ``app.memberships`` and ``app.billing``
  tell the member (a renewal payment that failed, a complimentary membership granted
  or ended), and later sponsored seats.

Who can read a post is the per-object rule, ``access_to(group, account).can_read``,
and the post must be neither hidden nor deleted.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from app.accounts.models import Account
from app.db import db
from app.groups.models import Group, GroupMember, JoinRequest, Post, Thread
from app.groups.permissions import access_to
from app.notifications.models import Notification
from app.notifications.services import notify, notify_each, watch_unless_muted, watchers
from app.pagination import PAGE_SIZE, encode_cursor


def path(endpoint: str, **values) -> str:
    """The path of a page, inside a request or not."""
    return current_app.url_map.bind("").build(endpoint, values)


def post_path(group: Group, post: Post) -> str:
    """The path that shows ``post`` on its thread page (on a later page of a long thread)."""
    earlier = db.session.execute(
        select(Post.created_at, Post.id)
        .where(
            Post.thread_id == post.thread_id,
            (Post.created_at < post.created_at)
            | ((Post.created_at == post.created_at) & (Post.id < post.id)),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(PAGE_SIZE)
    ).all()
    values = {"slug": group.slug, "thread_id": post.thread_id}
    if len(earlier) == PAGE_SIZE:
        values["after"] = encode_cursor(*earlier[0])
    return path("groups.show_thread", **values) + f"#post-{post.id}"


def _readers(group: Group, post: Post, accounts: Iterable[Account]) -> list[Account]:
    if post.hidden_at is not None or post.deleted_at is not None:
        return []
    return [account for account in accounts if access_to(group, account).can_read]


def post_written(group: Group, thread: Thread, post: Post, mentioned: list[Account]) -> None:
    """A new post (a thread's first, or a reply) by ``post.author``."""
    author = post.author
    link = post_path(group, post)
    told = notify_each(
        _readers(group, post, mentioned),
        "mention",
        link=link,
        subject=thread.title,
        actor=author,
        target=f"post:{post.id}",
    )
    if not post.is_opener:
        skip = {notification.recipient_id for notification in told} | {
            account.id for account in mentioned
        }
        notify_each(
            _readers(group, post, [w for w in watchers(thread.id) if w.id not in skip]),
            "reply",
            link=link,
            subject=thread.title,
            actor=author,
            target=f"thread:{thread.id}",
        )
    watch_unless_muted(author, thread.id)


def post_edited(group: Group, thread: Thread, post: Post, mentioned: list[Account]) -> None:
    """An edited post: the accounts it mentions that were not told of it yet."""
    target = f"post:{post.id}"
    told = set(
        db.session.scalars(
            select(Notification.recipient_id).where(
                Notification.kind == "mention", Notification.target == target
            )
        )
    )
    notify_each(
        _readers(group, post, [account for account in mentioned if account.id not in told]),
        "mention",
        link=post_path(group, post),
        subject=thread.title,
        actor=post.author,
        target=target,
    )


def _group_people(group: Group, roles: set[str]) -> list[Account]:
    return list(
        db.session.scalars(
            select(Account)
            .join(GroupMember, GroupMember.account_id == Account.id)
            .where(GroupMember.group_id == group.id, GroupMember.role.in_(roles))
            .order_by(Account.id)
        )
    )


def join_requested(group: Group, join_request: JoinRequest) -> None:
    notify_each(
        _group_people(group, {"host"}),
        "join_request",
        link=path("groups.members", slug=group.slug),
        subject=group.name,
        actor=join_request.account,
        target=f"join_request:{join_request.id}",
    )


def post_reported(group: Group, reporter: Account) -> None:
    """A report in the group's queue: its hosts and moderators who may act on it are
    told (not who reported it, which the queue alone shows)."""
    people = [
        account
        for account in _group_people(group, {"moderator", "host"})
        if account.id != reporter.id and not account.is_suspended
    ]
    notify_each(
        people,
        "report",
        link=path("groups.report_queue", slug=group.slug),
        subject=group.name,
        target=f"reports:group:{group.id}",
    )


def membership_changed(account: Account, sentence: str) -> None:
    """Tell ``account`` about its membership: ``sentence`` is the whole notification."""
    notify(account, "membership", link=path("memberships.status"), subject=sentence)
