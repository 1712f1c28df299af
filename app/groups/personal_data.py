"""What groups keep about people, what of it is exported, and what deletion does.

A member's export holds their own words (threads, posts with every earlier version,
reports they filed, moderation actions they took) and their place in groups; other
people appear in it only by handle. A group's archive holds the whole group for its
hosts. Deleting an account passes each group it alone hosted to a successor
(``succession``) and either erases its posts or keeps them under "a deleted member",
as the person chooses.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from html import escape as html_escape
from typing import Any

from markupsafe import Markup
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from app.accounts.models import Account
from app.db import db, utcnow
from app.exports.archive import (
    CHUNK,
    FORMAT,
    GROUP_FORMAT,
    ExportContext,
    json_document,
    render_stream,
    stream_records,
    stream_rows,
    time_html,
)
from app.groups.log import with_names
from app.groups.models import (
    DELETED_MEMBER,
    Appeal,
    Group,
    GroupMember,
    Invitation,
    JoinRequest,
    ModerationLogEntry,
    Post,
    PostRevision,
    Report,
    Thread,
)
from app.groups.succession import hand_over
from app.personal_data import Deletion, Feature, Section, Table, register

AS2_CONTEXT = "https://www.w3.org/ns/activitystreams"
# The title an erased thread keeps, so replies by others still sit under something.
ERASED_TITLE = "A thread erased by its author"
CSV_COLUMNS = (
    "id",
    "created_at",
    "group",
    "thread",
    "first_post",
    "edited_at",
    "deleted_at",
    "hidden_by_moderators",
    "markdown",
    "url",
)


# -- reading posts --------------------------------------------------------------------------

Opener = aliased(Post)
Author = aliased(Account)


def _post_query(*conditions, order, replying_to: bool = True):
    """Posts with their thread, group and author's handle, and with ``replying_to`` the id
    of the thread's first post (its lowest id: a thread starts with its first post)."""
    query = (
        select(
            Post.id,
            Post.thread_id,
            Post.is_opener,
            Post.body,
            Post.body_html,
            Post.created_at,
            Post.edited_at,
            Post.deleted_at,
            Post.hidden_at,
            Thread.title.label("thread_title"),
            Group.slug,
            Group.name.label("group_name"),
            Author.handle.label("author"),
        )
        .join(Thread, Thread.id == Post.thread_id)
        .join(Group, Group.id == Post.group_id)
        .outerjoin(Author, Author.id == Post.author_id)
        .where(*conditions)
        .order_by(*order)
    )
    if replying_to:
        first = select(func.min(Opener.id)).where(Opener.thread_id == Post.thread_id)
        query = query.add_columns(first.scalar_subquery().label("opener_id"))
    return query


