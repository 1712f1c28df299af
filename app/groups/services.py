"""Group rules: starting and running groups, joining and leaving, threads and replies.

Plain functions with explicit arguments. Each takes the caller's ``Access``
(from ``permissions``) where a permission is involved, raises ``GroupError`` (or
its subclass ``Forbidden``) when a rule says no, changes nothing in that case,
and flushes; the caller commits.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.orm import defer, joinedload

from app.accounts.models import Account, public_columns
from app.accounts.services import get_account_by_handle
from app.db import db, utcnow
from app.domain import DomainError, NotPermitted
from app.groups import holding
from app.groups.log import log_action
from app.groups.models import (
    JOIN_POLICIES,
    ROLES,
    VISIBILITIES,
    Group,
    GroupMember,
    Invitation,
    JoinRequest,
    Post,
    PostRevision,
    Thread,
)
from app.groups.permissions import (
    Access,
    is_banned,
    membership_in,
    on_thread_page,
    readable_groups,
    readable_threads,
)
from app.groups.succession import hand_over
from app.memberships.services import NotAllowed, require_writer
from app.notifications import events as notification_events
from app.notifications.mentions import render_with_mentions
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, encode_cursor, page_of
from app.safety import limits

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$")
RESERVED_SLUGS = frozenset({"new", "mine", "admin", "search", "appeals"})
NAME_MAX = 80
PURPOSE_MAX = 200
DESCRIPTION_MAX = 5000
TITLE_MAX = 150
BODY_MAX = 20000
MESSAGE_MAX = 1000


class GroupError(DomainError):
    """A rule of this feature said no."""


class Forbidden(GroupError, NotPermitted):
    """The account's role does not allow this (a 403)."""


def _require_writer(account: Account | None) -> None:
    try:
        require_writer(account)
    except NotAllowed as error:
        raise Forbidden(str(error)) from error


def _text(value: str | None, field: str, label: str, maximum: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise GroupError(f"{label} can't be empty.", field)
    if len(value) > maximum:
        raise GroupError(f"Keep {label.lower()} to {maximum} characters.", field)
    return value


# Groups ------------------------------------------------------------------------


def _group_fields(
    name: str, purpose: str, description: str | None, visibility: str, join_policy: str
) -> dict:
    name = _text(name, "name", "The name", NAME_MAX)
    if len(name) < 3:
        raise GroupError("Give the group a name of at least 3 characters.", "name")
    if visibility not in VISIBILITIES:
        raise GroupError("Choose who can read the group.", "visibility")
    if join_policy not in JOIN_POLICIES:
        raise GroupError("Choose how people join.", "join_policy")
    return {
        "name": name,
        "sort_name": name.casefold(),
        "purpose": _text(purpose, "purpose", "The purpose", PURPOSE_MAX),
        "description": _text(
            description, "description", "The description", DESCRIPTION_MAX, required=False
        ),
        "visibility": visibility,
        "join_policy": join_policy,
    }


def create_group(
    creator: Account,
    name: str,
    slug: str,
    purpose: str,
    description: str | None,
    visibility: str,
    join_policy: str,
) -> Group:
    """Start a group with ``creator`` as its first host. Only members may start groups."""
    _require_writer(creator)
    fields = _group_fields(name, purpose, description, visibility, join_policy)
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise GroupError(
            "Use 3 to 50 lowercase letters, digits and hyphens, starting and ending with a "
            "letter or digit.",
            "slug",
        )
    if slug in RESERVED_SLUGS or db.session.scalar(select(Group.id).where(Group.slug == slug)):
        raise GroupError("That address is taken; choose another.", "slug")
    group = Group(slug=slug, created_by_id=creator.id, **fields)
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, account_id=creator.id, role="host"))
    db.session.flush()
    return group


