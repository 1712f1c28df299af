"""Moderation in the open: reports, hiding, locking, removing and banning.

Every action writes one moderation log entry (``app.groups.log``) saying when, who
(and in which role), what, on what and why. Functions raise ``GroupError``/``Forbidden``
and change nothing when a rule says no; they flush, the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.accounts.models import Account
from app.accounts.services import get_account_by_handle
from app.db import db, utcnow
from app.groups import notices
from app.groups.log import log_action
from app.groups.models import (
    REPORT_REASONS,
    GroupBan,
    GroupMember,
    GroupRule,
    Post,
    PostRevision,
    Report,
    Thread,
)
from app.groups.permissions import Access, is_banned, membership_in
from app.groups.services import Forbidden, GroupError, count_reply, refresh_thread
from app.messages.models import Message
from app.notifications import events as notification_events
from app.notifications.mentions import render_with_mentions
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of

REASON_MAX = 500
DETAILS_MAX = 1000
SUSPENDED_REPORT = "Your account is suspended: you can read and export, but not report posts."
ROLE_RANK = {"member": 0, "moderator": 1, "host": 2}


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise GroupError("Say why: the reason goes in the moderation log.", "reason")
    if len(reason) > REASON_MAX:
        raise GroupError(f"Keep the reason to {REASON_MAX} characters.", "reason")
    return reason


def _why(access: Access, reason: str | None, rule_id: int | None) -> tuple[str, str | None]:
    """The free reason and the text of the group rule applied: one of them at least."""
    rule = None
    if rule_id:
        rule = db.session.get(GroupRule, rule_id)
        if rule is None or rule.group_id != access.group.id:
            raise GroupError("Choose one of the group's rules.", "rule")
    if rule is None:
        return _reason(reason), None
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise GroupError(f"Keep the reason to {REASON_MAX} characters.", "reason")
    return reason, rule.text


def _require_moderator(access: Access) -> None:
    if not access.can_moderate:
        raise Forbidden("Only the group's hosts and moderators can do this.")


# Reports -----------------------------------------------------------------------


def report_post(access: Access, post: Post, reason: str, details: str | None) -> Report:
    """Anyone signed in, not suspended, who can read a post may report it, once while it
    is open. (Filing a report is writing; a suspended account reads and exports only.)"""
    if access.account is None:
        raise Forbidden("Please log in to report a post.")
    if not access.can_read:
        raise Forbidden("You can't see that post.")
    if not access.active:
        raise Forbidden(SUSPENDED_REPORT)
    report = file_report(access.account, reason, details, post=post)
    notification_events.post_reported(access.group, access.account)
    return report


def file_report(
    reporter: Account,
    reason: str,
    details: str | None,
    *,
    post: Post | None = None,
    message: Message | None = None,
) -> Report:
    """The rules every report follows, on a post (for its group's moderators) or on a
    direct message (for site admins): a reason from the list, details up to
    DETAILS_MAX (required for "other"), and one open report per reporter and target.
    The caller has checked that the reporter may report it."""
    audience = "moderators" if post is not None else "site admins"
    noun = "post" if post is not None else "message"
    if reason not in REPORT_REASONS:
        raise GroupError("Choose a reason.", "reason")
    details = (details or "").strip()
    if len(details) > DETAILS_MAX:
        raise GroupError(f"Keep the details to {DETAILS_MAX} characters.", "details")
    if reason == "other" and not details:
        raise GroupError(f"Tell the {audience} what is wrong.", "details")
    target = Report.post_id == post.id if post is not None else Report.message_id == message.id
    already = db.session.scalar(
        select(Report.id).where(
            target, Report.reporter_id == reporter.id, Report.resolved_at.is_(None)
        )
    )
    if already is not None:
        raise GroupError(f"You have already reported this {noun}; the {audience} will look at it.")
    report = Report(
        post_id=post.id if post is not None else None,
        group_id=post.group_id if post is not None else None,
        message_id=message.id if message is not None else None,
        reporter_id=reporter.id,
        reason=reason,
        details=details,
    )
    db.session.add(report)
    db.session.flush()
    return report


def _report_list(query, cursor: str | None) -> Page[Report]:
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(after_key((Report.created_at, Report.id), values, False))
    rows = list(
        db.session.scalars(
            query.options(
                joinedload(Report.post).joinedload(Post.author),
                joinedload(Report.post).joinedload(Post.thread),
                joinedload(Report.message).joinedload(Message.author),
                joinedload(Report.reporter),
                joinedload(Report.group),
            )
            .where(Report.resolved_at.is_(None))
            .order_by(Report.created_at, Report.id)
            .limit(PAGE_SIZE + 1)
        )
    )
    return page_of(rows, lambda report: (report.created_at, report.id))


def report_queue(access: Access, cursor: str | None) -> Page[Report]:
    """The group's open reports, oldest first: for its hosts, moderators and site admins."""
    _require_moderator(access)
    return _report_list(select(Report).where(Report.group_id == access.group.id), cursor)


def all_open_reports(admin: Account, cursor: str | None) -> Page[Report]:
    """Every open report, oldest first, on posts in every group and on direct messages:
    for site admins."""
    if not admin.is_admin or admin.is_suspended:
        raise Forbidden("Only site admins can see every report queue.")
    return _report_list(select(Report), cursor)


def dismiss_report(access: Access, report_id: int, reason: str | None) -> Report:
    """Close a report without acting on the post."""
    _require_moderator(access)
    reason = _reason(reason)
    report = db.session.get(Report, report_id)
    if report is None or report.group_id != access.group.id or report.resolved_at is not None:
        raise GroupError("That report is already closed or does not exist.")
    _resolve_reports(report.post, access.account)
    log_action(
        access.group,
        access.account,
        access.moderator_role,
        "dismissed a report on",
        post=report.post,
        reason=reason,
    )
    return report


def _resolve_reports(post: Post, by: Account) -> None:
    db.session.execute(
        update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=by.id)
    )