def _revision_query(*conditions, order):
    return (
        select(
            PostRevision.post_id,
            PostRevision.title,
            PostRevision.body,
            PostRevision.written_at,
            PostRevision.replaced_at,
        )
        .join(Post, Post.id == PostRevision.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(*conditions)
        .order_by(*order, PostRevision.id)
    )


def _scope(ctx: ExportContext):
    """Which posts a file holds, in which order, and whether deleted posts keep their text:
    a member's own posts oldest first, deleted ones included; a group's thread by thread,
    without what authors deleted."""
    # By id, which is the order posts were written in: the indexes already hold rows in
    # that order, so the database streams them without sorting tens of megabytes of text.
    if ctx.account is not None:
        return Post.author_id == ctx.account.id, (Post.id,), True
    return Post.group_id == ctx.group.id, (Post.thread_id, Post.id), False


def _posts(ctx: ExportContext, replying_to: bool = True) -> Iterator[Any]:
    condition, order, _ = _scope(ctx)
    return stream_rows(_post_query(condition, order=order, replying_to=replying_to))


def _posts_with_versions(
    ctx: ExportContext, replying_to: bool = True
) -> Iterator[tuple[Any, list[Any]]]:
    """Each post with its earlier versions: two cursors in the same order, merged."""
    condition, order, _ = _scope(ctx)
    versions = stream_rows(_revision_query(condition, order=order))
    head = next(versions, None)
    for row in _posts(ctx, replying_to):
        earlier = []
        while head is not None and head[0] == row[0]:
            earlier.append(head)
            head = next(versions, None)
        yield row, earlier


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _post_record(ctx: ExportContext, row: Any, earlier: list[Any], show_deleted: bool) -> dict:
    (post_id, thread_id, is_opener, body, html, created, edited, deleted, hidden, title, slug,
     group_name, author, opener_id) = row  # fmt: skip
    with_text = show_deleted or deleted is None
    links = ctx.links
    return {
        "id": post_id,
        "url": links.post(slug, thread_id, post_id),
        "group": {"slug": slug, "name": group_name},
        "thread": {"id": thread_id, "title": title, "url": links.thread(slug, thread_id)},
        "author": author,
        "first_post": is_opener,
        "in_reply_to": None
        if is_opener or opener_id is None
        else links.post(slug, thread_id, opener_id),
        "created_at": _iso(created),
        "edited_at": _iso(edited),
        "deleted_at": _iso(deleted),
        "hidden_by_moderators_at": _iso(hidden),
        "markdown": body if with_text else None,
        "html": html if with_text else None,
        "earlier_versions": [
            {
                "title": version_title,
                "markdown": version_body,
                "written_at": _iso(written),
                "replaced_at": _iso(replaced),
            }
            for _, version_title, version_body, written, replaced in earlier
        ]
        if with_text
        else [],
    }


def write_posts(ctx: ExportContext) -> Iterator[str]:
    show_deleted = _scope(ctx)[2]
    posts = (
        _post_record(ctx, row, earlier, show_deleted) for row, earlier in _posts_with_versions(ctx)
    )
    kind = FORMAT if ctx.account is not None else GROUP_FORMAT
    return json_document("posts.json", {}, {"posts": posts}, kind=kind)


# -- the offline copy of posts --------------------------------------------------------------


def _post_html(ctx: ExportContext, row: Any, earlier: list[Any], show_deleted: bool) -> Markup:
    """One post of the offline copy. Written out here rather than in a template because
    an archive may hold tens of thousands of them."""
    (post_id, thread_id, is_opener, _, html, created, edited, deleted, hidden, title, slug,
     group_name, author) = row  # fmt: skip
    meta = [f"@{html_escape(author)}" if author else DELETED_MEMBER]
    meta.append(f"{'first post' if is_opener else 'reply'} · {time_html(created)}")
    if edited:
        meta.append(f"edited {time_html(edited)}")
    if deleted:
        meta.append(f"deleted {time_html(deleted)}")
    if hidden:
        meta.append(f"hidden by moderators {time_html(hidden)}")
    url = html_escape(ctx.links.post(slug, thread_id, post_id))
    parts = [
        f'<article aria-labelledby="post-{post_id}"><h3 id="post-{post_id}">'
        f'<a href="{url}">{html_escape(title)}</a> <span class="muted">in {html_escape(group_name)}'
        f'</span></h3><p class="muted">{" · ".join(meta)}</p>'
    ]
    if show_deleted or deleted is None:
        # Sanitised when it was written (app.markdown): safe to include as it is.
        parts.append(f"<div>{html}</div>")
        if earlier:
            parts.append(f"<details><summary>Earlier versions ({len(earlier)})</summary>")
            for _, version_title, version_body, written, _ in earlier:
                titled = f", titled “{html_escape(version_title)}”" if version_title else ""
                parts.append(
                    f'<p class="muted">Written {time_html(written)}{titled}:</p>'
                    f"<pre>{html_escape(version_body)}</pre>"
                )
            parts.append("</details>")
    parts.append("</article>\n")
    return Markup("".join(parts))  # noqa: S704  (every piece escaped or sanitised above)


def posts_html(ctx: ExportContext) -> Iterator[str]:
    show_deleted = _scope(ctx)[2]
    if ctx.account is not None:
        heading = "Your posts"
        intro = "Everything you wrote, oldest first, with the thread and group it is in."
    else:
        heading = "Threads and posts"
        intro = (
            "Every thread, oldest first, and its posts in the order they were written. What "
            "authors deleted is not included."
        )
    items = (
        _post_html(ctx, row, earlier, show_deleted)
        for row, earlier in _posts_with_versions(ctx, replying_to=False)
    )
    return render_stream("exports/offline/posts.html", heading=heading, intro=intro, items=items)


# -- ActivityStreams and CSV ----------------------------------------------------------------


def _activity(ctx: ExportContext, row: Any) -> dict:
    """A post as an ActivityStreams 2.0 ``Create`` of a ``Note``."""
    (post_id, thread_id, is_opener, body, html, created, edited, _, _, title, slug, _,
     author, opener_id) = row  # fmt: skip
    links = ctx.links
    thread_url = links.thread(slug, thread_id)
    published = created.isoformat()
    note = {
        "id": f"{thread_url}#post-{post_id}",
        "type": "Note",
        "published": published,
        "context": thread_url,
        "content": html,
        "mediaType": "text/html",
        "source": {"content": body, "mediaType": "text/markdown"},
    }
    activity = {
        "id": f"{thread_url}#create-{post_id}",
        "type": "Create",
        "published": published,
        "object": note,
    }
    if author:
        note["attributedTo"] = activity["actor"] = links.profile(author)
    if is_opener:
        note["name"] = title
    elif opener_id is not None:
        note["inReplyTo"] = f"{thread_url}#post-{opener_id}"
    if edited:
        note["updated"] = edited.isoformat()
    return activity


def write_outbox(ctx: ExportContext) -> Iterator[str]:
    """An AS2 ``OrderedCollection`` of the posts still there (deleted ones are not)."""
    if ctx.account is not None:
        summary = f"Posts by @{ctx.account.handle} on Kindred"
    else:
        summary = f"Posts in {ctx.group.name} on Kindred"
    activities = (_activity(ctx, row) for row in _posts(ctx) if row[7] is None)
    header = {"@context": AS2_CONTEXT, "type": "OrderedCollection", "summary": summary}
    kind = FORMAT if ctx.account is not None else GROUP_FORMAT
    return json_document("outbox.json", header, {"orderedItems": activities}, kind=kind)


def write_posts_csv(ctx: ExportContext) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    links = ctx.links
    for row in _posts(ctx, replying_to=False):
        (post_id, thread_id, is_opener, body, _, created, edited, deleted, hidden, title, slug,
         group_name, _) = row  # fmt: skip
        writer.writerow(
            (
                post_id,
                created.isoformat(),
                group_name,
                title,
                "yes" if is_opener else "no",
                edited.isoformat() if edited else "",
                deleted.isoformat() if deleted else "",
                "yes" if hidden else "no",
                body,
                links.post(slug, thread_id, post_id),
            )
        )
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# -- a member's export ----------------------------------------------------------------------


def _my_groups(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(Group.slug, Group.name, Group.visibility, GroupMember.role, GroupMember.joined_at)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.account_id == ctx.account.id)
        .order_by(GroupMember.joined_at, GroupMember.id)
    )
    for row in stream_rows(query):
        yield {
            "group": {"slug": row.slug, "name": row.name, "url": ctx.links.group(row.slug)},
            "visibility": row.visibility,
            "role": row.role,
            "joined_at": row.joined_at,
        }


