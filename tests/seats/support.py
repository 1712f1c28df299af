"""Small helpers: sponsors who paid through the sandbox, applicants, and the ledger."""

from __future__ import annotations

from app.accounts.models import Account
from app.billing import services as billing
from app.db import db
from app.seats import services as seats
from devstack.stripe_sandbox.cards import read_card
from tests.helpers import checkout_session_id, make_account

CARD = ("4242424242424242", "12 / 34", "123")
RETURN = "http://kindred.test/sponsor"


def sync_catalog() -> None:
    billing.membership_price(create=True)
    seats.seat_price("once", create=True)
    seats.seat_price("yearly", create=True)


def start(account: Account, count: int, kind: str = "once", public_name: str | None = None):
    url = seats.start_sponsorship(
        account,
        seats=count,
        kind=kind,
        public_name=public_name,
        success_url=RETURN,
        cancel_url=RETURN,
    )
    db.session.commit()
    return checkout_session_id(url)


def sponsor(
    state,
    account: Account | str = "sam",
    count: int = 3,
    kind: str = "once",
    *,
    public_name: str | None = None,
    deliver: bool = True,
):
    """``account`` (made if a handle) pays for ``count`` seats in the sandbox; webhooks are
    delivered unless told not to.  Returns (account, completed Checkout Session)."""
    if isinstance(account, str):
        account = make_account(account)
    session_id = start(account, count, kind, public_name)
    session = state.complete_checkout(session_id, read_card(*CARD))
    if deliver:
        state.deliver_pending()
    db.session.expire_all()
    return account, session


def ask(handle: str, note: str = ""):
    """A new account asks for a seat (committed); returns (account, application)."""
    account = make_account(handle)
    application = seats.apply_for_seat(account, note)
    db.session.commit()
    return account, application