def update_group(
    access: Access,
    name: str,
    purpose: str,
    description: str | None,
    visibility: str,
    join_policy: str,
    *,
    hold_first_posts: bool | None = None,
    log_names_moderators: bool | None = None,
) -> Group:
    """Change a group's settings (hosts only). The slug never changes, so links stay.
    ``None`` leaves a switch as it is."""
    if not access.can_manage:
        raise Forbidden("Only the group's hosts can change its settings.")
    for key, value in _group_fields(name, purpose, description, visibility, join_policy).items():
        setattr(access.group, key, value)
    if hold_first_posts is not None:
        access.group.hold_first_posts = hold_first_posts
    if log_names_moderators is not None:
        access.group.log_names_moderators = log_names_moderators
    db.session.flush()
    return access.group


def directory(
    viewer: Account | None, search: str | None, order: str, cursor: str | None
) -> Page[Group]:
    """Groups the viewer may read (``readable_groups``), matching ``search``, newest
    first or A-Z.

    Signed-out visitors see public groups; signed-in accounts also see groups for
    members and the private groups they belong to (all of them, for site admins).
    """
    query, key = _directory(select(Group), viewer, search, order, cursor)
    return page_of(list(db.session.scalars(query)), key)


def directory_shown(
    viewer: Account | None, search: str | None, order: str, cursor: str | None
) -> list:
    """What ``directory`` shows of each group, as plain rows (for an ETag, as
    ``posts_page_shown``)."""
    if viewer is None and not search and cursor is None:
        query = _first_directory_page_shown(order)  # the page most read
    else:
        query, _key = _directory(select(*Group.__table__.c), viewer, search, order, cursor)
    return list(map(tuple, db.session.connection().execute(query).all()))


@cache
def _first_directory_page_shown(order: str):
    """The directory's first page signed out, in ``order``: built once."""
    return _directory(select(*Group.__table__.c), None, None, order, None)[0]


def _directory(query, viewer, search, order, cursor):
    """``query`` filtered, ordered and limited to one page of the directory, and the key
    its cursor is made of."""
    query = query.where(readable_groups(viewer))
    if search and search.strip():
        pattern = (
            "%"
            + search.strip()
            .casefold()
            .replace("\\", "\\\\")
            .replace("%", "\\%")
            .replace("_", "\\_")
            + "%"
        )
        query = query.where(
            or_(
                Group.sort_name.like(pattern, escape="\\"),
                func.lower(Group.purpose).like(pattern, escape="\\"),
            )
        )
    if order == "az":
        columns, kinds, descending = (Group.sort_name, Group.id), (str, int), False
        key = _by_sort_name
    else:
        columns, kinds, descending = (Group.created_at, Group.id), (datetime, int), True
        key = _by_created_at
    values = decode_cursor(cursor, kinds)
    if values is not None:
        query = query.where(after_key(columns, values, descending))
    ordering = [column.desc() if descending else column.asc() for column in columns]
    return query.order_by(*ordering).limit(PAGE_SIZE + 1), key


def _by_sort_name(group: Group) -> tuple:
    return (group.sort_name, group.id)


def _by_created_at(group: Group) -> tuple:
    return (group.created_at, group.id)


def members_page(group: Group, cursor: str | None) -> Page[GroupMember]:
    """The group's members, earliest joined first, with their accounts."""
    query = (
        select(GroupMember)
        .options(joinedload(GroupMember.account))
        .where(GroupMember.group_id == group.id)
    )
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(after_key((GroupMember.joined_at, GroupMember.id), values, False))
    rows = list(
        db.session.scalars(
            query.order_by(GroupMember.joined_at, GroupMember.id).limit(PAGE_SIZE + 1)
        )
    )
    return page_of(rows, lambda member: (member.joined_at, member.id))


# Joining and leaving -----------------------------------------------------------


def _add_member(group: Group, account: Account, role: str = "member") -> GroupMember:
    member = GroupMember(group_id=group.id, account_id=account.id, role=role)
    db.session.add(member)
    db.session.flush()
    return member