def _groups_started(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(Group.slug, Group.name, Group.purpose, Group.description, Group.created_at)
        .where(Group.created_by_id == ctx.account.id)
        .order_by(Group.created_at, Group.id)
    )
    for row in stream_rows(query):
        yield {**row._mapping, "url": ctx.links.group(row.slug)}


def _join_requests(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(
            Group.slug,
            Group.name,
            JoinRequest.message,
            JoinRequest.status,
            JoinRequest.response,
            JoinRequest.created_at,
            JoinRequest.decided_at,
        )
        .join(Group, Group.id == JoinRequest.group_id)
        .where(JoinRequest.account_id == ctx.account.id)
        .order_by(JoinRequest.id)
    )
    for row in stream_rows(query):
        yield {
            "group": {"slug": row.slug, "name": row.name},
            "message": row.message,
            "status": row.status,
            "response": row.response,
            "created_at": row.created_at,
            "decided_at": row.decided_at,
        }


def _invitations(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(Group.slug, Group.name, Invitation.status, Invitation.created_at)
        .join(Group, Group.id == Invitation.group_id)
        .where(Invitation.account_id == ctx.account.id)
        .order_by(Invitation.id)
    )
    for row in stream_rows(query):
        yield {
            "group": {"slug": row.slug, "name": row.name},
            "status": row.status,
            "created_at": row.created_at,
        }