# Posts and threads -------------------------------------------------------------


def hide_post(access: Access, post: Post, reason: str | None, rule_id: int | None = None) -> Post:
    """Hide a post: readers see "removed by moderators"; its open reports close; its author
    is told why and how to appeal."""
    _require_moderator(access)
    reason, rule = _why(access, reason, rule_id)
    if post.hidden_at is not None:
        raise GroupError("This post is already hidden.")
    post.hidden_at = utcnow()
    refresh_thread(post.thread)
    _resolve_reports(post, access.account)
    entry = log_action(
        access.group,
        access.account,
        access.moderator_role,
        "hid",
        post=post,
        reason=reason,
        rule=rule,
    )
    notices.tell_affected(access.group, entry, post.author)
    return post


def unhide_post(access: Access, post: Post, reason: str | None) -> Post:
    _require_moderator(access)
    reason = _reason(reason)
    if post.hidden_at is None:
        raise GroupError("This post is not hidden.")
    post.hidden_at = None
    refresh_thread(post.thread)
    log_action(
        access.group, access.account, access.moderator_role, "unhid", post=post, reason=reason
    )
    return post


def lock_thread(
    access: Access, thread: Thread, reason: str | None, rule_id: int | None = None
) -> Thread:
    """Lock a thread: nobody may reply to it or edit its posts until it is unlocked."""
    _require_moderator(access)
    reason, rule = _why(access, reason, rule_id)
    if thread.locked_at is not None:
        raise GroupError("This thread is already locked.")
    thread.locked_at = utcnow()
    entry = log_action(
        access.group,
        access.account,
        access.moderator_role,
        "locked",
        thread=thread,
        reason=reason,
        rule=rule,
    )
    notices.tell_affected(access.group, entry, thread.author)
    return thread


def unlock_thread(access: Access, thread: Thread, reason: str | None) -> Thread:
    _require_moderator(access)
    reason = _reason(reason)
    if thread.locked_at is None:
        raise GroupError("This thread is not locked.")
    thread.locked_at = None
    log_action(
        access.group,
        access.account,
        access.moderator_role,
        "unlocked",
        thread=thread,
        reason=reason,
    )
    return thread


def revisions(access: Access, post: Post) -> list[PostRevision]:
    """Earlier versions of a post, newest first: for hosts, moderators and site admins."""
    _require_moderator(access)
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.id.desc())
            .limit(PAGE_SIZE)
        )
    )


# People ------------------------------------------------------------------------


def _outranks(access: Access, member: GroupMember) -> bool:
    """Moderators act on members; hosts on members and moderators; site admins on anyone."""
    if access.is_admin and access.role != "host":
        return True
    return ROLE_RANK[access.role or "member"] > ROLE_RANK[member.role]


def remove_member(
    access: Access, handle: str, reason: str | None, rule_id: int | None = None
) -> Account:
    """Remove someone from the group; their posts stay."""
    _require_moderator(access)
    reason, rule = _why(access, reason, rule_id)
    account = get_account_by_handle(handle or "")
    member = membership_in(access.group, account) if account else None
    if member is None:
        raise GroupError("That account is not in this group.")
    if not _outranks(access, member):
        raise Forbidden("Your role does not let you remove this person.")
    if member.role == "host":
        raise GroupError("Hosts can't be removed; a host can step down or leave.")
    db.session.delete(member)
    entry = log_action(
        access.group,
        access.account,
        access.moderator_role,
        "removed",
        subject=account,
        reason=reason,
        rule=rule,
    )
    notices.tell_affected(access.group, entry, account)
    return account