def join_group(access: Access) -> GroupMember:
    """Join an open group. Any signed-in account that is not suspended or banned may join."""
    if access.member is not None:
        raise GroupError("You are already in this group.")
    if access.banned:
        raise Forbidden("You are banned from this group.")
    if not access.can_join:
        raise Forbidden("This group is not open to join.")
    member = _add_member(access.group, access.account)
    access.member = member
    return member


def request_to_join(access: Access, message: str | None) -> JoinRequest:
    """Ask the hosts of a ``request`` group to let the account in, once at a time."""
    message = _text(message, "message", "Your message", MESSAGE_MAX, required=False)
    if access.member is not None:
        raise GroupError("You are already in this group.")
    if access.banned:
        raise Forbidden("You are banned from this group.")
    if not access.can_request:
        raise Forbidden("This group does not take requests to join.")
    if pending_request(access.group, access.account) is not None:
        raise GroupError("You have already asked to join; the hosts will answer.")
    join_request = JoinRequest(
        group_id=access.group.id, account_id=access.account.id, message=message
    )
    db.session.add(join_request)
    db.session.flush()
    notification_events.join_requested(access.group, join_request)
    return join_request


def pending_request(group: Group, account: Account) -> JoinRequest | None:
    return db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.group_id == group.id,
            JoinRequest.account_id == account.id,
            JoinRequest.status == "pending",
        )
    )


def pending_requests(group: Group) -> list[JoinRequest]:
    """Open requests to join, oldest first (bounded by the page size)."""
    return list(
        db.session.scalars(
            select(JoinRequest)
            .options(joinedload(JoinRequest.account))
            .where(JoinRequest.group_id == group.id, JoinRequest.status == "pending")
            .order_by(JoinRequest.id)
            .limit(PAGE_SIZE)
        )
    )


def decide_request(
    access: Access, request_id: int, approve: bool, response: str | None
) -> JoinRequest:
    """A host approves (the requester joins) or declines a request, with an optional message."""
    if not access.can_manage:
        raise Forbidden("Only the group's hosts can answer requests to join.")
    response = _text(response, "response", "Your message", MESSAGE_MAX, required=False)
    join_request = db.session.get(JoinRequest, request_id)
    if (
        join_request is None
        or join_request.group_id != access.group.id
        or join_request.status != "pending"
    ):
        raise GroupError("That request has already been answered or does not exist.")
    joins = approve and membership_in(access.group, join_request.account) is None
    if joins and is_banned(access.group, join_request.account):
        raise GroupError("That account is banned from this group; lift the ban first.")
    join_request.status = "approved" if approve else "declined"
    join_request.response = response
    join_request.decided_by_id = access.account.id
    join_request.decided_at = utcnow()
    if joins:
        _add_member(access.group, join_request.account)
    db.session.flush()
    return join_request


def invite(access: Access, handle: str) -> Invitation:
    """A host invites an account by handle; it joins when the invitee accepts."""
    if not access.can_manage:
        raise Forbidden("Only the group's hosts can invite people.")
    account = get_account_by_handle(handle or "")
    if account is None:
        raise GroupError("There is no account with that handle.", "handle")
    if membership_in(access.group, account) is not None:
        raise GroupError(f"@{account.handle} is already in this group.", "handle")
    if is_banned(access.group, account):
        raise GroupError(f"@{account.handle} is banned from this group.", "handle")
    existing = db.session.scalar(
        select(Invitation).where(
            Invitation.group_id == access.group.id,
            Invitation.account_id == account.id,
            Invitation.status == "pending",
        )
    )
    if existing is not None:
        raise GroupError(f"@{account.handle} already has an invitation.", "handle")
    invitation = Invitation(
        group_id=access.group.id, account_id=account.id, invited_by_id=access.account.id
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def answer_invitation(access: Access, accept: bool) -> Invitation:
    """The invitee accepts (and joins) or declines their pending invitation."""
    invitation = access.invitation
    if invitation is None:
        raise GroupError("There is no invitation to answer.")
    if accept:
        if not access.active:
            raise Forbidden("Your account is suspended: you can read and export, but not join.")
        if access.banned:
            raise Forbidden("You are banned from this group.")
        access.member = _add_member(access.group, access.account)
    invitation.status = "accepted" if accept else "declined"
    db.session.flush()
    return invitation


def invitations_for(account: Account) -> list[Invitation]:
    """The account's pending invitations, with their groups."""
    return list(
        db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.group))
            .where(Invitation.account_id == account.id, Invitation.status == "pending")
            .order_by(Invitation.id)
            .limit(PAGE_SIZE)
        )
    )


