"""The seats pages: asking, sponsoring, the review queue and the open books, and who may
see what (the authorisation matrix of the new routes)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.db import db
from app.seats import services as seats
from tests.helpers import DEFAULT_PASSWORD, csrf_token, make_account, make_member
from tests.seats.support import sponsor, sync_catalog

#: path -> who may GET it: (signed out, account, admin); False = refused (login or 403).
MATRIX = {
    "/seats": (False, True, True),
    "/sponsor": (False, True, True),
    "/transparency": (True, True, True),
    "/admin/seats": (False, False, True),
}


@pytest.mark.parametrize("path", MATRIX)
@pytest.mark.parametrize("role", [0, 1, 2])
def test_authorisation_matrix(client, auth, session, path, role):
    make_account("bea")
    make_account("ops", admin=True)
    if role:
        auth.login("ops@example.org" if role == 2 else "bea@example.org")
    response = client.get(path)
    if MATRIX[path][role]:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)
        if role == 0:
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/seats/apply",
        "/seats/withdraw",
        "/sponsor/checkout",
        "/admin/seats/1/approve",
        "/admin/seats/1/decline",
        "/gifts/some-token/claim",
    ],
)
def test_state_changes_need_csrf(make_app, path):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_account("bea", admin=True)
        seats.adjust_pool(1, "test")
        db.session.commit()
    token = csrf_token(client, "/login")
    client.post(
        "/login",
        data={"csrf_token": token, "identifier": "bea", "password": DEFAULT_PASSWORD},
    )
    assert client.post(path, data={"note": "hi", "seats": "1", "kind": "once"}).status_code == 400
    with app.app_context():
        assert seats.available_seats() == 1


def test_an_applicant_cannot_see_or_withdraw_another_applicants_request(client, auth, session):
    bea = make_account("bea")
    seats.apply_for_seat(bea, "private note of bea")
    db.session.commit()
    make_account("cal")
    auth.login("cal@example.org")
    page = client.get("/seats").get_data(as_text=True)
    assert "private note of bea" not in page and "number 1 in line" not in page
    token = csrf_token(client, "/seats")
    response = client.post("/seats/withdraw", data={"csrf_token": token})
    assert response.status_code == 303
    assert seats.open_application(bea) is not None


def test_asking_through_the_page_with_a_free_seat_makes_a_member(client, auth, session):
    seats.adjust_pool(1, "test")
    db.session.commit()
    make_account("eve")
    auth.login("eve@example.org")
    token = csrf_token(client, "/seats")
    response = client.post("/seats/apply", data={"csrf_token": token, "note": ""})
    assert response.status_code == 303
    page = client.get("/seats").get_data(as_text=True)
    assert "You are a member" in page


def test_a_second_request_through_the_page_is_refused_with_a_message(client, auth, session):
    make_account("eve")
    auth.login("eve@example.org")
    for _ in range(2):
        token = csrf_token(client, "/seats")
        response = client.post(
            "/seats/apply", data={"csrf_token": token, "note": "x"}, follow_redirects=True
        )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "number 1 in line" in page


def test_non_text_in_the_note_is_a_clear_400(client, auth, session):
    make_account("eve")
    auth.login("eve@example.org")
    token = csrf_token(client, "/seats")
    response = client.post("/seats/apply", data={"csrf_token": token, "note": "a\x00b"})
    assert response.status_code == 400
    assert seats.latest_application(make_account("cal")) is None


def test_admins_decline_from_the_queue_with_a_reason(make_app):
    app = make_app(SEAT_POLICY="review")
    client = app.test_client()
    with app.app_context():
        make_account("ops", admin=True)
        bea = make_account("bea")
        application = seats.apply_for_seat(bea, "a note")
        db.session.commit()
        application_id = application.id
    client.post(
        "/login", data={"identifier": "ops@example.org", "password": "correct horse battery staple"}
    )
    page = client.get("/admin/seats").get_data(as_text=True)
    assert "@bea" in page and "a note" in page
    token = csrf_token(client, "/admin/seats")
    empty = client.post(
        f"/admin/seats/{application_id}/decline", data={"csrf_token": token, "reason": ""}
    )
    assert empty.status_code == 400
    done = client.post(
        f"/admin/seats/{application_id}/decline", data={"csrf_token": token, "reason": "Not now."}
    )
    assert done.status_code == 303
    with app.app_context():
        assert seats.latest_application(bea).decline_reason == "Not now."


# -- sponsors -------------------------------------------------------------------------------


def test_sponsor_page_shows_counts_per_sponsorship_in_the_right_currency_never_recipients(
    client, auth, session, sandbox
):
    sync_catalog()
    sponsor(sandbox, "sam", 3, public_name="Friends of Kindred")
    seats.apply_for_seat(make_account("bea"))
    db.session.commit()
    auth.login("sam@example.org")
    page = client.get("/sponsor").get_data(as_text=True)
    assert "$75" in page  # 3 x $25, in minor units from Stripe
    assert "<td>3</td>" in page and "<td>1</td>" in page and "<td>2</td>" in page
    assert "bea" not in page and "Friends of Kindred" in page


def test_sponsoring_through_the_page_goes_to_checkout_and_bad_input_changes_nothing(
    client, auth, session, sandbox
):
    sync_catalog()
    make_account("sam")
    auth.login("sam@example.org")
    token = csrf_token(client, "/sponsor")
    bad = client.post("/sponsor/checkout", data={"csrf_token": token, "seats": "0", "kind": "once"})
    assert bad.status_code == 400 and "between 1 and 100" in bad.get_data(as_text=True)
    good = client.post(
        "/sponsor/checkout", data={"csrf_token": token, "seats": "3", "kind": "yearly"}
    )
    assert good.status_code == 303 and "/checkout/cs_test" in good.headers["Location"]


# -- the open books -------------------------------------------------------------------------


def test_transparency_page_needs_no_sign_in_and_sets_no_cookie(client, session, sandbox):
    sync_catalog()
    sponsor(sandbox, "sam", 3, "yearly", public_name="The Allotment Society")
    sponsor(sandbox, "tom", 2)  # anonymous
    make_member("ada")
    seats.apply_for_seat(make_account("bea"))
    db.session.commit()
    response = client.get("/transparency")
    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == []
    page = response.get_data(as_text=True)
    for label, value in [
        ("Paying members", 0),
        ("Sponsored members", 1),
        ("Complimentary members", 1),
        ("Seats funded to date", 5),
        ("Seats granted", 1),
        ("Seats free now", 4),
        ("People waiting", 0),
        ("Sponsors who give every year", 1),
    ]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in page
    assert "The Allotment Society" in page and "tom" not in page
    assert "<svg" in page and "<script" not in page


def _statements_of(client, path: str) -> list[str]:
    statements: list[str] = []
    engine = db.session.get_bind().engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    assert client.get(path).status_code == 200
    event.remove(engine, "before_cursor_execute", record)
    return statements


def test_transparency_runs_the_same_queries_for_a_small_or_a_big_ledger(client, session):
    seats.adjust_pool(1, "one")
    db.session.commit()
    small = len(_statements_of(client, "/transparency"))
    for n in range(30):
        seats.adjust_pool(2, f"more {n}")
        seats.apply_for_seat(make_account(f"person{n}"))
    db.session.commit()
    assert len(_statements_of(client, "/transparency")) == small


def test_the_landing_page_counts_only_the_headline_of_the_open_books(client, session):
    """The landing page shows members, seats and people waiting: it never reads the waits
    of everyone granted nor the ledger month by month, the open books' costliest queries."""
    from dataclasses import fields

    from app.seats.transparency import Headline, headline, open_books

    seats.adjust_pool(3, "three")
    for n in range(4):
        seats.apply_for_seat(make_account(f"person{n}"))
    db.session.commit()
    books, figures = open_books(), headline()
    assert figures == Headline(**{f.name: getattr(books, f.name) for f in fields(Headline)})
    assert (figures.granted, figures.available, figures.waiting) == (3, 0, 1)

    statements = " ".join(_statements_of(client, "/")).lower()
    assert "seat_ledger" in statements and "seat_applications" in statements
    assert "decided_at" not in statements, "the waits are the open books' own"
    assert "strftime" not in statements and "to_char" not in statements, "nor the months"
    assert "sponsorships" not in statements, "nor the sponsors"


