"""Gift seats: a sponsor buys seats as single-use claim links for people they choose; an
unclaimed gift returns to the general pool after 90 days."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import db, utcnow
from app.memberships.services import current_membership
from app.seats import services as seats
from app.seats.models import SeatGift
from tests.helpers import csrf_token, make_account, make_member
from tests.seats.support import ask, sponsor, sync_catalog


@pytest.fixture
def shop(session, sandbox):
    sync_catalog()
    return sandbox


def gifts_of(sam) -> list[SeatGift]:
    return [gift for gifts in seats.gifts_of(sam).values() for gift in gifts]


def test_gift_seats_come_as_links_and_stay_out_of_the_pool(shop):
    sam, _ = sponsor(shop, "sam", 2, "gift")
    links = gifts_of(sam)
    assert [g.status for g in links] == ["open", "open"]
    assert links[0].expires_at - utcnow() > timedelta(days=89)
    assert seats.available_seats() == 0
    report = seats.ledger_report()
    assert (report.funded, report.gifts_open, report.balances) == (2, 2, True)


def test_a_new_account_claims_a_gift_once_and_is_a_member_for_a_year(shop, client, auth):
    sam, _ = sponsor(shop, "sam", 1, "gift")
    [gift] = gifts_of(sam)
    assert "Claiming needs an account" in client.get(f"/gifts/{gift.token}").get_data(as_text=True)
    zoe = make_account("zoe")
    auth.login("zoe@example.org")
    response = client.post(f"/gifts/{gift.token}/claim")
    assert response.status_code == 303
    assert current_membership(zoe).kind == "sponsored"
    make_account("yan")
    auth.logout()
    auth.login("yan@example.org")
    again = client.post(f"/gifts/{gift.token}/claim", follow_redirects=True)
    assert "already been claimed or has expired" in again.get_data(as_text=True)
    summary = seats.sponsor_summaries(sam)[0]
    assert (summary.gifts_claimed, summary.gifts_open, summary.granted) == (1, 0, 1)
    assert "zoe" not in client.get("/sponsor").get_data(as_text=True)
    assert seats.ledger_report().balances


def test_members_are_asked_to_pass_a_gift_on(shop):
    sam, _ = sponsor(shop, "sam", 1, "gift")
    ada = make_member("ada")
    with pytest.raises(seats.SeatError, match="pass this gift on"):
        seats.claim_gift(gifts_of(sam)[0].token, ada)


def test_an_unknown_gift_link_is_a_404(client, session):
    assert client.get("/gifts/not-a-real-token").status_code == 404


def test_an_unclaimed_gift_returns_to_the_pool_after_90_days_and_serves_the_waitlist(shop, runner):
    sam, _ = sponsor(shop, "sam", 1, "gift")
    bea, _ = ask("bea")
    assert seats.return_expired_gifts(utcnow() + timedelta(days=89)) == 0
    [gift] = gifts_of(sam)
    gift.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = runner.invoke(args=["seats", "expire"])
    assert "Returned 1 unclaimed gift seat to the pool." in result.output
    assert current_membership(bea).kind == "sponsored"
    with pytest.raises(seats.SeatError, match="already been claimed or has expired"):
        seats.claim_gift(gift.token, make_account("zoe"))
    assert seats.ledger_report().balances


def test_refunding_gifts_stops_the_unclaimed_links(shop):
    sam, session = sponsor(shop, "sam", 2, "gift")
    seats.claim_gift(gifts_of(sam)[0].token, make_account("zoe"))
    db.session.commit()
    shop.create_refund({"payment_intent": session["payment_intent"]})
    shop.deliver_pending()
    db.session.expire_all()
    assert [g.status for g in gifts_of(sam)] == ["claimed", "returned"]
    report = seats.ledger_report()
    assert (report.refunded, report.granted, report.available, report.balances) == (
        1,
        1,
        0,
        True,
    )


def test_the_sponsor_page_lists_the_links_and_says_when_they_return(shop, client, auth):
    sam, _ = sponsor(shop, "sam", 2, "gift")
    auth.login("sam@example.org")
    page = client.get("/sponsor").get_data(as_text=True)
    for gift in gifts_of(sam):
        assert f"http://localhost/gifts/{gift.token}" in page
    assert "90 days" in page
    assert csrf_token(client, "/sponsor")


def test_claiming_needs_an_account(client, session):
    signed_out = client.post("/gifts/some-token/claim")
    assert signed_out.status_code in (302, 303) and "/login" in signed_out.headers["Location"]
