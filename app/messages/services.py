"""Direct messages: who may write to whom, conversations and their messages.

- Reading: a conversation is for its two people alone, whatever their membership or
  standing (a lapsed or suspended account reads its conversations). Site admins read a
  message only once it is reported to them (``app.messages.moderation``).
- Sending: members who are not suspended (``app.memberships.services.write_refusal``).
- Starting: with an account one shares a group with, or one whose settings accept
  messages from all members; never with an account one blocked or that blocked one
  (``may_start`` holds every rule for starting). Once started, either side may write on
  while neither has blocked the other.
- Blocking is silent: a blocked sender is told only that they can't send here, in the
  same words whatever the reason.

No read receipts, typing indicators or "last seen": nothing here records when someone
read anything. The recipient is notified of a new message (``app.notifications``).
Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from app.accounts.models import Account, public_columns
from app.accounts.services import get_account_by_handle
from app.blocks.services import has_blocked
from app.db import db, utcnow
from app.domain import DomainError, NotPermitted
from app.groups.models import GroupMember
from app.memberships.services import write_refusal
from app.messages.models import Conversation, Message, MessageSettings
from app.notifications.events import path
from app.notifications.mentions import render_with_mentions
from app.notifications.services import notify
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of
from app.safety import limits

BODY_MAX = 10000
EXPORT_BATCH = 500
CANNOT_START = (
    "You can start a conversation with people you share a group with, or who accept "
    "messages from all members."
)
CANNOT_SEND = "You can't send messages in this conversation."


class MessageError(DomainError):
    """A rule of this feature said no."""


class MessageForbidden(MessageError, NotPermitted):
    """The account may not write at all (not a member, or suspended): a 403."""


def _body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise MessageError("Write a message.", "body")
    if len(body) > BODY_MAX:
        raise MessageError(f"Keep a message to {BODY_MAX} characters.", "body")
    return body


def _require_writer(account: Account) -> None:
    if (refusal := write_refusal(account)) is not None:
        raise MessageForbidden(refusal)


def _pair(first: Account, second: Account) -> tuple[int, int]:
    return (first.id, second.id) if first.id < second.id else (second.id, first.id)


# Who may write to whom ---------------------------------------------------------------


def accepts_all_members(account: Account) -> bool:
    """Whether ``account`` lets any member start a conversation with it."""
    return bool(
        db.session.scalar(
            select(MessageSettings.from_all_members).where(MessageSettings.account_id == account.id)
        )
    )


def set_accepts_all_members(account: Account, accepts: bool) -> None:
    settings = db.session.get(MessageSettings, account.id)
    if settings is None:
        db.session.add(MessageSettings(account_id=account.id, from_all_members=accepts))
    else:
        settings.from_all_members = accepts
    db.session.flush()


def share_a_group(first: Account, second: Account) -> bool:
    other = aliased(GroupMember)
    return (
        db.session.scalar(
            select(GroupMember.id)
            .join(other, other.group_id == GroupMember.group_id)
            .where(GroupMember.account_id == first.id, other.account_id == second.id)
            .limit(1)
        )
        is not None
    )


def may_start(sender: Account, recipient: Account) -> bool:
    """Every rule that decides whether ``sender`` may start writing to ``recipient``: a new
    account may not start conversations yet (``app.safety.limits``)."""
    if limits.is_new(sender) or has_blocked(recipient.id, sender.id):
        return False
    return share_a_group(sender, recipient) or accepts_all_members(recipient)


def conversation_between(first: Account, second: Account) -> Conversation | None:
    low, high = _pair(first, second)
    return db.session.scalar(
        select(Conversation).where(Conversation.first_id == low, Conversation.second_id == high)
    )


# Writing -----------------------------------------------------------------------------


def start_conversation(sender: Account, handle: str | None, body: str | None) -> Message:
    """Write to the account with ``handle``: in the conversation the two already have, or
    in a new one if ``may_start`` allows it."""
    _require_writer(sender)
    recipient = get_account_by_handle((handle or "").strip().lstrip("@"))
    if recipient is None:
        raise MessageError("There is no account with that handle.", "handle")
    if recipient.id == sender.id:
        raise MessageError("You can't send a message to yourself.", "handle")
    existing = conversation_between(sender, recipient)
    if existing is not None:
        return send_message(sender, existing, body)
    body = _body(body)
    if has_blocked(sender.id, recipient.id):
        raise MessageError(
            f"You blocked @{recipient.handle}. Unblock them to write to them.", "handle"
        )
    try:
        limits.check_start_conversation(sender)
    except limits.NewAccountLimit as error:
        raise MessageError(error.message, error.field) from error
    if not may_start(sender, recipient):
        raise MessageError(CANNOT_START, "handle")
    low, high = _pair(sender, recipient)
    now = utcnow()
    conversation = Conversation(
        first_id=low, second_id=high, started_by_id=sender.id, created_at=now, last_message_at=now
    )
    db.session.add(conversation)
    db.session.flush()
    return _add_message(conversation, sender, recipient, body)


def send_message(sender: Account, conversation: Conversation, body: str | None) -> Message:
    """Write in a conversation one is part of, to the other side."""
    if not conversation.includes(sender):
        raise MessageError("That conversation does not exist.")
    _require_writer(sender)
    recipient = conversation.other_side(sender)
    if recipient is None:
        raise MessageError("This member deleted their account: nobody would read it.")
    if has_blocked(sender.id, recipient.id):
        raise MessageError(f"You blocked @{recipient.handle}. Unblock them to write to them.")
    if has_blocked(recipient.id, sender.id):
        raise MessageError(CANNOT_SEND)
    return _add_message(conversation, sender, recipient, _body(body))


def _add_message(
    conversation: Conversation, sender: Account, recipient: Account, body: str
) -> Message:
    # Mentions are links; only the two people here can read a message, and the other
    # is told of it anyway, so a mention notifies nobody more.
    body_html, _mentioned = render_with_mentions(body)
    now = utcnow()
    message = Message(
        conversation_id=conversation.id,
        author_id=sender.id,
        body=body,
        body_html=body_html,
        created_at=now,
    )
    db.session.add(message)
    db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(
            last_message_at=case(
                (Conversation.last_message_at > now, Conversation.last_message_at), else_=now
            )
        )
    )
    db.session.flush()
    notify(
        recipient,
        "message",
        link=path("messages.show_conversation", conversation_id=conversation.id),
        actor=sender,
        target=f"conversation:{conversation.id}",
    )
    return message


# Reading -----------------------------------------------------------------------------


def get_conversation(account: Account, conversation_id: int) -> Conversation | None:
    """The conversation if ``account`` is one of its two people, else None."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or not conversation.includes(account):
        return None
    return conversation


