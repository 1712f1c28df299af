"""The demo community shows seats working: a recurring sponsor, a sponsored member nobody can
tell apart, seats left in the pool, and eve asking for a seat and getting one at once."""

from __future__ import annotations

from app.accounts.services import get_account_by_handle
from app.db import db
from app.memberships.services import current_membership
from app.seats import services as seats
from app.seats.transparency import open_books
from devstack.demo import describe_demo, load_demo_community


def test_the_demo_has_a_sponsor_a_sponsored_member_and_seats_for_eve(session):
    load_demo_community()
    db.session.commit()
    assert current_membership(get_account_by_handle("fay")) is None
    assert current_membership(get_account_by_handle("cai")).kind == "sponsored"
    assert seats.available_seats() == 4
    books = open_books()
    assert (books.recurring_sponsors, books.sponsored, books.funded) == (1, 1, 5)
    assert books.wall == ["The Allotment Society"]
    assert "@cai" in describe_demo() and "@fay" in describe_demo()

    eve = get_account_by_handle("eve")
    assert seats.apply_for_seat(eve).status == "granted"
    assert current_membership(eve).kind == "sponsored"
    assert seats.ledger_report().balances
