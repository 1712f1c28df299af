"""Deleting an account: everything about the person goes, in one transaction.

Each feature's deletion step runs first (``app.personal_data.deletion_steps``: billing
cancels at Stripe, groups pass hosting on and erase or keep posts, and every feature
added later declares its own), then the account row is deleted and the database's
foreign keys do the rest: rows that are the person's go (``CASCADE``), rows that are
other people's too stay without naming them (``SET NULL``). What each table keeps is
declared beside it and listed on the privacy page.
"""

from __future__ import annotations

from sqlalchemy import delete

from app import personal_data
from app.accounts.models import Account
from app.accounts.services import AccountError, password_is_correct
from app.db import db


def delete_account(account: Account, password: str, *, keep_posts: bool) -> str:
    """Delete ``account`` after checking its password; return the email address it had.

    ``keep_posts`` keeps the account's posts and threads under "a deleted member";
    otherwise they are erased. Raises a ``DomainError`` (changing nothing that the
    caller's rollback does not undo) when the password is wrong or Stripe cannot be
    reached to cancel a subscription.
    """
    if not password_is_correct(account, password):
        raise AccountError("Your password is not correct.", "password")
    for step in personal_data.deletion_steps():
        step(account, keep_posts)
    email = account.email
    db.session.execute(
        delete(Account).where(Account.id == account.id).execution_options(synchronize_session=False)
    )
    db.session.expunge(account)
    db.session.expire_all()
    return email