def _host_count(group: Group) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(GroupMember)
        .where(GroupMember.group_id == group.id, GroupMember.role == "host")
    )


def leave_group(access: Access) -> None:
    """Leave the group; one's posts stay. When its only host leaves, the group passes to
    its longest-standing moderator or member (``succession``); the only person in a
    group cannot leave it, since nobody would host it."""
    member = access.member
    if member is None:
        raise GroupError("You are not in this group.")
    only_host = member.role == "host" and _host_count(access.group) == 1
    if only_host and hand_over(access.group, access.account, "The only host left.") is None:
        raise GroupError(
            "You are the only person in this group, so nobody could take it over. "
            "Invite someone to host it before you leave."
        )
    db.session.delete(member)
    db.session.flush()
    access.member = None


def change_role(access: Access, handle: str, role: str) -> GroupMember:
    """A host makes a member a member, moderator or host; a group always keeps a host."""
    if not access.can_manage:
        raise Forbidden("Only the group's hosts can change roles.")
    if role not in ROLES:
        raise GroupError("Choose member, moderator or host.", "role")
    account = get_account_by_handle(handle or "")
    member = membership_in(access.group, account) if account else None
    if member is None:
        raise GroupError("That account is not in this group.")
    if member.role == "host" and role != "host" and _host_count(access.group) == 1:
        raise GroupError("A group needs at least one host. Make someone else a host first.")
    if member.role != role:
        member.role = role
        log_action(access.group, access.account, "host", f"made {role}", subject=account)
    return member


# Threads and posts -------------------------------------------------------------


def _check_can_post(access: Access) -> None:
    if access.member is None:
        if access.account is None:
            raise Forbidden("Please log in first.")
        raise Forbidden("Join this group to post in it.")
    _require_writer(access.account)


def _rendered(author: Account, body: str, *, opener: bool | None) -> tuple[str, list[Account]]:
    """``body`` rendered, with the accounts it mentions, once it passes the new-account
    limits (``opener`` None: an edit, which counts links and mentions only)."""
    body_html, mentioned = render_with_mentions(body)
    try:
        if opener is None:
            limits.check_content(author, body=body, body_html=body_html, mentions=len(mentioned))
        else:
            limits.check_post(
                author, opener=opener, body=body, body_html=body_html, mentions=len(mentioned)
            )
    except limits.NewAccountLimit as error:
        raise GroupError(error.message, error.field) from error
    return body_html, mentioned


def _hold_reason(access: Access, text: str, *, first_post_rule: bool = True) -> str | None:
    try:
        return holding.hold_reason(access, text, first_post_rule=first_post_rule)
    except holding.WatchedWordRefused as error:
        raise GroupError(error.message, error.field) from error


def _new_post(
    thread: Thread,
    author: Account,
    body: str,
    rendered: tuple[str, list[Account]],
    *,
    opener: bool,
    at: datetime,
    held_because: str | None,
) -> Post:
    body_html, mentioned = rendered
    post = Post(
        thread_id=thread.id,
        group_id=thread.group_id,
        author_id=author.id,
        is_opener=opener,
        body=body,
        body_html=body_html,
        created_at=at,
        held_at=at if held_because else None,
        held_because=held_because,
    )
    db.session.add(post)
    db.session.flush()
    if held_because is None:
        notification_events.post_written(thread.group, thread, post, mentioned)
    return post


