"""A member who has done everything once, and readers for the archives they download."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from app.accounts.models import Account
from app.blocks import services as blocks
from app.db import db, utcnow
from app.exports.models import DataExport
from app.groups import moderation
from app.groups import services as groups
from app.groups.models import Group, Post, Thread
from app.groups.permissions import access_to
from app.memberships import services as memberships
from app.messages import services as messages
from tests.helpers import (
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_paid_member,
    make_reply,
    make_thread,
)

HANDLE = "zinnia_q"
EMAIL = "zinnia.q@example.org"
# What only other people wrote or are: none of it may reach Zinnia's archive.
OTHERS_SECRET = "The hidden meeting place is the old mill."
OTHER_EMAILS = ("bob@example.org", "cai@example.org", "dan@example.org")
OTHER_NAMES = ("Bob Bellweather", "Cai Calloway")


@dataclass
class Story:
    """Zinnia, the people around her, and the things she did."""

    zinnia: Account
    bob: Account
    cai: Account
    dan: Account
    gardens: Group
    hideout: Group
    thread: Thread
    edited: Post
    quoted_by_bob: Post


def seed_story(sandbox=None) -> Story:
    """Zinnia pays (through ``sandbox``, if given) and does everything once. Commits."""
    if sandbox is not None:
        zinnia = make_paid_member(sandbox, HANDLE, email=EMAIL, display_name="Zinnia Q.")
    else:
        zinnia = make_member(HANDLE, email=EMAIL, display_name="Zinnia Q.")
    zinnia.bio = "Balcony tomatoes, mostly."
    memberships.grant_complimentary(zinnia, None, "thanks for the garden guide")
    bob = make_member("bob", display_name=OTHER_NAMES[0])
    cai = make_member("cai", display_name=OTHER_NAMES[1])
    dan = make_account("dan")

    # She hosts a public group with a moderator and a member.
    gardens = make_group(zinnia, "gardens")
    add_to_group(gardens, cai, role="moderator")
    add_to_group(gardens, bob)
    add_to_group(gardens, dan)
    thread = make_thread(
        gardens,
        zinnia,
        "Tomatoes in shade?",
        "Four hours of light. ![a photo](https://images.example.net/pixel.png) "
        "See [my notes](https://notes.example.net/tomatoes).",
    )
    edited = make_reply(thread, zinnia, "First thoughts.")
    groups.edit_post(access_to(gardens, zinnia), edited, "Second thoughts, after a week.")
    quoted = make_reply(
        thread, bob, groups.quote_text(edited) + "Agreed, and mine did well in pots."
    )
    off_topic = make_reply(thread, cai, "Anyone selling a bicycle?")
    moderation.hide_post(access_to(gardens, zinnia), off_topic, "Off-topic here.")
    moderation.ban(access_to(gardens, zinnia), "dan", "Spam elsewhere on the site.")

    # Bob's private group, where she is a member and Bob talks about things she never wrote.
    hideout = make_group(bob, "hideout", visibility="private", join_policy="invite")
    add_to_group(hideout, zinnia)
    secret = make_thread(hideout, bob, "Where we meet", OTHERS_SECRET)
    moderation.report_post(
        access_to(hideout, zinnia), groups.posts_page(secret, None).items[0], "other", "Unkind."
    )

    # A request to join, and an invitation.
    readers = make_group(bob, "readers", visibility="members", join_policy="request")
    groups.request_to_join(access_to(readers, zinnia), "I read slowly, like you.")
    circle = make_group(cai, "circle", visibility="private", join_policy="invite")
    groups.invite(access_to(circle, cai), HANDLE)

    # A conversation with Bob (who writes back), and a block on Dan.
    opened = messages.start_conversation(zinnia, "bob", "Seeds for the swap on Saturday?")
    messages.send_message(bob, opened.conversation, "Yes, I'll bring beans.")
    blocks.block(zinnia, "dan")

    db.session.add(DataExport(account_id=zinnia.id, kind="account", created_at=utcnow()))
    db.session.commit()
    return Story(zinnia, bob, cai, dan, gardens, hideout, thread, edited, quoted)


def unzip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def read_json(archive: zipfile.ZipFile, name: str) -> dict:
    return json.loads(archive.read(name))


def all_text(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode() for name in archive.namelist())