def ban(access: Access, handle: str, reason: str | None, rule_id: int | None = None) -> GroupBan:
    """Ban an account from the group: it leaves, and may not join, request or accept again."""
    _require_moderator(access)
    reason, rule = _why(access, reason, rule_id)
    account = get_account_by_handle(handle or "")
    if account is None:
        raise GroupError("There is no account with that handle.", "handle")
    if account.id == access.account.id:
        raise GroupError("You can't ban yourself.", "handle")
    if is_banned(access.group, account):
        raise GroupError(f"@{account.handle} is already banned.", "handle")
    member = membership_in(access.group, account)
    if member is not None:
        if member.role == "host" or not _outranks(access, member):
            raise Forbidden("Your role does not let you ban this person.")
        db.session.delete(member)
    group_ban = GroupBan(
        group_id=access.group.id, account_id=account.id, reason=reason or rule or ""
    )
    db.session.add(group_ban)
    entry = log_action(
        access.group,
        access.account,
        access.moderator_role,
        "banned",
        subject=account,
        reason=reason,
        rule=rule,
    )
    notices.tell_affected(access.group, entry, account)
    return group_ban


def unban(access: Access, handle: str, reason: str | None) -> Account:
    _require_moderator(access)
    reason = _reason(reason)
    account = get_account_by_handle(handle or "")
    group_ban = (
        db.session.scalar(
            select(GroupBan).where(
                GroupBan.group_id == access.group.id, GroupBan.account_id == account.id
            )
        )
        if account
        else None
    )
    if group_ban is None:
        raise GroupError("That account is not banned here.")
    db.session.delete(group_ban)
    log_action(
        access.group,
        access.account,
        access.moderator_role,
        "lifted the ban on",
        subject=account,
        reason=reason,
    )
    return account


def bans(access: Access) -> list[GroupBan]:
    _require_moderator(access)
    return list(
        db.session.scalars(
            select(GroupBan)
            .options(joinedload(GroupBan.account))
            .where(GroupBan.group_id == access.group.id)
            .order_by(GroupBan.id.desc())
            .limit(PAGE_SIZE)
        )
    )


# Posts held for a moderator ----------------------------------------------------


def held_queue(access: Access, cursor: str | None) -> Page[Post]:
    """The group's posts waiting for a moderator, oldest first, with why each waits."""
    _require_moderator(access)
    query = (
        select(Post)
        .options(joinedload(Post.author), joinedload(Post.thread))
        .where(Post.group_id == access.group.id, Post.held_at.is_not(None))
    )
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(after_key((Post.held_at, Post.id), values, False))
    rows = list(db.session.scalars(query.order_by(Post.held_at, Post.id).limit(PAGE_SIZE + 1)))
    return page_of(rows, lambda post: (post.held_at, post.id))


def held_count(access: Access) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Post)
        .where(Post.group_id == access.group.id, Post.held_at.is_not(None))
    )


def _held(access: Access, post: Post) -> None:
    _require_moderator(access)
    if post.held_at is None:
        raise GroupError("This post is not waiting for a moderator.")


def approve_post(access: Access, post: Post) -> Post:
    """Publish a held post: readers see it, its thread counts it, and the people it
    mentions and its thread's watchers are told, as if it had just been written."""
    _held(access, post)
    thread = post.thread
    post.held_at = None
    post.held_because = None
    if post.is_opener:
        thread.held_at = None
    else:
        count_reply(thread, post)
    db.session.flush()
    db.session.refresh(thread)
    _, mentioned = render_with_mentions(post.body)
    notification_events.post_written(access.group, thread, post, mentioned)
    log_action(access.group, access.account, access.moderator_role, "approved", post=post)
    return post


def decline_post(
    access: Access, post: Post, reason: str | None, rule_id: int | None = None
) -> Post:
    """Decline a held post: it is hidden (a declined first post's thread stays unseen), and
    its author is told why and how to appeal."""
    _held(access, post)
    reason, rule = _why(access, reason, rule_id)
    post.held_at = None
    post.hidden_at = utcnow()
    refresh_thread(post.thread)
    entry = log_action(
        access.group,
        access.account,
        access.moderator_role,
        "declined",
        post=post,
        reason=reason,
        rule=rule,
    )
    notices.tell_affected(access.group, entry, post.author)
    return post
