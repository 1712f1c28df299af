"""What the export registry and account deletion will call for messages and blocks."""

from __future__ import annotations

from sqlalchemy import select

from app.blocks import services as blocks
from app.blocks.models import Block
from app.messages import moderation
from app.messages import services as messages
from app.messages.models import Conversation, Message, MessageSettings
from tests.helpers import make_member
from tests.notifications.support import count, neighbours, write


def test_the_export_has_every_message_of_ones_conversations_in_order(session, monkeypatch):
    _group, ana, bob = neighbours()
    opal = make_member("opal", admin=True)
    write(ana, "bob", "First, from Ana")
    nasty = write(bob, "ana", "Something nasty")
    write(bob, "ana", "Something kind")
    report = moderation.file_report(ana, "spam", "", message=nasty)
    session.commit()
    moderation.remove_message(opal, report.id, "Spam")
    messages.set_accepts_all_members(ana, True)
    session.commit()
    monkeypatch.setattr(messages, "EXPORT_BATCH", 2)  # several keyset batches

    records = list(messages.messages_for_export(ana))
    assert [(r["from_me"], r["text"], r["note"]) for r in records] == [
        (True, "First, from Ana", None),
        (False, None, "removed by site admins"),
        (False, "Something kind", None),
    ]
    assert {r["with"] for r in records} == {"bob"}
    assert all(r["written_at"].endswith("+00:00") for r in records)
    # The author of a removed message keeps its text in their own export.
    assert [r["text"] for r in messages.messages_for_export(bob)][1] == "Something nasty"
    assert messages.settings_for_export(ana) == {"accepts_messages_from_all_members": True}
    assert list(messages.messages_for_export(opal)) == []


def test_deleting_an_account_removes_its_side_and_the_other_sees_a_deleted_member(session):
    _group, ana, bob = neighbours()
    write(ana, "bob", "Hi Bob")
    write(bob, "ana", "Hi Ana, here is my address")
    messages.set_accepts_all_members(bob, True)
    session.commit()

    messages.erase_for_deletion(bob)
    session.delete(bob)
    session.commit()

    records = list(messages.messages_for_export(ana))
    assert [(r["with"], r["from_me"], r["text"]) for r in records] == [
        (None, True, "Hi Bob"),
        (None, False, None),
    ]
    assert records[1]["note"] == "removed when its author deleted their account"
    assert "address" not in " ".join(m.body + m.body_html for m in session.scalars(select(Message)))
    assert count(MessageSettings) == 0

    # When the other side goes too, the conversation goes whole.
    messages.erase_for_deletion(ana)
    session.delete(ana)
    session.commit()
    assert count(Conversation) == 0 and count(Message) == 0


def test_blocks_export_only_those_one_made_and_deletion_removes_both_ways(session):
    _group, ana, bob = neighbours()
    cai = make_member("cai")
    blocks.block(ana, "bob")
    blocks.block(cai, "ana")
    session.commit()
    assert [row["blocked"] for row in blocks.blocks_for_export(ana)] == ["bob"]
    assert list(blocks.blocks_for_export(bob)) == []

    blocks.erase_for_deletion(ana)
    session.commit()
    assert count(Block) == 0