def write_groups(ctx: ExportContext) -> Iterator[str]:
    return json_document(
        "groups.json",
        {},
        {
            "groups": _my_groups(ctx),
            "groups_started": _groups_started(ctx),
            "join_requests": _join_requests(ctx),
            "invitations": _invitations(ctx),
        },
    )


def groups_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "exports/offline/groups.html",
        groups=_my_groups(ctx),
        started=_groups_started(ctx),
        requests=_join_requests(ctx),
        invitations=_invitations(ctx),
    )


def _threads(ctx: ExportContext, condition) -> Iterator[dict]:
    query = (
        select(
            Thread.id,
            Thread.title,
            Thread.created_at,
            Thread.locked_at,
            Thread.removed,
            Group.slug,
            Group.name,
            Author.handle.label("author"),
        )
        .join(Group, Group.id == Thread.group_id)
        .outerjoin(Author, Author.id == Thread.author_id)
        .where(condition)
        .order_by(Thread.created_at, Thread.id)
    )
    for row in stream_rows(query):
        yield {
            "id": row.id,
            "url": ctx.links.thread(row.slug, row.id),
            "group": {"slug": row.slug, "name": row.name},
            "title": row.title,
            "started_by": row.author,
            "created_at": row.created_at,
            "locked_at": row.locked_at,
            "first_post_removed": row.removed,
        }


def write_threads(ctx: ExportContext) -> Iterator[str]:
    return json_document(
        "threads.json", {}, {"threads": _threads(ctx, Thread.author_id == ctx.account.id)}
    )


def _reports(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(
            Report.reason,
            Report.details,
            Report.created_at,
            Report.resolved_at,
            Post.id.label("post_id"),
            Post.thread_id,
            Group.slug,
            Group.name,
            Author.handle.label("author"),
        )
        .join(Post, Post.id == Report.post_id)
        .join(Group, Group.id == Report.group_id)
        .outerjoin(Author, Author.id == Post.author_id)
        .where(Report.reporter_id == ctx.account.id)
        .order_by(Report.created_at, Report.id)
    )
    for row in stream_rows(query):
        yield {
            "post": ctx.links.post(row.slug, row.thread_id, row.post_id),
            "post_author": row.author,
            "group": {"slug": row.slug, "name": row.name},
            "reason": row.reason,
            "details": row.details,
            "created_at": row.created_at,
            "resolved_at": row.resolved_at,
        }


def write_reports(ctx: ExportContext) -> Iterator[str]:
    return json_document("reports.json", {}, {"reports": _reports(ctx)})


