"""What the mail outbox keeps about people, and what deleting an account does to it."""

from __future__ import annotations

from sqlalchemy import delete

from app.accounts.models import Account
from app.db import db
from app.mail import OutgoingMail
from app.personal_data import Feature, Table, register


def forget_mail_to(account: Account, keep_posts: bool) -> None:
    """Nothing more goes to a deleted account, and no copy of its mail stays behind."""
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.recipient == account.email))


register(
    Feature(
        name="mail",
        tables=(
            Table(
                "outgoing_mail",
                title="Mail on its way to you",
                holds="Each message Kindred sends you, as sent: your email address, the "
                "subject and the text (which names your handle and may carry a link you "
                "asked for), and whether it was delivered.",
                why="So that mail written by something you did goes out even when the mail "
                "server is down for a while, and goes out only once.",
                kept="Until it is delivered, then 7 days (MAIL_RETENTION_DAYS), then deleted.",
                export=None,
                excluded="It is our copy of mail you have already received.",
                on_delete="Removed, undelivered messages included, so nothing more is sent "
                "to you. Only the message saying your account is deleted is written after, "
                "and no copy of it is kept once it is delivered.",
                shared_with="Your mail provider receives each message, as any email.",
            ),
        ),
        on_account_deleted=forget_mail_to,
    )
)