def start_thread(access: Access, title: str, body: str) -> Thread:
    """Start a thread: a title and a first post, by a writing member of the group. It waits
    for a moderator when ``holding`` says so (``thread.held_at`` set)."""
    _check_can_post(access)
    title = _text(title, "title", "The title", TITLE_MAX)
    body = _text(body, "body", "The post", BODY_MAX)
    held_because = _hold_reason(access, f"{title}\n{body}")
    rendered = _rendered(access.account, body, opener=True)
    now = utcnow()
    thread = Thread(
        group_id=access.group.id,
        author_id=access.account.id,
        title=title,
        created_at=now,
        last_activity_at=now,
        held_at=now if held_because else None,
    )
    db.session.add(thread)
    db.session.flush()
    _new_post(
        thread, access.account, body, rendered, opener=True, at=now, held_because=held_because
    )
    db.session.flush()
    return thread


def reply(access: Access, thread: Thread, body: str) -> Post:
    """Add a reply at the end of an unlocked thread; a held reply (``post.held_at``) counts
    in the thread, and tells anyone, only once a moderator approves it."""
    _check_can_post(access)
    if thread.locked_at is not None:
        raise Forbidden("This thread is locked: no new replies.")
    body = _text(body, "body", "The reply", BODY_MAX)
    held_because = _hold_reason(access, body)
    rendered = _rendered(access.account, body, opener=False)
    now = utcnow()
    post = _new_post(
        thread, access.account, body, rendered, opener=False, at=now, held_because=held_because
    )
    if held_because is None:
        count_reply(thread, post)
    db.session.flush()
    return post


def count_reply(thread: Thread, post: Post) -> None:
    """What a published reply changes in its thread's counters."""
    now = post.created_at
    # In SQL, from the row as it is now: replies arriving at once on several app
    # servers each count, and the latest activity wins.
    counters = {
        Thread.reply_count: Thread.reply_count + 1,
        Thread.last_activity_at: case(
            (Thread.last_activity_at > now, Thread.last_activity_at), else_=now
        ),
    }
    if post.author_id != thread.author_id:
        counters[Thread.answered_at] = func.coalesce(Thread.answered_at, now)
    db.session.execute(update(Thread).where(Thread.id == thread.id).values(counters))
    db.session.flush()


def edit_post(access: Access, post: Post, body: str, title: str | None = None) -> Post:
    """The author rewrites their post (and, for a thread's first post, its title); the
    earlier version is kept for moderators."""
    if access.account is None or post.author_id != access.account.id:
        raise Forbidden("Only its author can edit a post.")
    _check_can_post(access)
    if post.deleted_at is not None or post.hidden_at is not None:
        raise GroupError("This post can no longer be edited.")
    if post.thread.locked_at is not None:
        raise Forbidden("This thread is locked: posts can't be edited.")
    body = _text(body, "body", "The post", BODY_MAX)
    thread = post.thread
    if post.is_opener and title is not None:
        title = _text(title, "title", "The title", TITLE_MAX)
    else:
        title = thread.title
    if body == post.body and title == thread.title:
        return post
    held_because = _hold_reason(access, f"{title}\n{body}", first_post_rule=False)
    body_html, mentioned = _rendered(access.account, body, opener=None)
    now = utcnow()
    db.session.add(
        PostRevision(
            post_id=post.id,
            title=thread.title if post.is_opener else None,
            body=post.body,
            written_at=post.edited_at or post.created_at,
            replaced_at=now,
        )
    )
    thread.title = title
    post.body = body
    post.body_html = body_html
    post.edited_at = now
    if held_because is not None and post.held_at is None:
        holding.hold_again(post, held_because, now)
    db.session.flush()
    if post.held_at is None:
        notification_events.post_edited(access.group, thread, post, mentioned)
    return post


def delete_post(account: Account, post: Post) -> Post:
    """The author deletes their post at any time (even lapsed or suspended, or after
    leaving); a placeholder keeps the conversation readable."""
    if post.author_id != account.id:
        raise Forbidden("Only its author can delete a post.")
    if post.deleted_at is not None:
        raise GroupError("This post is already deleted.")
    post.deleted_at = utcnow()
    refresh_thread(post.thread)
    db.session.flush()
    return post