def _log_entries(ctx: ExportContext, condition) -> Iterator[dict]:
    """Log entries, names rendered now; one query, the rendering's rows joined in."""
    query = with_names(select(ModerationLogEntry, Group.slug, Group.name))
    query = query.outerjoin(Group, Group.id == ModerationLogEntry.group_id).where(condition)
    rows = db.session.execute(
        query.order_by(ModerationLogEntry.created_at, ModerationLogEntry.id).execution_options(
            yield_per=500
        )
    )
    for entry, slug, name in rows:
        yield {
            "created_at": entry.created_at,
            "group": {"slug": slug, "name": name} if slug else None,
            "by": entry.actor_name,
            "role": entry.role,
            "action": entry.action,
            "target": entry.target,
            "reason": entry.reason,
        }


def _appeals(ctx: ExportContext) -> Iterator[dict]:
    rows = db.session.execute(
        with_names(select(Appeal, ModerationLogEntry, Group.slug))
        .join(ModerationLogEntry, ModerationLogEntry.id == Appeal.entry_id)
        .outerjoin(Group, Group.id == Appeal.group_id)
        .where(Appeal.appellant_id == ctx.account.id)
        .order_by(Appeal.id)
    )
    for appeal, entry, slug in rows:
        yield {
            "created_at": appeal.created_at,
            "group": slug,
            "action": f"{entry.action} {entry.target}",
            "rule": entry.rule,
            "reason": entry.reason,
            "appeal": appeal.text,
            "status": appeal.status,
            "decision": appeal.decision,
            "decided_at": appeal.decided_at,
        }


def write_appeals(ctx: ExportContext) -> Iterator[str]:
    return json_document("appeals.json", {}, {"appeals": _appeals(ctx)})


def write_moderation(ctx: ExportContext) -> Iterator[str]:
    taken = _log_entries(ctx, ModerationLogEntry.actor_id == ctx.account.id)
    return json_document("moderation.json", {}, {"actions": taken})


def activity_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "exports/offline/activity.html",
        threads=_threads(ctx, Thread.author_id == ctx.account.id),
        reports=_reports(ctx),
        actions=_log_entries(ctx, ModerationLogEntry.actor_id == ctx.account.id),
    )


# -- a group's archive ----------------------------------------------------------------------


def _group(ctx: ExportContext) -> dict:
    group = ctx.group
    return {
        "slug": group.slug,
        "name": group.name,
        "url": ctx.links.group(group.slug),
        "purpose": group.purpose,
        "description": group.description,
        "visibility": group.visibility,
        "join_policy": group.join_policy,
        "created_at": group.created_at,
    }


def _members(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(Account.handle, GroupMember.role, GroupMember.joined_at)
        .join(Account, Account.id == GroupMember.account_id)
        .where(GroupMember.group_id == ctx.group.id)
        .order_by(GroupMember.joined_at, GroupMember.id)
    )
    yield from stream_records(query)


def write_group(ctx: ExportContext) -> Iterator[str]:
    return json_document(
        "group.json", {"group": _group(ctx)}, {"members": _members(ctx)}, kind=GROUP_FORMAT
    )


def write_group_threads(ctx: ExportContext) -> Iterator[str]:
    threads = _threads(ctx, Thread.group_id == ctx.group.id)
    return json_document("threads.json", {}, {"threads": threads}, kind=GROUP_FORMAT)


def write_group_log(ctx: ExportContext) -> Iterator[str]:
    entries = _log_entries(ctx, ModerationLogEntry.group_id == ctx.group.id)
    return json_document("moderation_log.json", {}, {"entries": entries}, kind=GROUP_FORMAT)


def group_html(ctx: ExportContext) -> Iterator[str]:
    yield from render_stream(
        "exports/offline/group.html",
        group=_group(ctx),
        members=_members(ctx),
        log=_log_entries(ctx, ModerationLogEntry.group_id == ctx.group.id),
    )
    yield from posts_html(ctx)


# -- deleting an account --------------------------------------------------------------------


