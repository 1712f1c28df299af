"""Seats in a member's export, and what deleting an account does to seats and sponsorships."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from app.accounts.deletion import delete_account
from app.db import db
from app.seats import services as seats
from app.seats.models import SeatApplication, SeatLedgerEntry, Sponsorship
from tests.helpers import DEFAULT_PASSWORD, make_account
from tests.seats.support import sponsor, sync_catalog


def test_the_export_holds_requests_seats_and_sponsorships(client, auth, session, sandbox):
    sync_catalog()
    seats.adjust_pool(1, "a seat")
    bea = make_account("bea")
    seats.apply_for_seat(bea, "my own note")
    db.session.commit()
    sponsor(sandbox, bea, 2, public_name="Bea's fund")
    auth.login("bea@example.org")
    archive = zipfile.ZipFile(io.BytesIO(client.post("/settings/export").get_data()))
    data = json.loads(archive.read("seats.json"))
    assert data["requests"][0]["note"] == "my own note"
    assert data["requests"][0]["status"] == "granted"
    assert len(data["seats"]) == 1
    assert data["sponsorships"][0]["seats"] == 2
    assert data["sponsorships"][0]["public_name"] == "Bea's fund"
    assert "my own note" in archive.read("index.html").decode()


def test_deleting_a_sponsor_cancels_yearly_sponsorships_and_keeps_the_books(session, sandbox):
    sync_catalog()
    sam, checkout = sponsor(sandbox, "sam", 2, "yearly", public_name="Sam")
    delete_account(sam, DEFAULT_PASSWORD, keep_posts=False)
    db.session.commit()
    assert sandbox.retrieve("subscriptions", checkout["subscription"])["status"] == "canceled"
    sponsorship = db.session.scalar(select(Sponsorship))
    assert (sponsorship.account_id, sponsorship.public_name) == (None, None)
    assert seats.available_seats() == 2  # seats paid for stay in the pool
    assert seats.ledger_report().balances


def test_deleting_a_sponsored_member_releases_a_mostly_unused_seat(session):
    seats.adjust_pool(1, "a seat")
    bea = make_account("bea")
    seats.apply_for_seat(bea)
    db.session.commit()
    assert seats.available_seats() == 0
    delete_account(bea, DEFAULT_PASSWORD, keep_posts=False)
    db.session.commit()
    assert seats.available_seats() == 1
    assert db.session.scalar(select(SeatApplication)) is None
    released = db.session.scalar(select(SeatLedgerEntry).where(SeatLedgerEntry.kind == "released"))
    assert released.seats == 1 and released.grant_id is None
    assert seats.ledger_report().balances