def refresh_thread(thread: Thread) -> None:
    """Recompute what lists show about a thread after a post was hidden, shown or deleted."""
    opener = db.session.scalar(
        select(Post).where(Post.thread_id == thread.id, Post.is_opener.is_(True))
    )
    thread.removed = opener is None or opener.deleted_at is not None or opener.hidden_at is not None
    first_answer = db.session.scalar(
        select(func.min(Post.created_at)).where(
            Post.thread_id == thread.id,
            Post.is_opener.is_(False),
            Post.author_id != thread.author_id,
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
            Post.held_at.is_(None),
        )
    )
    thread.answered_at = first_answer


def get_thread_or_404(access: Access, thread_id: int) -> Thread | None:
    """The group's thread ``thread_id`` if the viewer may open it (None: a 404)."""
    preloaded = access.thread is not None and access.thread.id == thread_id
    thread = access.thread if preloaded else db.session.get(Thread, thread_id)
    if thread is None or thread.group_id != access.group.id or not access.can_read_thread(thread):
        return None
    return thread


def get_post(access: Access, post_id: int) -> Post | None:
    """The group's post ``post_id`` if it appears on its thread's page for the viewer."""
    post = db.session.get(Post, post_id)
    if post is None or post.group_id != access.group.id:
        return None
    if not access.can_read_thread(post.thread) or not access.sees_on_thread_page(post):
        return None
    return post


def with_author(relationship):
    """Load a post's or thread's author with it, only the columns others may see (never
    the email address or the password hash)."""
    return joinedload(relationship).load_only(*public_columns())


def _listed(query, cursor: str | None, columns, descending: bool):
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(after_key(columns, values, descending))
    ordering = [column.desc() if descending else column.asc() for column in columns]
    return query.order_by(*ordering).limit(PAGE_SIZE + 1)


def _thread_list(query, cursor: str | None, columns, descending: bool) -> Page[Thread]:
    query = _listed(query.options(with_author(Thread.author)), cursor, columns, descending)
    rows = list(db.session.scalars(query))
    first, second = (column.key for column in columns)
    return page_of(rows, lambda thread: (getattr(thread, first), getattr(thread, second)))


def threads_page(access: Access, cursor: str | None) -> Page[Thread]:
    """The group's threads the viewer may open (``readable_threads``), latest activity first."""
    return _thread_list(
        select(Thread).where(*_group_threads(access.group.id, access.account)),
        cursor,
        (Thread.last_activity_at, Thread.id),
        descending=True,
    )


def _group_threads(group_id, viewer: Account | None) -> tuple:
    """The threads ``threads_page`` and its ETag's rows pick: one rule for both."""
    return Thread.group_id == group_id, readable_threads(viewer)


def threads_page_shown(access: Access, cursor: str | None) -> list:
    """What ``threads_page`` shows of each thread and its author, as plain rows (for an
    ETag, as ``posts_page_shown``)."""
    if cursor is None and access.account is None:
        query, values = _first_threads_shown(), {"group_id": access.group.id}
    else:
        query = _shown_of_threads().where(*_group_threads(access.group.id, access.account))
        query = _listed(query, cursor, (Thread.last_activity_at, Thread.id), descending=True)
        values = {}
    return _plain_rows(query, values)


def _plain_rows(query, values: dict) -> list:
    """``query``'s rows as tuples, straight from the connection: the ORM would only pass
    them through."""
    return list(map(tuple, db.session.connection().execute(query, values).all()))


def _shown_of_threads():
    return select(*Thread.__table__.c, *public_columns()).outerjoin(
        Account, Account.id == Thread.author_id
    )


@cache
def _first_threads_shown():
    """The first page of a group signed out, as ``_first_page_shown``: built once."""
    query = _shown_of_threads().where(*_group_threads(bindparam("group_id"), None))
    return _listed(query, None, (Thread.last_activity_at, Thread.id), descending=True)


