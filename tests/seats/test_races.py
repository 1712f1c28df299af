"""Racing applicants for the last seat, and one payment's webhooks delivered many times at
once, on separate connections that really commit (PostgreSQL: the suite's database; SQLite:
a database file of its own).  Nobody gets a seat twice and no seat is lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from app.accounts.models import Account
from app.billing.models import StripeEvent
from app.db import db
from app.seats import services as seats
from app.seats.models import SeatApplication, SeatGrant, SeatLedgerEntry, SeatPool, Sponsorship
from devstack.stripe_sandbox import SandboxState
from devstack.stripe_sandbox.cards import read_card
from tests.billing import events as ev
from tests.committing import committing_app
from tests.helpers import make_account
from tests.seats.support import start, sync_catalog

HANDLE = "seatrace"
THREADS = 6


def _remove_what_it_made() -> None:
    for model in (SeatLedgerEntry, SeatGrant, SeatApplication, Sponsorship, SeatPool):
        db.session.execute(delete(model))
    db.session.execute(delete(Account).where(Account.handle.like(f"{HANDLE}%")))


@pytest.fixture
def committing(engine, tmp_path) -> Iterator[tuple[Flask, SandboxState]]:
    with committing_app(engine, tmp_path, _remove_what_it_made) as made:
        yield made


def test_applicants_racing_for_the_last_seat_get_it_once(committing):
    app, _ = committing
    with app.app_context():
        seats.adjust_pool(1, "the last seat")
        ids = [make_account(f"{HANDLE}{n}").id for n in range(THREADS)]
        db.session.commit()
    barrier = threading.Barrier(THREADS)

    def ask(account_id: int) -> str:
        with app.app_context():
            account = db.session.get(Account, account_id)
            barrier.wait()
            status = seats.apply_for_seat(account).status
            db.session.commit()
            return status

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(ask, ids))
    assert sorted(statuses) == ["granted"] + ["waiting"] * (THREADS - 1)
    with app.app_context():
        assert db.session.scalar(select(func.count(SeatGrant.id))) == 1
        assert seats.available_seats() == 0
        assert seats.ledger_report().balances


def test_one_account_asking_twice_at_once_has_one_application(committing):
    app, _ = committing
    with app.app_context():
        account_id = make_account(f"{HANDLE}x").id
    barrier = threading.Barrier(2)

    def ask() -> str:
        with app.app_context():
            barrier.wait()
            try:
                seats.apply_for_seat(db.session.get(Account, account_id))
                db.session.commit()
            except seats.SeatError as error:
                db.session.rollback()
                return error.message
            return "asked"

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: ask(), range(2)))
    assert answers.count("asked") == 1
    assert any("already asked" in answer for answer in answers)


def test_one_payments_events_delivered_at_once_many_times_fund_once(committing):
    app, sandbox = committing
    with app.app_context():
        sync_catalog()
        sponsor_account = make_account(f"{HANDLE}sam")
        waiting = [make_account(f"{HANDLE}w{n}") for n in range(4)]
        for account in waiting:
            seats.apply_for_seat(account)
        db.session.commit()
        session_id = start(sponsor_account, 3)
    sandbox.complete_checkout(session_id, read_card("4242424242424242", "12 / 34", "123"))
    events = sandbox.events
    deliveries = [
        {**event, "id": f"{event['id']}_{copy}"} for event in events for copy in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)

    def deliver(batch: list[dict]) -> list[int]:
        client = app.test_client()
        barrier.wait()
        return [ev.post_event(client, event).status_code for event in batch]

    with ThreadPoolExecutor(THREADS) as pool:
        done = list(pool.map(deliver, [deliveries[i::THREADS] for i in range(THREADS)]))
    assert {status for batch in done for status in batch} == {200}
    with app.app_context():
        report = seats.ledger_report()
        assert (report.funded, report.granted, report.available) == (3, 3, 0)
        assert report.balances
        grants = db.session.execute(
            select(SeatGrant.account_id, func.count()).group_by(SeatGrant.account_id)
        ).all()
        assert len(grants) == 3 and all(count == 1 for _, count in grants)
    # Cleanup of the copies' event ids.
    with app.app_context():
        db.session.execute(
            delete(StripeEvent).where(
                StripeEvent.stripe_event_id.in_([event["id"] for event in deliveries])
            )
        )
        db.session.commit()
