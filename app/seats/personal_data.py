"""What sponsored seats keep about people, what of it is exported, and what deletion does.

Deleting an account: its recurring sponsorships are cancelled at Stripe with the rest of
its billing (``app.billing.closing``); its sponsorships stay for the books and the ledger,
unlinked and no longer named on the sponsor wall; its requests and seats go, and a seat
with more than half of its year still unused is released back to the pool.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select, update

from app.accounts.models import Account
from app.db import db, utcnow
from app.exports.archive import (
    ExportContext,
    json_document,
    render_stream,
    stream_records,
    stream_rows,
)
from app.personal_data import Deletion, Feature, Section, Table, register
from app.seats.models import SeatApplication, SeatGift, SeatGrant, SeatLedgerEntry, Sponsorship
from app.seats.services import YEAR, lock_pool

RELEASE_WHEN_UNUSED = YEAR / 2


def _applications(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(
            SeatApplication.note,
            SeatApplication.status,
            SeatApplication.decline_reason,
            SeatApplication.created_at,
            SeatApplication.decided_at,
        )
        .where(SeatApplication.account_id == ctx.account.id)
        .order_by(SeatApplication.id)
    )
    yield from stream_records(query)


def _seats(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(SeatGrant.starts_at, SeatGrant.ends_at)
        .where(SeatGrant.account_id == ctx.account.id)
        .order_by(SeatGrant.starts_at)
    )
    for row in stream_rows(query):
        yield {"from": row.starts_at, "until": row.ends_at}


def _sponsorships(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(
            Sponsorship.kind,
            Sponsorship.status,
            Sponsorship.seats,
            Sponsorship.unit_amount,
            Sponsorship.currency,
            Sponsorship.public_name,
            Sponsorship.created_at,
        )
        .where(Sponsorship.account_id == ctx.account.id)
        .order_by(Sponsorship.id)
    )
    yield from stream_records(query)


def _gifts(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(SeatGift.status, SeatGift.expires_at, SeatGift.claimed_at, SeatGift.created_at)
        .join(Sponsorship, Sponsorship.id == SeatGift.sponsorship_id)
        .where(Sponsorship.account_id == ctx.account.id)
        .order_by(SeatGift.id)
    )
    yield from stream_records(query)


def write_seats(ctx: ExportContext) -> Iterator[str]:
    return json_document(
        "seats.json",
        {},
        {
            "requests": _applications(ctx),
            "seats": _seats(ctx),
            "sponsorships": _sponsorships(ctx),
            "gifts": _gifts(ctx),
        },
    )


def seats_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "seats/offline.html",
        requests=_applications(ctx),
        seats=_seats(ctx),
        sponsorships=_sponsorships(ctx),
    )


def release_seats(account: Account, keep_posts: bool) -> None:
    """Release the unused seats of a deleted account back to the pool, and take its name
    off the sponsor wall."""
    now = utcnow()
    grants = db.session.execute(
        select(SeatGrant.id, SeatGrant.starts_at, SeatGrant.ends_at, SeatLedgerEntry.sponsorship_id)
        .join(SeatLedgerEntry, SeatLedgerEntry.grant_id == SeatGrant.id)
        .where(
            SeatGrant.account_id == account.id,
            SeatGrant.ends_at > now,
            SeatLedgerEntry.kind == "granted",
        )
    ).all()
    releasing = [g for g in grants if g.ends_at - max(now, g.starts_at) > RELEASE_WHEN_UNUSED]
    if releasing:
        lock_pool()
        for grant in releasing:
            db.session.add(
                SeatLedgerEntry(
                    kind="released",
                    seats=1,
                    sponsorship_id=grant.sponsorship_id,
                    reason="the member deleted their account",
                    source=f"released:{grant.id}",
                )
            )
        db.session.flush()
    db.session.execute(
        update(Sponsorship)
        .where(Sponsorship.account_id == account.id)
        .values(public_name=None)
        .execution_options(synchronize_session=False)
    )


register(
    Feature(
        name="seats",
        tables=(
            Table(
                "seat_applications",
                title="Requests for a sponsored seat",
                holds="Each time you asked for a seat: your note, when you asked, what was "
                "decided and, if it was declined, the reason you were given.",
                why="So seats go to people in the order they asked, and so you can see where "
                "your request stands.",
                kept="Until you delete your account.",
                export="seats.json",
                on_delete="Removed.",
                references={"account_id": Deletion.REMOVED},
            ),
            Table(
                "seat_grants",
                title="Sponsored seats",
                holds="The sponsored seats you held: when each started and ends, and which "
                "reminders were sent.",
                why="A seat is what makes you a member; nobody else can see you have one.",
                kept="Until you delete your account.",
                export="seats.json",
                on_delete="Removed. A seat with more than half its year unused goes back to "
                "the pool for the next person.",
                references={"account_id": Deletion.REMOVED},
            ),
            Table(
                "sponsorships",
                title="Sponsorships",
                holds="The seats you sponsored: how many, once or yearly, the price, and the "
                "name you chose for the sponsor wall (if any).",
                why="So your seats reach the pool when you pay and you can see what they did.",
                kept="For the books, as long as the payments are kept. Deleting your account "
                "unlinks them and takes your name off the sponsor wall; a yearly "
                "sponsorship is cancelled at Stripe.",
                export="seats.json",
                on_delete="Unlinked; the public name is removed.",
                references={"account_id": Deletion.UNLINKED},
                shared_with="Stripe, our payment processor, handles the payments.",
            ),
            Table(
                "seat_gifts",
                title="Gift seats",
                holds="The gift links you bought: each link, whether it was claimed, and when "
                "it expires; for a link someone claimed, the account that claimed it.",
                why="So a gift reaches the person you chose, once, and an unclaimed one goes "
                "back to the pool after 90 days.",
                kept="With the sponsorship, for the books.",
                export="seats.json",
                on_delete="Kept with the sponsorship; the claiming account is unlinked.",
                references={"claimed_by_id": Deletion.UNLINKED},
            ),
            Table(
                "seat_ledger",
                title="The seat ledger",
                holds="Every movement of seats (funded, granted, released, refunded, "
                "adjusted), naming the sponsorship and the seat, never a person.",
                why="The pool's balance is counted from it and the open books are built from it.",
                kept="Always: it is the books of the pool.",
                excluded="It names no person; your part of it is in seats.json.",
                on_delete="Kept; the entry no longer names the deleted seat.",
            ),
        ),
        sections=(
            Section(
                "seats.json",
                "Sponsored seats",
                "Your requests for a seat (with your notes and any reason given), the seats "
                "you held, the seats you sponsored and the state of your gift links (the links "
                "themselves are left out: they are still claimable).",
                write_seats,
                seats_html,
            ),
        ),
        on_account_deleted=release_seats,
    )
)
