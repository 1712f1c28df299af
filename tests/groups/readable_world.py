"""Every viewer x every visibility x every state of a post, for the readable-by-viewer
tests: the clause (tests/groups/test_readable.py) and search (tests/search/test_leaks.py).

Each post's text holds one marker word, ``zz<visibility><state>``, found nowhere else;
each thread's title holds ``zztitle<visibility><thread>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.db import db, utcnow
from app.groups import moderation
from app.groups import services as groups
from app.groups.models import Post
from app.groups.permissions import access_to
from tests.helpers import (
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_reply,
    make_thread,
)

VISIBILITIES = ("public", "members", "private")

#: The viewers, and the visibilities of the groups each may read.
VIEWERS = {
    "visitor": {"public"},
    "account": {"public", "members"},
    "member_elsewhere": {"public", "members"},
    "group_member": {"public", "members", "private"},
    "moderator": {"public", "members", "private"},
    "host": {"public", "members", "private"},
    "admin": {"public", "members", "private"},
    "suspended": {"public", "members", "private"},
    "suspended_admin": {"public", "members", "private"},
    "banned": {"public", "members"},
}

#: Each post's state, and whether its words are read where readers read them.
STATES = {
    "opener": True,  # a thread's first post
    "reply": True,
    "hidden": False,  # a reply a moderator hid
    "deleted": False,  # a reply its author deleted
    "removed": False,  # the first post of a thread a moderator removed (hid its first post)
    "inremoved": True,  # a reply in that removed thread: its page still shows it
    "withdrawn": False,  # the first post its author deleted (the thread is removed too)
    "held": False,  # a newcomer's reply waiting for a moderator
    "heldopener": False,  # a newcomer's first post waiting (its thread is unseen too)
}

#: Each thread (by the state of its first post) and whether its title is read.
TITLES = {"opener": True, "removed": False, "withdrawn": False, "heldopener": False}


@dataclass
class World:
    groups: dict[str, object]
    posts: dict[tuple[str, str], Post]


def handle(viewer: str) -> str:
    """The handle of the account that plays ``viewer`` (None: the visitor, signed out)."""
    return f"as_{viewer}"


def marker(visibility: str, state: str) -> str:
    return f"zz{visibility}{state}"


def title_marker(visibility: str, thread: str) -> str:
    return f"zztitle{visibility}{thread}"


def _thread(group, author, visibility: str, state: str, posts: dict):
    """A thread whose first post is ``posts[visibility, state]``."""
    made = make_thread(
        group,
        author,
        f"Thread {title_marker(visibility, state)}",
        f"First post {marker(visibility, state)}",
    )
    posts[visibility, state] = groups.posts_page(made, None).items[0]
    return made


def build_world() -> World:
    """Three groups (one per visibility), the same people in each, a post in each state.

    Needs an app context; commits.
    """
    founder = make_member("founder")
    author = make_member("author")
    newcomer = make_member("newcomer")
    people = {
        "group_member": make_member(handle("group_member")),
        "moderator": make_member(handle("moderator")),
        "host": make_member(handle("host")),
        "suspended": make_member(handle("suspended")),
    }
    make_account(handle("account"))
    make_member(handle("member_elsewhere"))
    make_account(handle("admin"), admin=True)
    suspended_admin = make_account(handle("suspended_admin"), admin=True)
    make_member(handle("banned"))
    worlds_groups, posts = {}, {}
    for visibility in VISIBILITIES:
        group = make_group(founder, f"club-{visibility}", visibility=visibility)
        worlds_groups[visibility] = group
        add_to_group(group, author)
        add_to_group(group, newcomer)
        for role, account in people.items():
            add_to_group(group, account, role if role in {"moderator", "host"} else "member")
        founder_access = access_to(group, founder)
        moderation.ban(founder_access, handle("banned"), "Testing bans")

        normal = _thread(group, author, visibility, "opener", posts)
        posts[visibility, "reply"] = make_reply(
            normal, author, f"Reply {marker(visibility, 'reply')}"
        )
        for state in ("hidden", "deleted"):
            posts[visibility, state] = make_reply(
                normal, author, f"Reply {marker(visibility, state)}"
            )
        moderation.hide_post(founder_access, posts[visibility, "hidden"], "Testing")
        groups.delete_post(author, posts[visibility, "deleted"])
        removed = _thread(group, author, visibility, "removed", posts)
        posts[visibility, "inremoved"] = make_reply(
            removed, author, f"Reply {marker(visibility, 'inremoved')}"
        )
        moderation.hide_post(founder_access, posts[visibility, "removed"], "Testing")
        _thread(group, author, visibility, "withdrawn", posts)
        groups.delete_post(author, posts[visibility, "withdrawn"])
        group.hold_first_posts = True
        posts[visibility, "held"] = make_reply(
            normal, newcomer, f"Reply {marker(visibility, 'held')}"
        )
        held = make_thread(
            group,
            newcomer,
            f"Thread {title_marker(visibility, 'heldopener')}",
            f"First post {marker(visibility, 'heldopener')}",
        )
        posts[visibility, "heldopener"] = db.session.scalars(
            select(Post).where(Post.thread_id == held.id)
        ).one()
        group.hold_first_posts = False
        db.session.commit()
    for account in (people["suspended"], suspended_admin):
        account.suspended_at = utcnow()
        account.suspension_reason = "Testing"
    db.session.commit()
    return World(worlds_groups, posts)
