"""Small helpers for the message and notification tests. Each commits, as a request would."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from app.db import db
from app.messages import services as messages
from app.notifications.models import Notification
from tests.helpers import add_to_group, make_group, make_member


def page(response) -> str:
    """A response's text with HTML entities decoded, as a reader would see it."""
    return html.unescape(response.get_data(as_text=True))


def neighbours(visibility: str = "public"):
    """ana hosts "gardens"; bob is a member of it; both are members of Kindred."""
    ana = make_member("ana", display_name="Ana")
    bob = make_member("bob", display_name="Bob")
    group = make_group(ana, "gardens", visibility=visibility)
    add_to_group(group, bob)
    return group, ana, bob


def write(sender, handle: str, body: str = "Hello there"):
    """``sender`` writes to ``handle`` (starting a conversation if need be), committed."""
    message = messages.start_conversation(sender, handle, body)
    db.session.commit()
    return message


def notifications_of(account) -> list[Notification]:
    """The account's notifications, oldest first, as the database has them now."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.recipient_id == account.id)
            .order_by(Notification.id)
        )
    )


def kinds_of(account) -> list[str]:
    return [notification.kind for notification in notifications_of(account)]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))