def unanswered_page(access: Access, cursor: str | None) -> Page[Thread]:
    """Threads no one but their author has answered, oldest first."""
    return _thread_list(
        select(Thread).where(
            Thread.group_id == access.group.id,
            Thread.answered_at.is_(None),
            Thread.removed.is_(False),
            readable_threads(access.account),
        ),
        cursor,
        (Thread.created_at, Thread.id),
        descending=False,
    )


def unanswered_count(access: Access) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Thread)
        .where(
            Thread.group_id == access.group.id,
            Thread.answered_at.is_(None),
            Thread.removed.is_(False),
            readable_threads(access.account),
        )
    )


def my_threads(account: Account, cursor: str | None) -> Page[Thread]:
    """Threads across the account's groups, latest activity first, with their groups."""
    mine = select(GroupMember.group_id).where(GroupMember.account_id == account.id)
    return _thread_list(
        select(Thread)
        .options(joinedload(Thread.group))
        .where(Thread.group_id.in_(mine), readable_threads(account)),
        cursor,
        (Thread.last_activity_at, Thread.id),
        descending=True,
    )


def _on_posts_page(thread: Thread, cursor: str | None, access: Access | None) -> list:
    shown = on_thread_page(access) if access is not None else Post.held_at.is_(None)
    conditions = [Post.thread_id == thread.id, shown]
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        conditions.append(after_key((Post.created_at, Post.id), values, False))
    return conditions


def posts_page(thread: Thread, cursor: str | None, access: Access | None = None) -> Page[Post]:
    """A thread's posts in the order they were written, first post first: those its page
    shows ``access``'s viewer (``on_thread_page``; without one, none held for a moderator)."""
    # Not the Markdown source: the page shows the HTML made of it (quoting reads it anew).
    query = (
        select(Post)
        .options(with_author(Post.author), defer(Post.body))
        .where(*_on_posts_page(thread, cursor, access))
        .order_by(Post.created_at, Post.id)
        .limit(PAGE_SIZE + 1)
    )
    return page_of(list(db.session.scalars(query)), lambda post: (post.created_at, post.id))


# Every column of a post the thread page shows (all but the source), and of its author.
_SHOWN_OF_POST = (*(c for c in Post.__table__.c if c.key != "body"), *public_columns())


def posts_page_shown(thread: Thread, cursor: str | None, access: Access | None = None) -> list:
    """What ``posts_page`` shows of each post and its author, as plain rows: an ETag made
    of these is the page's, and reading them costs a third of loading the posts."""
    if cursor is None and (access is None or access.account is None):
        return _plain_rows(_first_page_shown(), {"thread_id": thread.id})
    return _plain_rows(_shown_of_posts().where(*_on_posts_page(thread, cursor, access)), {})


def _shown_of_posts():
    return (
        select(*_SHOWN_OF_POST)
        .outerjoin(Account, Account.id == Post.author_id)
        .order_by(Post.created_at, Post.id)
        .limit(PAGE_SIZE + 1)
    )


@cache
def _first_page_shown():
    """The first page signed out (the page most read): built once, run with parameters."""
    return _shown_of_posts().where(Post.thread_id == bindparam("thread_id"), Post.held_at.is_(None))


def cursor_at(post: Post) -> str | None:
    """A ``posts_page`` cursor whose page begins with ``post`` (None: the first page does),
    for links to one reply in a long thread (from search results)."""
    if post.is_opener or post.id == 1:
        return None
    # The page after the key just before this post's own: it comes first.
    return encode_cursor(post.created_at, post.id - 1)


def quote_text(post: Post | None) -> str:
    """A reply's starting text quoting ``post``, or nothing if it is gone."""
    if post is None or post.deleted_at or post.hidden_at or post.held_at:
        return ""
    author = f"@{post.author.handle}" if post.author else "Someone"
    quoted = "\n".join(f"> {line}" if line else ">" for line in post.body.splitlines())
    return f"{author} wrote:\n\n{quoted}\n\n"
