"""Time the public /transparency and landing pages over a big seat ledger.

    .venv/bin/python -m bench.transparency [--entries 100000] [--rounds 5] [--database URL]

Builds a throwaway SQLite database (or uses ``--database``, which it empties: give it a
name with "test" in it) holding ``--entries`` ledger entries: sponsorships funding seats
over two years and one granted entry (with its seat, account and application) per seat
granted. Then renders the page, and the landing page with its headline figures, in-process
``--rounds`` times each and prints the number of queries (the same whatever the size), the
median and the slowest time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, insert, text

import app.models  # noqa: F401  (every table, for create_all)
from app import create_app
from app.accounts.models import Account
from app.db import Base, db, utcnow
from app.seats.models import SeatApplication, SeatGrant, SeatLedgerEntry, Sponsorship


def fill(entries: int) -> None:
    now = utcnow()
    funded_entries = max(1, entries // 10)
    grants = entries - funded_entries
    per_sponsorship = -(-grants // funded_entries) + 1
    db.session.execute(
        insert(Sponsorship),
        [
            {
                "kind": "yearly" if n % 3 else "once",
                "status": "active",
                "seats": per_sponsorship,
                "unit_amount": 2500,
                "currency": "usd",
                "public_name": f"Sponsor {n}" if n % 7 == 0 else None,
                "created_at": now - timedelta(days=730 * n // funded_entries),
            }
            for n in range(funded_entries)
        ],
    )
    db.session.execute(
        insert(SeatLedgerEntry),
        [
            {
                "kind": "funded",
                "seats": per_sponsorship,
                "sponsorship_id": n + 1,
                "payment_ref": f"pi_{n}",
                "source": f"funded:pi_{n}",
                "created_at": now - timedelta(days=730 * (funded_entries - n) // funded_entries),
            }
            for n in range(funded_entries)
        ],
    )
    db.session.execute(
        insert(Account),
        [
            {
                "email": f"person{n}@bench.example",
                "handle": f"person{n}",
                "handle_key": f"person{n}",
                "password_hash": "x",
                "created_at": now,
            }
            for n in range(grants)
        ],
    )
    first = db.session.scalar(text("SELECT min(id) FROM accounts"))
    db.session.execute(
        insert(SeatApplication),
        [
            {
                "account_id": first + n,
                "note": "",
                "status": "granted",
                "created_at": now - timedelta(days=700 - n % 700, hours=n % 48),
                "decided_at": now - timedelta(days=700 - n % 700),
            }
            for n in range(grants)
        ],
    )
    db.session.execute(
        insert(SeatGrant),
        [
            {
                "account_id": first + n,
                "application_id": n + 1,
                "starts_at": now - timedelta(days=700 - n % 700),
                "ends_at": now - timedelta(days=700 - n % 700) + timedelta(days=365),
                "created_at": now,
            }
            for n in range(grants)
        ],
    )
    db.session.execute(
        insert(SeatLedgerEntry),
        [
            {
                "kind": "granted",
                "seats": -1,
                "sponsorship_id": n // (per_sponsorship - 1) + 1,
                "grant_id": n + 1,
                "created_at": now - timedelta(days=700 - n % 700),
            }
            for n in range(grants)
        ],
    )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database or f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        app = create_app({"DATABASE_URL": url})
        with app.app_context():
            Base.metadata.drop_all(db.engine)
            Base.metadata.create_all(db.engine)
            started = time.perf_counter()
            fill(args.entries)
            print(f"filled {args.entries} ledger entries in {time.perf_counter() - started:.1f} s")
            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = app.test_client()
        for path in ("/transparency", "/"):
            times = []
            for _ in range(args.rounds):
                statements.clear()
                started = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            median, slowest = statistics.median(times) * 1000, max(times) * 1000
            print(
                f"{path} on {url.split(':')[0]}: {len(statements)} queries, "
                f"median {median:.0f} ms, slowest {slowest:.0f} ms"
            )


if __name__ == "__main__":
    main()