def test_the_median_wait_is_counted_from_grouped_lengths():
    from app.seats.transparency import _median

    assert _median([]) is None
    assert _median([(15, 1)]) == 1.5
    assert _median([(10, 1), (20, 1)]) == 1.5
    assert _median([(0, 2), (30, 1), (100, 4)]) == 10.0


def test_the_median_wait_of_people_granted_later(session):
    from datetime import timedelta

    from app.seats.models import SeatApplication
    from app.seats.transparency import open_books

    for handle in ["bea", "cal", "dee"]:
        seats.apply_for_seat(make_account(handle))
    db.session.flush()
    start = min(a.created_at for a in db.session.scalars(select(SeatApplication)))
    for n, application in enumerate(
        db.session.scalars(select(SeatApplication).order_by(SeatApplication.id))
    ):
        application.created_at = start - timedelta(days=2 * n + 1)
    seats.adjust_pool(3, "three")
    db.session.commit()
    assert open_books().median_wait_days == 3.0


def test_a_sponsored_member_sees_their_seat_on_the_membership_page(client, auth, session):
    seats.adjust_pool(1, "a seat")
    seats.apply_for_seat(make_account("bea"))
    db.session.commit()
    auth.login("bea@example.org")
    page = client.get("/membership").get_data(as_text=True)
    assert "on a sponsored seat" in page
    assert "ask for a seat again" in page


def test_the_landing_page_shows_the_price_and_the_open_books(client, session):
    seats.adjust_pool(2, "two seats")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "one flat price of $25 a year" in page
    assert "Sponsors have funded 0 seats; 2 are free now and 0 people are waiting" in page
    assert 'href="/transparency"' in page


def test_the_about_page_points_to_seats_that_exist(client, session):
    page = client.get("/about").get_data(as_text=True)
    for path in ('href="/seats"', 'href="/transparency"', 'href="/sponsor"'):
        assert path in page
    assert "not open yet" not in page