def close_account(account: Account, keep_posts: bool) -> None:
    """What deleting ``account`` does in groups, before its row goes.

    Every group it alone hosts passes to a successor; its posts are erased (text,
    earlier versions and the titles of its threads) unless ``keep_posts``, in which case
    they stay and the database's ``SET NULL`` leaves them without an author. Erasing
    removes whole threads nobody else wrote in, and groups left with nobody else in them
    and nothing anyone else wrote; keeping removes groups with nobody else and no posts.
    """
    if keep_posts:
        # A group with nobody else in it and nothing written in it holds nothing to keep.
        _delete_groups_left_empty(account, keep_if=exists().where(Post.group_id == Group.id))
    hosted = db.session.scalars(
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.account_id == account.id, GroupMember.role == "host")
    ).all()
    for group in hosted:
        hand_over(group, account, "The only host deleted their account.")
    if not keep_posts:
        _erase_posts(account)
    db.session.flush()


def _delete_groups_left_empty(account: Account, *, keep_if) -> None:
    """Delete the groups ``account`` is in with nobody else, except those where ``keep_if``."""
    others_in_group = exists().where(
        GroupMember.group_id == Group.id, GroupMember.account_id != account.id
    )
    db.session.execute(
        delete(Group)
        .where(
            Group.id.in_(select(GroupMember.group_id).where(GroupMember.account_id == account.id)),
            ~others_in_group,
            ~keep_if,
        )
        .execution_options(synchronize_session=False)
    )


