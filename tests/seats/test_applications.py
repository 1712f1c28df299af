"""People who need a seat ask for one, with no proof; they get one at once or wait in line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import db, utcnow
from app.memberships.services import can_write, current_membership
from app.seats import services as seats
from app.seats.models import SeatGrant
from app.seats.services import SeatError
from tests.helpers import make_account, make_member
from tests.seats.support import ask, sponsor, sync_catalog


@pytest.fixture
def shop(session, sandbox):
    sync_catalog()
    return sandbox


def fund(seat_count: int = 1):
    """Seats in the pool without a payment (an operator's adjustment)."""
    seats.adjust_pool(seat_count, "test seats")
    db.session.commit()


def test_an_applicant_gets_a_free_seat_at_once_and_is_a_full_member_for_a_year(session):
    fund(1)
    bea, application = ask("bea", "I lost my job this spring.")
    assert application.status == "granted"
    membership = current_membership(bea)
    assert membership.kind == "sponsored"
    assert membership.until - utcnow() > timedelta(days=364)
    assert can_write(bea)
    assert seats.available_seats() == 0


def test_with_an_empty_pool_applicants_wait_in_order_and_see_their_place(session):
    _, first = ask("bea")
    _, second = ask("cal")
    assert (first.status, second.status) == ("waiting", "waiting")
    assert (seats.waitlist_place(first), seats.waitlist_place(second)) == (1, 2)


def test_a_later_sponsorship_grants_the_waitlist_in_order_and_emails_them(shop, mail):
    bea, _ = ask("bea")
    cal, _ = ask("cal")
    dee, _ = ask("dee")
    sponsor(shop, "sam", 2)
    assert [current_membership(a) is not None for a in (bea, cal, dee)] == [True, True, False]
    told = [m for m in mail if "You are a Kindred member now" in m["Subject"]]
    assert sorted(m["To"] for m in told) == ["bea@example.org", "cal@example.org"]
    assert "http://kindred.test/seats" in told[0].get_content()
    assert seats.waitlist_place(seats.open_application(dee)) == 1


def test_one_open_application_per_account(session):
    bea, _ = ask("bea")
    with pytest.raises(SeatError, match="already asked"):
        seats.apply_for_seat(bea)
    seats.withdraw_application(bea)
    assert seats.apply_for_seat(bea).status == "waiting"


def test_members_do_not_need_a_seat(session):
    ada = make_member("ada")
    fund(1)
    with pytest.raises(SeatError, match="already a member"):
        seats.apply_for_seat(ada)
    assert seats.available_seats() == 1


def test_a_sponsored_member_may_ask_again_in_the_last_30_days_without_overlap(session):
    fund(2)
    bea, _ = ask("bea")
    with pytest.raises(SeatError, match="already a member"):
        seats.apply_for_seat(bea)
    grant = db.session.scalar(select(SeatGrant).where(SeatGrant.account_id == bea.id))
    later = grant.ends_at - timedelta(days=10)
    seats.apply_for_seat(bea, now=later)
    grants = db.session.scalars(
        select(SeatGrant).where(SeatGrant.account_id == bea.id).order_by(SeatGrant.starts_at)
    ).all()
    assert grants[1].starts_at == grants[0].ends_at  # the next year follows, never overlaps
    assert current_membership(bea, later).until == grants[1].ends_at


def test_a_long_note_is_refused_and_nothing_changes(session):
    bea = make_account("bea")
    with pytest.raises(SeatError, match="under 1000"):
        seats.apply_for_seat(bea, "x" * 1001)
    assert seats.latest_application(bea) is None


# -- review policy ------------------------------------------------------------------------


@pytest.fixture
def reviewing(make_app):
    app = make_app(SEAT_POLICY="review")
    with app.app_context():
        yield app


def test_under_review_an_admin_approves_from_the_queue(reviewing):
    fund(1)
    admin = make_account("ops", admin=True)
    bea, application = ask("bea", "please")
    assert application.status == "review" and current_membership(bea) is None
    assert [a.id for a, _ in seats.review_queue()] == [application.id]
    seats.approve_application(application.id, admin)
    assert current_membership(bea).kind == "sponsored"
    assert seats.review_queue() == []


def test_under_review_a_decline_needs_a_reason_the_applicant_sees(reviewing):
    admin = make_account("ops", admin=True)
    bea, application = ask("bea")
    with pytest.raises(SeatError, match="Say why"):
        seats.decline_application(application.id, admin, "  ")
    seats.decline_application(application.id, admin, "We need a real email address.")
    assert seats.latest_application(bea).decline_reason == "We need a real email address."


def test_only_admins_review_and_an_empty_pool_cannot_be_approved(reviewing):
    admin = make_account("ops", admin=True)
    cal = make_account("cal")
    _, application = ask("bea")
    with pytest.raises(SeatError, match="Only site admins"):
        seats.approve_application(application.id, cal)
    with pytest.raises(SeatError, match="No seat is free"):
        seats.approve_application(application.id, admin)


# -- reminders ------------------------------------------------------------------------------


def test_reminders_go_30_and_7_days_before_a_seat_ends_once_each(session, mail):
    fund(1)
    bea, _ = ask("bea")
    grant = db.session.scalar(select(SeatGrant).where(SeatGrant.account_id == bea.id))
    assert seats.send_seat_reminders(grant.ends_at - timedelta(days=31)) == []
    assert seats.send_seat_reminders(grant.ends_at - timedelta(days=29)) == [("bea", 30)]
    assert seats.send_seat_reminders(grant.ends_at - timedelta(days=20)) == []
    assert seats.send_seat_reminders(grant.ends_at - timedelta(days=6)) == [("bea", 7)]
    assert seats.send_seat_reminders(grant.ends_at - timedelta(days=5)) == []
    db.session.commit()  # mail goes out once its unit of work is committed
    reminders = [m for m in mail if "membership ends on" in m["Subject"]]
    assert len(reminders) == 2
    body = reminders[0].get_content()
    assert "http://kindred.test/seats" in body and "http://kindred.test/membership" in body


def test_a_seat_ends_after_its_year(session):
    fund(1)
    bea, _ = ask("bea")
    grant = db.session.scalar(select(SeatGrant).where(SeatGrant.account_id == bea.id))
    assert current_membership(bea, grant.ends_at - timedelta(seconds=1)).kind == "sponsored"
    assert current_membership(bea, grant.ends_at) is None


def test_the_ledger_report_fails_when_a_grant_has_no_entry(session, runner):
    fund(2)
    ask("bea")
    result = runner.invoke(args=["seats", "report"])
    assert result.exit_code == 0 and "The ledger balances." in result.output
    db.session.add(
        SeatGrant(
            account_id=make_account("cal").id, starts_at=utcnow(), ends_at=utcnow() + seats.YEAR
        )
    )
    db.session.commit()
    result = runner.invoke(args=["seats", "report"])
    assert result.exit_code == 1
    assert "2 grant(s) but 1 granted entries" in result.output


def test_grant_waiting_command_serves_the_list(session, runner, mail):
    ask("bea")
    seats.adjust_pool(1, "test")  # granted at once: adjustments serve the waitlist too
    db.session.commit()
    ask("cal")
    db.session.add(
        seats.SeatLedgerEntry(kind="adjustment", seats=1, reason="added without serving")
    )
    db.session.commit()
    result = runner.invoke(args=["seats", "grant-waiting"])
    assert "Granted 1 seat." in result.output