def _mine(account: Account):
    return or_(Conversation.first_id == account.id, Conversation.second_id == account.id)


def conversations_page(account: Account, cursor: str | None) -> Page[Conversation]:
    """The account's conversations, the one with the latest message first."""
    query = (
        select(Conversation)
        .options(joinedload(Conversation.first), joinedload(Conversation.second))
        .where(_mine(account))
    )
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(
            after_key((Conversation.last_message_at, Conversation.id), values, True)
        )
    rows = list(
        db.session.scalars(
            query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc()).limit(
                PAGE_SIZE + 1
            )
        )
    )
    return page_of(rows, lambda row: (row.last_message_at, row.id))


def messages_page(conversation: Conversation, cursor: str | None) -> Page[Message]:
    """The latest messages of a conversation (or those before ``cursor``), in the order
    they were written; ``next_cursor`` leads to earlier ones."""
    query = (
        select(Message)
        .options(joinedload(Message.author).load_only(*public_columns()))
        .where(Message.conversation_id == conversation.id)
    )
    values = decode_cursor(cursor, (datetime, int))
    if values is not None:
        query = query.where(after_key((Message.created_at, Message.id), values, True))
    rows = list(
        db.session.scalars(
            query.order_by(Message.created_at.desc(), Message.id.desc()).limit(PAGE_SIZE + 1)
        )
    )
    earlier = page_of(rows, lambda row: (row.created_at, row.id))
    return Page(list(reversed(earlier.items)), earlier.next_cursor)


def get_message(conversation: Conversation, message_id: int) -> Message | None:
    message = db.session.get(Message, message_id)
    if message is None or message.conversation_id != conversation.id:
        return None
    return message


# Export and account deletion ---------------------------------------------------------


def _export_record(account: Account, message: Message) -> dict:
    conversation = message.conversation
    other = conversation.other_side(account)
    mine = message.author_id == account.id
    if message.erased_at is not None:
        text, note = None, "removed when its author deleted their account"
    elif message.removed_at is not None and not mine:
        text, note = None, "removed by site admins"
    else:
        text = message.body
        note = "removed by site admins" if message.removed_at is not None else None
    return {
        "conversation": conversation.id,
        "with": other.handle if other is not None else None,
        "from_me": mine,
        "written_at": message.created_at.isoformat(),
        "text": text,
        "note": note,
    }


def messages_for_export(account: Account) -> Iterator[dict]:
    """Every message in ``account``'s conversations, in the order written, read in keyset
    batches: its own with their text, the other side's as received (without the text of
    messages removed by admins or erased with their author's account). ``with`` is the
    other side's handle now, or None for "a deleted member"."""
    last_id = 0
    while True:
        rows = list(
            db.session.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .options(
                    joinedload(Message.conversation).joinedload(Conversation.first),
                    joinedload(Message.conversation).joinedload(Conversation.second),
                )
                .where(_mine(account), Message.id > last_id)
                .order_by(Message.id)
                .limit(EXPORT_BATCH)
            )
        )
        for message in rows:
            yield _export_record(account, message)
        if len(rows) < EXPORT_BATCH:
            return
        last_id = rows[-1].id


def settings_for_export(account: Account) -> dict:
    return {"accepts_messages_from_all_members": accepts_all_members(account)}


def erase_for_deletion(account: Account) -> None:
    """Before ``account`` is deleted: remove the text of every message it wrote (the other
    side sees "a deleted member" and a placeholder), and delete the conversations whose
    other side is gone already."""
    db.session.execute(
        update(Message)
        .where(Message.author_id == account.id, Message.erased_at.is_(None))
        .values(body="", body_html="", erased_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(Conversation)
        .where(
            or_(
                (Conversation.first_id == account.id) & Conversation.second_id.is_(None),
                (Conversation.second_id == account.id) & Conversation.first_id.is_(None),
            )
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(MessageSettings).where(MessageSettings.account_id == account.id))
    db.session.flush()