def _erase_posts(account: Account) -> None:
    mine = select(Post.id).where(Post.author_id == account.id)
    touched = select(Post.thread_id).where(Post.author_id == account.id).distinct()
    by_others = or_(Post.author_id != account.id, Post.author_id.is_(None))
    others_wrote = exists().where(Post.thread_id == Thread.id, by_others)
    _delete_groups_left_empty(account, keep_if=exists().where(Post.group_id == Group.id, by_others))
    db.session.execute(
        delete(Thread)
        .where(Thread.author_id == account.id, ~others_wrote)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(PostRevision)
        .where(PostRevision.post_id.in_(mine))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Post)
        .where(Post.author_id == account.id)
        .values(body="", body_html="", deleted_at=func.coalesce(Post.deleted_at, utcnow()))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Thread)
        .where(Thread.author_id == account.id)
        .values(title=ERASED_TITLE, removed=True)
        .execution_options(synchronize_session=False)
    )
    first_answer = (
        select(func.min(Post.created_at))
        .where(
            Post.thread_id == Thread.id,
            Post.is_opener.is_(False),
            or_(
                Thread.author_id.is_(None),
                Post.author_id.is_(None),
                Post.author_id != Thread.author_id,
            ),
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
        )
        .scalar_subquery()
    )
    db.session.execute(
        update(Thread)
        .where(Thread.id.in_(touched))
        .values(answered_at=first_answer)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


register(
    Feature(
        name="groups",
        tables=(
            Table(
                "groups",
                title="Groups",
                holds="Each group's name, address, purpose, description and settings, and "
                "who started it.",
                why="So people who care about the same thing can find each other.",
                kept="As long as the group has people in it or holds what they wrote.",
                export="groups.json",
                on_delete="Groups you started stay with their people, no longer naming you. "
                "A group with nobody else in it is deleted too: when you erase your posts, "
                "unless someone else wrote in it; when you keep them, if nothing was "
                "written in it.",
                references={"created_by_id": Deletion.UNLINKED},
            ),
            Table(
                "group_members",
                title="Your groups and roles",
                holds="The groups you are in, your role in each (member, moderator, host) "
                "and when you joined.",
                why="To know who may read, post in, moderate and run each group.",
                kept="Until you leave the group or delete your account.",
                export="groups.json",
                on_delete="Removed. A group whose only host you were passes to its "
                "longest-standing moderator, or else its longest-standing member.",
                references={"account_id": Deletion.REMOVED},
            ),
            Table(
                "group_join_requests",
                title="Requests to join groups",
                holds="Your requests to join groups, with your message and the host's answer.",
                why="So hosts of groups that take requests can answer them.",
                kept="Until you delete your account.",
                export="groups.json",
                on_delete="Removed. Requests you answered as a host stay, without your name.",
                references={"account_id": Deletion.REMOVED, "decided_by_id": Deletion.UNLINKED},
            ),
            Table(
                "group_invitations",
                title="Invitations to groups",
                holds="Invitations to groups you received, and who sent them.",
                why="So you can accept or decline them.",
                kept="Until you delete your account.",
                export="groups.json",
                on_delete="Removed. Invitations you sent stay, without your name.",
                references={"account_id": Deletion.REMOVED, "invited_by_id": Deletion.UNLINKED},
            ),
            Table(
                "group_bans",
                title="Bans from groups",
                holds="Accounts banned from a group, and the moderator's reason.",
                why="To keep a banned account out of the group.",
                kept="Until the ban is lifted or the account is deleted.",
                excluded="A group's own record about you. You are told you are banned when "
                "you visit the group, and the ban is in its public moderation log.",
                on_delete="Removed.",
                references={"account_id": Deletion.REMOVED},
            ),
            Table(
                "threads",
                title="Threads",
                holds="The threads you started: their titles, when, and whether they are locked.",
                why="They are the conversations of the group.",
                kept="Until you or the group's moderators remove them, or you delete your "
                "account and choose to erase your posts.",
                export="threads.json",
                on_delete="Your choice: erased (a thread nobody else wrote in is removed; "
                "one with replies keeps them under a title that says it was erased), or "
                "kept under “a deleted member”.",
                references={"author_id": Deletion.UNLINKED},
            ),
            Table(
                "posts",
                title="Posts",
                holds="Everything you wrote in groups, as you wrote it (Markdown) and as it "
                "is shown, with when you wrote, edited or deleted it, and whether "
                "moderators hid it.",
                why="It is what you said to the group.",
                kept="Until you delete your account and choose to erase your posts. A "
                "post you delete yourself is shown as deleted; its text stays in your "
                "export until you delete your account.",
                export="posts.json",
                on_delete="Your choice: erased (the text goes; a placeholder keeps others' "
                "replies in order) or kept under “a deleted member”. Other people's "
                "posts stay as they wrote them, even where they quote you or mention "
                "your handle.",
                references={"author_id": Deletion.UNLINKED},
            ),
            Table(
                "post_revisions",
                title="Earlier versions of posts",
                holds="The earlier versions of posts you edited, and earlier thread titles.",
                why="So moderators can see what a post said before it was edited.",
                kept="As long as the post.",
                export="posts.json",
                on_delete="Erased with your posts, or kept with them.",
            ),
            Table(
                "reports",
                title="Reports",
                holds="Reports you filed on posts, with your reason and details, and which "
                "moderator closed them.",
                why="So a group's moderators can look at what readers flag.",
                kept="Until you delete your account. Reports about your posts are the "
                "moderators' and are not shown to you.",
                export="reports.json",
                on_delete="Reports you filed stay with the group's moderators, who may still "
                "need them, but no longer name you; reports you closed as a moderator stay "
                "too, without your name.",
                references={"reporter_id": Deletion.UNLINKED, "resolved_by_id": Deletion.UNLINKED},
            ),
            Table(
                "moderation_log",
                title="Moderation logs",
                holds="Every moderation action: when, by whom and in which role, on which "
                "account, post or thread, and the moderator's reason.",
                why="Moderation is done in the open: each group's readers can see its log.",
                kept="As long as the group exists (site-wide actions: as long as Kindred runs).",
                export="moderation.json",
                on_delete="Entries stay, because they are the group's record, but they no "
                "longer name you: they say “a deleted member”. The moderator's reason "
                "stays as they wrote it.",
                references={"actor_id": Deletion.UNLINKED, "subject_id": Deletion.UNLINKED},
            ),
            Table(
                "moderation_appeals",
                title="Appeals against moderation",
                holds="Your appeals against moderation actions that fell on you, and who "
                "decided them and how.",
                why="So the person a moderation action falls on can answer it, once, and "
                "someone other than who acted decides.",
                kept="Until you delete your account.",
                export="appeals.json",
                on_delete="Your appeals are removed (the decision stays in the group's log). "
                "Appeals you decided stay, without your name.",
                references={"appellant_id": Deletion.REMOVED, "decided_by_id": Deletion.UNLINKED},
            ),
            Table(
                "group_rules",
                title="Group rules",
                holds="Each group's short rules, as its hosts wrote them.",
                why="So moderation actions can name the rule they apply.",
                kept="As long as the group exists.",
                excluded="The group's own text, in its archive, not anyone's personal data.",
                on_delete="Nothing: rules name nobody.",
            ),
            Table(
                "group_watched_words",
                title="Watched words",
                holds="Words each group's hosts refuse or hold posts for.",
                why="To keep spam out of the group.",
                kept="Until the hosts take a word off the list.",
                excluded="The group's own setting, naming nobody.",
                on_delete="Nothing: watched words name nobody.",
            ),
        ),
        sections=(
            Section(
                "groups.json",
                "Groups",
                "The groups you are in and your role in each, the groups you started, your "
                "requests to join groups and the invitations you received.",
                write_groups,
                groups_html,
            ),
            Section(
                "threads.json",
                "Threads",
                "The threads you started, with their groups and titles.",
                write_threads,
                activity_html,
            ),
            Section(
                "posts.json",
                "Posts",
                "Everything you wrote: Markdown source and rendered HTML, with every earlier "
                "version, including posts you deleted and posts moderators hid.",
                write_posts,
                posts_html,
            ),
            Section(
                "outbox.json",
                "Posts as ActivityStreams",
                "Your posts as ActivityStreams 2.0 (Create activities of Notes), so other "
                "software can read them. Posts you deleted are left out.",
                write_outbox,
                restates="posts.json",
            ),
            Section(
                "posts.csv",
                "Posts as a spreadsheet",
                "Your posts, one row each, for spreadsheets.",
                write_posts_csv,
                restates="posts.json",
            ),
            Section(
                "reports.json",
                "Reports you filed",
                "Each report you filed: the post (and its author's handle), your reason and "
                "details, and whether it was closed.",
                write_reports,
            ),
            Section(
                "appeals.json",
                "Your appeals",
                "Each moderation action you appealed, your appeal, and the decision.",
                write_appeals,
            ),
            Section(
                "moderation.json",
                "Moderation actions you took",
                "Each moderation action you took as a host, moderator or site admin, as the "
                "moderation log shows it.",
                write_moderation,
            ),
        ),
        group_sections=(
            Section(
                "group.json",
                "The group",
                "The group's name, address, purpose, description and settings, and its "
                "members by handle, with their roles and when they joined.",
                write_group,
                group_html,
            ),
            Section(
                "threads.json",
                "Threads",
                "Every thread: title, who started it (by handle), when, and whether it is "
                "locked or its first post was removed.",
                write_group_threads,
            ),
            Section(
                "posts.json",
                "Posts",
                "Every post thread by thread, as Markdown and HTML with earlier versions, "
                "by handle. Posts moderators hid are marked; what authors deleted is left "
                "out.",
                write_posts,
            ),
            Section(
                "outbox.json",
                "Posts as ActivityStreams",
                "The group's posts as ActivityStreams 2.0 (Create activities of Notes).",
                write_outbox,
            ),
            Section(
                "moderation_log.json",
                "Moderation log",
                "The group's moderation log, oldest first, as its readers see it.",
                write_group_log,
            ),
        ),
        on_account_deleted=close_account,
    )
)
