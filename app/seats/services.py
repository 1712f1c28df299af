"""Sponsored seats: sponsors fund seats, the ledger keeps every movement, applicants get them.

Money comes through the same Checkout, webhooks and reconcile as membership
(``app.billing``): a sponsorship is a Checkout in ``mode=payment`` (N seats once) or a
yearly subscription with quantity N, and its Stripe objects carry
``metadata[kindred_sponsorship_id]``.  Seats enter the pool only when Stripe confirms a
payment (``credit_payment``), once per payment whatever the number of deliveries (the
ledger's unique ``source``).  Every change to the pool first locks the ``seat_pool`` row
(``lock_pool``), so racing applicants or webhooks take turns and the balance they read is
the balance they change.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import stripe
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from app.accounts.models import Account
from app.billing import services as billing
from app.billing import stripe_api
from app.billing.models import Invoice
from app.db import db, lost_the_write_lock, utcnow
from app.domain import DomainError
from app.mail import send_mail
from app.seats.models import (
    OPEN_APPLICATION_STATUSES,
    POOL_ID,
    SeatApplication,
    SeatGift,
    SeatGrant,
    SeatLedgerEntry,
    SeatPool,
    Sponsorship,
)

YEAR = timedelta(days=365)
# A sponsored member may ask again for the next year this close to the end of their seat.
REAPPLY_WINDOW = timedelta(days=30)
MAX_SEATS = 100
PRICE_KEYS = {"once": "kindred_seat_once", "yearly": "kindred_seat_yearly"}
# Gifts are one-time seats too, handed out as claim links instead of going to the pool.
KINDS = ("once", "yearly", "gift")
PRODUCT_KEY = "kindred_seat"
NOTE_LIMIT = 1000
# An unclaimed gift returns to the general pool this long after it was bought.
GIFT_DAYS = 90


class SeatError(DomainError):
    """A seat action cannot go ahead; ``message`` tells the person why."""


# -- the catalog ---------------------------------------------------------------------------


def seat_price(kind: str, create: bool = False) -> dict[str, Any]:
    """The Price of one sponsored seat (the membership price): one-time for ``once``,
    yearly for ``yearly``, tagged ``metadata[kindred_purpose]=sponsorship``.  With
    ``create`` it is made (or replaced, when the membership price changed) if needed."""
    api = stripe_api.client()
    amount = current_app.config["MEMBERSHIP_PRICE_CENTS"]
    currency = current_app.config["MEMBERSHIP_CURRENCY"]
    key = PRICE_KEYS[kind]
    found = api.v1.prices.list({"lookup_keys": [key], "active": True, "limit": 1}).data
    price = stripe_api.plain(found[0]) if found else None
    if price is not None and price["unit_amount"] == amount and price["currency"] == currency:
        return price
    if not create:
        raise SeatError(
            "Sponsoring is not open just now. Please try again later; nothing has been charged."
        )
    params: dict[str, Any] = {
        "product": price["product"] if price else _seat_product(api),
        "unit_amount": amount,
        "currency": currency,
        "lookup_key": key,
        "transfer_lookup_key": True,
        "nickname": "Sponsored seat, yearly" if kind == "yearly" else "Sponsored seat",
        "metadata": {"kindred_purpose": "sponsorship"},
    }
    if kind == "yearly":
        params["recurring"] = {"interval": "year", "interval_count": 1}
    return stripe_api.plain(api.v1.prices.create(params))


def _seat_product(api: stripe.StripeClient) -> str:
    for product in api.v1.products.list({"active": True, "limit": 100}).auto_paging_iter():
        if (stripe_api.plain(product).get("metadata") or {}).get("kindred") == PRODUCT_KEY:
            return product.id
    product = api.v1.products.create(
        {
            "name": "Kindred sponsored seat",
            "description": "One year of membership for someone who asks for it.",
            "metadata": {"kindred": PRODUCT_KEY},
        }
    )
    return product.id


# -- the pool ------------------------------------------------------------------------------


def lock_pool() -> None:
    """Take the pool's lock for the rest of the transaction (a row lock on PostgreSQL,
    the write lock on SQLite).  Take it before reading what the change depends on: on
    SQLite a transaction that has only read cannot become a writer once another
    connection has committed, so then its reads are dropped and the lock taken afresh
    (as ``app.billing.services.hold_billing_lock`` does)."""

    def lock() -> None:
        billing.insert_missing(SeatPool, {"id": POOL_ID, "changes": 0}, "id")
        db.session.execute(
            update(SeatPool).where(SeatPool.id == POOL_ID).values(changes=SeatPool.changes + 1)
        )

    try:
        lock()
    except OperationalError as error:
        if not lost_the_write_lock(error):
            raise
        db.session.rollback()
        lock()


def available_seats() -> int:
    """Seats in the pool now: the ledger's sum."""
    return db.session.scalar(select(func.coalesce(func.sum(SeatLedgerEntry.seats), 0)))


def _balances() -> list[tuple[int, int]]:
    """(sponsorship id, seats it still has in the pool), oldest sponsorship first."""
    rows = db.session.execute(
        select(SeatLedgerEntry.sponsorship_id, func.sum(SeatLedgerEntry.seats))
        .where(SeatLedgerEntry.sponsorship_id.is_not(None))
        .group_by(SeatLedgerEntry.sponsorship_id)
        .having(func.sum(SeatLedgerEntry.seats) > 0)
        .order_by(SeatLedgerEntry.sponsorship_id)
    )
    return [(sponsorship_id, seats) for sponsorship_id, seats in rows]


def _balance_of(sponsorship_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(SeatLedgerEntry.seats), 0)).where(
            SeatLedgerEntry.sponsorship_id == sponsorship_id
        )
    )


@dataclass(frozen=True)
class LedgerReport:
    """The ledger's totals.  ``funded = granted + available + gifts open + refunded +
    adjustments`` (granted net of seats released back) must hold, the open gift links
    must be the seats the ledger holds for them, no sponsorship may be overdrawn and
    each grant has exactly one granted entry; ``problems`` says what does not."""

    funded: int
    granted: int
    released: int
    refunded: int
    adjustments: int
    gifts_open: int
    available: int
    problems: tuple[str, ...]

    @property
    def balances(self) -> bool:
        return not self.problems


def ledger_report() -> LedgerReport:
    """Check the ledger against itself and the grants.  Four queries."""
    totals = dict(
        db.session.execute(
            select(SeatLedgerEntry.kind, func.sum(SeatLedgerEntry.seats)).group_by(
                SeatLedgerEntry.kind
            )
        ).all()
    )
    funded = totals.get("funded", 0)
    granted = -totals.get("granted", 0)
    released = totals.get("released", 0)
    refunded = -totals.get("refunded", 0)
    adjustments = -totals.get("adjustment", 0)
    gifts_open = -sum(totals.get(k, 0) for k in ("gift_issued", "gift_claimed", "gift_returned"))
    available = available_seats()
    problems = []
    if funded != (granted - released) + available + gifts_open + refunded + adjustments:
        problems.append(
            "funded differs from granted + available + gifts open + refunded + adjustments"
        )
    open_links = db.session.scalar(select(func.count(SeatGift.id)).where(SeatGift.status == "open"))
    if open_links != gifts_open:
        problems.append(f"{open_links} open gift link(s) but the ledger holds {gifts_open}")
    if available < 0:
        problems.append(f"the pool is overdrawn by {-available} seat(s)")
    overdrawn = db.session.execute(
        select(SeatLedgerEntry.sponsorship_id)
        .where(SeatLedgerEntry.sponsorship_id.is_not(None))
        .group_by(SeatLedgerEntry.sponsorship_id)
        .having(func.sum(SeatLedgerEntry.seats) < 0)
    ).all()
    problems.extend(f"sponsorship {row[0]} is overdrawn" for row in overdrawn)
    grants = db.session.scalar(select(func.count(SeatGrant.id)))
    entries = db.session.scalar(
        select(func.count(SeatLedgerEntry.id)).where(
            SeatLedgerEntry.kind == "granted", SeatLedgerEntry.grant_id.is_not(None)
        )
    )
    if entries != grants:
        problems.append(f"{grants} grant(s) but {entries} granted entries name one")
    return LedgerReport(
        funded, granted, released, refunded, adjustments, gifts_open, available, tuple(problems)
    )


def adjust_pool(seats: int, reason: str) -> SeatLedgerEntry:
    """An operator's correction (a signed number of seats) with the reason it is made."""
    if seats == 0:
        raise SeatError("An adjustment moves at least one seat.", "seats")
    if not reason.strip():
        raise SeatError("Say why the pool is adjusted.", "reason")
    lock_pool()
    if seats < 0 and available_seats() + seats < 0:
        raise SeatError("The pool does not hold that many seats.", "seats")
    entry = SeatLedgerEntry(kind="adjustment", seats=seats, reason=reason.strip())
    db.session.add(entry)
    db.session.flush()
    if seats > 0:
        grant_waiting()
    return entry


# -- sponsoring ----------------------------------------------------------------------------


def start_sponsorship(
    account: Account,
    *,
    seats: int,
    kind: str,
    public_name: str | None,
    success_url: str,
    cancel_url: str,
) -> str:
    """Create a pending sponsorship and its Checkout Session; return the Checkout URL.

    ``once``: one payment of ``seats`` x the seat price; ``yearly``: a subscription of
    quantity ``seats``, credited on every paid invoice.  Nothing reaches the pool until
    Stripe confirms the payment.
    """
    if not account.is_verified:
        raise SeatError("Please confirm your email address before sponsoring.")
    if kind not in KINDS:
        raise SeatError("Choose once, every year or as gifts.", "kind")
    if not 1 <= seats <= MAX_SEATS:
        raise SeatError(f"Choose between 1 and {MAX_SEATS} seats.", "seats")
    name = (public_name or "").strip() or None
    billing.hold_billing_lock(account)
    price = seat_price("once" if kind == "gift" else kind)
    customer_id = billing.ensure_customer(account)
    sponsorship = Sponsorship(
        account_id=account.id,
        kind=kind,
        status="pending",
        seats=seats,
        unit_amount=price["unit_amount"],
        currency=price["currency"],
        public_name=name,
    )
    db.session.add(sponsorship)
    db.session.flush()
    metadata = {
        "kindred_account_id": str(account.id),
        "kindred_purpose": "sponsorship",
        "kindred_sponsorship_id": str(sponsorship.id),
    }
    params: dict[str, Any] = {
        "mode": "subscription" if kind == "yearly" else "payment",
        "customer": customer_id,
        "client_reference_id": str(account.id),
        "line_items": [{"price": price["id"], "quantity": seats}],
        "metadata": metadata,
        "success_url": _with_session_id(success_url),
        "cancel_url": cancel_url,
    }
    data_key = "subscription_data" if kind == "yearly" else "payment_intent_data"
    params[data_key] = {"metadata": metadata}
    session = stripe_api.client().v1.checkout.sessions.create(params)
    sponsorship.stripe_checkout_session_id = session.id
    db.session.flush()
    return session.url


def _with_session_id(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}session_id={{CHECKOUT_SESSION_ID}}"


def pay_it_forward(account: Account, seats: int, unit_amount: int, currency: str) -> Sponsorship:
    """The yearly sponsorship a member adds to their own membership checkout."""
    sponsorship = Sponsorship(
        account_id=account.id,
        kind="yearly",
        status="pending",
        seats=seats,
        unit_amount=unit_amount,
        currency=currency,
    )
    db.session.add(sponsorship)
    db.session.flush()
    return sponsorship


def sponsorship_from_metadata(metadata: dict[str, Any] | None) -> Sponsorship | None:
    value = (metadata or {}).get("kindred_sponsorship_id")
    if value is None or not str(value).isdigit():
        return None
    return db.session.get(Sponsorship, int(value))


def credit_payment(
    sponsorship: Sponsorship, payment_ref: str, seats: int, *, subscription_id: str | None = None
) -> SeatLedgerEntry | None:
    """Stripe confirmed a payment (``payment_ref``, a PaymentIntent id) for ``seats`` of
    ``sponsorship``: they enter the pool and the waitlist is served.  A payment already
    credited changes nothing (returns None)."""
    lock_pool()
    source = f"funded:{payment_ref}"
    if db.session.scalar(select(SeatLedgerEntry.id).where(SeatLedgerEntry.source == source)):
        return None
    if sponsorship.status == "pending":
        sponsorship.status = "active"
    if subscription_id and sponsorship.stripe_subscription_id is None:
        sponsorship.stripe_subscription_id = subscription_id
    entry = SeatLedgerEntry(
        kind="funded",
        seats=seats,
        sponsorship_id=sponsorship.id,
        payment_ref=payment_ref,
        source=source,
    )
    db.session.add(entry)
    db.session.flush()
    if sponsorship.kind == "gift":
        _issue_gifts(sponsorship, seats)
    grant_waiting()
    return entry


def _issue_gifts(sponsorship: Sponsorship, count: int) -> None:
    """One claim link per paid gift seat, each holding its seat out of the pool."""
    expires = utcnow() + timedelta(days=GIFT_DAYS)
    for _ in range(count):
        gift = SeatGift(
            sponsorship_id=sponsorship.id,
            token=secrets.token_urlsafe(24),
            status="open",
            expires_at=expires,
        )
        db.session.add(gift)
        db.session.flush()
        db.session.add(
            SeatLedgerEntry(
                kind="gift_issued", seats=-1, sponsorship_id=sponsorship.id, gift_id=gift.id
            )
        )
    db.session.flush()


def credit_checkout(session_id: str) -> SeatLedgerEntry | None:
    """A Checkout in payment mode completed: read it from Stripe and, if paid, credit the
    sponsorship it names with the seat quantity of its line items."""
    api = stripe_api.client()
    session = stripe_api.plain(api.v1.checkout.sessions.retrieve(session_id))
    if session.get("mode") != "payment" or session.get("payment_status") != "paid":
        return None
    sponsorship = sponsorship_from_metadata(session.get("metadata"))
    payment_intent = session.get("payment_intent")
    if sponsorship is None or not payment_intent:
        return None
    lines = api.v1.checkout.sessions.line_items.list(session_id, {"limit": 100})
    seats = sum(line.quantity for line in lines.data)
    return credit_payment(sponsorship, payment_intent, seats)


def confirm_sponsorship(account: Account, session_id: str) -> bool:
    """On return from Checkout: credit the account's paid sponsorship now, the same way
    the webhook will (whichever comes first counts, once).  True if it is paid."""
    try:
        session = stripe_api.client().v1.checkout.sessions.retrieve(session_id)
    except stripe.InvalidRequestError:
        return False
    if session.client_reference_id != str(account.id) or session.payment_status != "paid":
        return False
    if session.mode == "payment":
        credit_checkout(session_id)
    elif session.subscription:
        subscription = billing.sync_subscription(session.subscription, account_hint=account.id)
        if subscription is not None and subscription.latest_invoice_id:
            stored = billing.record_invoice(subscription.latest_invoice_id)
            remote = stripe_api.plain(
                stripe_api.client().v1.invoices.retrieve(subscription.latest_invoice_id)
            )
            credit_invoice(stored, remote)
    return True


def credit_invoice(invoice: Invoice | None, remote: dict[str, Any]) -> SeatLedgerEntry | None:
    """A paid invoice of a subscription that carries seats (a yearly sponsorship, or seats
    added to a membership): credit the subscription's seat quantity, once per invoice."""
    if invoice is None or invoice.payment_intent_id is None or not invoice.stripe_subscription_id:
        return None
    details = (remote.get("parent") or {}).get("subscription_details") or {}
    sponsorship = sponsorship_from_metadata(details.get("metadata"))
    if sponsorship is None:
        sponsorship = db.session.scalar(
            select(Sponsorship).where(
                Sponsorship.stripe_subscription_id == invoice.stripe_subscription_id
            )
        )
    if sponsorship is None:
        return None
    from app.billing.models import Subscription

    seats = db.session.scalar(
        select(Subscription.seat_quantity).where(
            Subscription.stripe_subscription_id == invoice.stripe_subscription_id
        )
    )
    if not seats:
        return None
    return credit_payment(
        sponsorship,
        invoice.payment_intent_id,
        seats,
        subscription_id=invoice.stripe_subscription_id,
    )


def refund_payment(payment_intent_id: str | None, amount_refunded: int) -> SeatLedgerEntry | None:
    """A payment that funded seats was refunded (in part or whole): remove from the pool
    the seats the refunded money paid for, as far as they are still unused.  Seats
    already granted stay granted.  Refunds only grow, so this is idempotent."""
    if not payment_intent_id:
        return None
    lock_pool()
    funded = db.session.scalar(
        select(SeatLedgerEntry).where(SeatLedgerEntry.source == f"funded:{payment_intent_id}")
    )
    if funded is None:
        return None
    sponsorship = db.session.get(Sponsorship, funded.sponsorship_id)
    wanted = min(funded.seats, math.ceil(amount_refunded / sponsorship.unit_amount))
    already = -db.session.scalar(
        select(func.coalesce(func.sum(SeatLedgerEntry.seats), 0)).where(
            SeatLedgerEntry.kind == "refunded", SeatLedgerEntry.payment_ref == payment_intent_id
        )
    )
    if sponsorship.kind == "gift":
        # Refunded gifts are the unclaimed links: they stop working.
        shortfall = wanted - already - _balance_of(sponsorship.id)
        for gift in _open_gifts(sponsorship.id)[: max(0, shortfall)]:
            _return_gift(gift, utcnow())
    # Never more than the pool holds: an operator's adjustment may have taken some already.
    removable = min(wanted - already, _balance_of(sponsorship.id), available_seats())
    if removable <= 0:
        return None
    entry = SeatLedgerEntry(
        kind="refunded",
        seats=-removable,
        sponsorship_id=sponsorship.id,
        payment_ref=payment_intent_id,
        source=f"refunded:{payment_intent_id}:{already + removable}",
    )
    db.session.add(entry)
    db.session.flush()
    return entry


# -- applications and grants ---------------------------------------------------------------


def policy() -> str:
    return "review" if current_app.config.get("SEAT_POLICY") == "review" else "auto"


def open_application(account: Account) -> SeatApplication | None:
    return db.session.scalar(
        select(SeatApplication).where(
            SeatApplication.account_id == account.id,
            SeatApplication.status.in_(OPEN_APPLICATION_STATUSES),
        )
    )


def latest_application(account: Account) -> SeatApplication | None:
    return db.session.scalar(
        select(SeatApplication)
        .where(SeatApplication.account_id == account.id)
        .order_by(SeatApplication.id.desc())
        .limit(1)
    )


def waitlist_place(application: SeatApplication) -> int:
    """1 for the first in line."""
    return db.session.scalar(
        select(func.count(SeatApplication.id)).where(
            SeatApplication.status == "waiting", SeatApplication.id <= application.id
        )
    )


def apply_for_seat(
    account: Account, note: str = "", now: datetime | None = None
) -> SeatApplication:
    """Ask for a sponsored seat with an optional note, no proof.

    Under the ``auto`` policy the applicant joins the first-come waitlist, which is served
    at once: with a free seat and nobody ahead they are granted now.  Under ``review`` the
    application waits for an admin.  Refused for members (a sponsored member may ask again
    in the last 30 days of their seat), suspended accounts and a second open application.
    """
    from app.memberships.services import current_membership

    moment = now or utcnow()
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise SeatError(f"Please keep the note under {NOTE_LIMIT} characters.", "note")
    if account.is_suspended:
        raise SeatError("Your account is suspended, so it cannot ask for a seat.")
    lock_pool()
    membership = current_membership(account, moment)
    if membership is not None and not (
        membership.kind == "sponsored" and membership.until - moment <= REAPPLY_WINDOW
    ):
        raise SeatError("You are already a member, so you do not need a seat.")
    if open_application(account) is not None:
        raise SeatError("You have already asked for a seat; you can see where it stands here.")
    application = SeatApplication(
        account_id=account.id,
        note=note,
        status="review" if policy() == "review" else "waiting",
        created_at=moment,
    )
    db.session.add(application)
    db.session.flush()
    if application.status == "waiting":
        grant_waiting(moment, announce_to=lambda grant: grant.account_id != account.id)
    return application


def withdraw_application(account: Account) -> SeatApplication:
    application = open_application(account)
    if application is None:
        raise SeatError("You have no open request for a seat.")
    application.status = "withdrawn"
    application.decided_at = utcnow()
    db.session.flush()
    return application


def _grant(application: SeatApplication, moment: datetime) -> SeatGrant | None:
    """Give ``application`` a seat from the oldest sponsorship with one left (the pool is
    locked by the caller); None if the pool is empty."""
    if available_seats() <= 0:
        return None
    balances = _balances()
    # Seats an operator added by hand belong to no sponsorship.
    drawn_from = balances[0][0] if balances else None
    previous_end = db.session.scalar(
        select(func.max(SeatGrant.ends_at)).where(SeatGrant.account_id == application.account_id)
    )
    starts = max(moment, previous_end) if previous_end else moment
    grant = SeatGrant(
        account_id=application.account_id,
        application_id=application.id,
        starts_at=starts,
        ends_at=starts + YEAR,
    )
    db.session.add(grant)
    db.session.flush()
    db.session.add(
        SeatLedgerEntry(kind="granted", seats=-1, sponsorship_id=drawn_from, grant_id=grant.id)
    )
    application.status = "granted"
    application.decided_at = moment
    db.session.flush()
    return grant


def grant_waiting(now: datetime | None = None, announce_to=None) -> list[SeatGrant]:
    """Grant free seats to the waitlist in order of asking; each person is told (and
    mailed, unless ``announce_to(grant)`` says not: they are looking at the page).
    Applicants who became members meanwhile are taken off the list."""
    from app.memberships.services import current_membership

    moment = now or utcnow()
    lock_pool()
    granted = []
    while available_seats() > 0:
        application = db.session.scalar(
            select(SeatApplication)
            .where(SeatApplication.status == "waiting")
            .order_by(SeatApplication.id)
            .limit(1)
        )
        if application is None:
            break
        account = db.session.get(Account, application.account_id)
        membership = current_membership(account, moment)
        if membership is not None and membership.kind != "sponsored":
            application.status = "withdrawn"
            application.decided_at = moment
            continue
        grant = _grant(application, moment)
        if grant is None:
            break
        granted.append(grant)
        _announce(account, grant, mail=announce_to is None or announce_to(grant))
    return granted


def _announce(account: Account, grant: SeatGrant, *, mail: bool) -> None:
    from app.billing.reminders import site_link
    from app.notifications.events import membership_changed

    day = f"{grant.ends_at:%-d %B %Y}"
    membership_changed(account, f"A sponsored seat is yours: you are a member until {day}")
    if mail:
        site = current_app.config["SITE_NAME"]
        send_mail(
            account.email,
            f"You are a {site} member now",
            f"Hello {account.handle},\n\n"
            f"A sponsor has funded a seat, and it is yours: you are a full member of {site} "
            f"until {day}. You can post, reply, start groups and send messages.\n\n"
            f"{site_link('seats.status')}\n",
        )


def approve_application(application_id: int, admin: Account) -> SeatGrant:
    """An admin grants an application in the review queue a seat from the pool."""
    application = _reviewable(application_id, admin)
    lock_pool()
    grant = _grant(application, utcnow())
    if grant is None:
        raise SeatError("No seat is free in the pool just now.")
    _announce(db.session.get(Account, application.account_id), grant, mail=True)
    return grant


def decline_application(application_id: int, admin: Account, reason: str) -> SeatApplication:
    """An admin declines an application; the applicant sees ``reason``."""
    application = _reviewable(application_id, admin)
    if not (reason or "").strip():
        raise SeatError("Say why, in words the applicant will read.", "reason")
    application.status = "declined"
    application.decline_reason = reason.strip()
    application.decided_at = utcnow()
    db.session.flush()
    from app.notifications.events import membership_changed

    membership_changed(
        db.session.get(Account, application.account_id),
        "Your request for a sponsored seat was declined; the reason is on the seats page",
    )
    return application


def _reviewable(application_id: int, admin: Account) -> SeatApplication:
    if not admin.is_admin or admin.is_suspended:
        raise SeatError("Only site admins review requests for seats.")
    application = db.session.get(SeatApplication, application_id)
    if application is None or application.status != "review":
        raise SeatError("That request is no longer waiting for review.")
    return application


def review_queue() -> list[tuple[SeatApplication, Account]]:
    """Applications waiting for review, oldest first, with their accounts (one query)."""
    return list(
        db.session.execute(
            select(SeatApplication, Account)
            .join(Account, Account.id == SeatApplication.account_id)
            .where(SeatApplication.status == "review")
            .order_by(SeatApplication.id)
            .limit(200)
        ).all()
    )


# -- gifts ---------------------------------------------------------------------------------


def _open_gifts(sponsorship_id: int) -> list[SeatGift]:
    return list(
        db.session.scalars(
            select(SeatGift)
            .where(SeatGift.sponsorship_id == sponsorship_id, SeatGift.status == "open")
            .order_by(SeatGift.id.desc())
        )
    )


def _return_gift(gift: SeatGift, moment: datetime) -> None:
    gift.status = "returned"
    db.session.add(
        SeatLedgerEntry(
            kind="gift_returned", seats=1, sponsorship_id=gift.sponsorship_id, gift_id=gift.id
        )
    )
    db.session.flush()


def gift_by_token(token: str) -> SeatGift | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(SeatGift).where(SeatGift.token == token))


def claim_gift(token: str, account: Account, now: datetime | None = None) -> SeatGrant:
    """Claim a gift link: once only, before it expires, by an account that is not a
    member (or a sponsored member in their last 30 days).  Grants a year."""
    from app.memberships.services import current_membership

    moment = now or utcnow()
    lock_pool()
    gift = gift_by_token(token)
    if gift is None:
        raise SeatError("This gift link does not exist. Check that it was copied whole.")
    if gift.status != "open" or gift.expires_at <= moment:
        raise SeatError("This gift has already been claimed or has expired.")
    if account.is_suspended:
        raise SeatError("Your account is suspended, so it cannot claim a seat.")
    membership = current_membership(account, moment)
    if membership is not None and not (
        membership.kind == "sponsored" and membership.until - moment <= REAPPLY_WINDOW
    ):
        raise SeatError("You are already a member: pass this gift on to someone who is not.")
    previous_end = db.session.scalar(
        select(func.max(SeatGrant.ends_at)).where(SeatGrant.account_id == account.id)
    )
    starts = max(moment, previous_end) if previous_end else moment
    grant = SeatGrant(account_id=account.id, starts_at=starts, ends_at=starts + YEAR)
    db.session.add(grant)
    db.session.flush()
    db.session.add_all(
        [
            SeatLedgerEntry(
                kind="gift_claimed", seats=1, sponsorship_id=gift.sponsorship_id, gift_id=gift.id
            ),
            SeatLedgerEntry(
                kind="granted", seats=-1, sponsorship_id=gift.sponsorship_id, grant_id=grant.id
            ),
        ]
    )
    gift.status = "claimed"
    gift.claimed_by_id = account.id
    gift.claimed_at = moment
    db.session.flush()
    from app.notifications.events import membership_changed

    membership_changed(
        account, f"A gift seat is yours: you are a member until {grant.ends_at:%-d %B %Y}"
    )
    return grant


def return_expired_gifts(now: datetime | None = None) -> int:
    """Gifts unclaimed at their expiry go back to the general pool (and so to the
    waitlist); returns how many."""
    moment = now or utcnow()
    lock_pool()
    expired = list(
        db.session.scalars(
            select(SeatGift).where(SeatGift.status == "open", SeatGift.expires_at <= moment)
        )
    )
    for gift in expired:
        _return_gift(gift, moment)
    if expired:
        grant_waiting(moment)
    return len(expired)


def gifts_of(account: Account) -> dict[int, list[SeatGift]]:
    """The account's gift links by sponsorship (one query); never who claimed them."""
    gifts: dict[int, list[SeatGift]] = {}
    rows = db.session.scalars(
        select(SeatGift)
        .join(Sponsorship, Sponsorship.id == SeatGift.sponsorship_id)
        .where(Sponsorship.account_id == account.id)
        .order_by(SeatGift.id)
    )
    for gift in rows:
        gifts.setdefault(gift.sponsorship_id, []).append(gift)
    return gifts


# -- reminders -----------------------------------------------------------------------------

REMINDER_DAYS = (30, 7)


def send_seat_reminders(now: datetime | None = None) -> list[tuple[str, int]]:
    """Mail each sponsored member 30 and 7 days before their seat ends (once each), with
    the choice to ask again or to pay.  Returns (handle, days) for each mail sent."""
    from app.billing.reminders import site_link

    moment = now or utcnow()
    sent = []
    for days in REMINDER_DAYS:
        column = SeatGrant.reminded_30_at if days == 30 else SeatGrant.reminded_7_at
        due = db.session.execute(
            select(SeatGrant, Account)
            .join(Account, Account.id == SeatGrant.account_id)
            .where(
                SeatGrant.starts_at <= moment,
                SeatGrant.ends_at > moment,
                SeatGrant.ends_at <= moment + timedelta(days=days),
                column.is_(None),
            )
            .order_by(SeatGrant.ends_at, SeatGrant.id)
        ).all()
        for grant, account in due:
            later = db.session.scalar(
                select(SeatGrant.id).where(
                    SeatGrant.account_id == account.id, SeatGrant.starts_at >= grant.ends_at
                )
            )
            claimed = db.session.execute(
                update(SeatGrant)
                .where(SeatGrant.id == grant.id, column.is_(None))
                .values({column.key: moment})
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1 or later is not None:
                continue
            _remind(account, grant, site_link("seats.status"), site_link("memberships.status"))
            sent.append((account.handle, days))
    return sent


def _remind(account: Account, grant: SeatGrant, seats_link: str, membership_link: str) -> None:
    site = current_app.config["SITE_NAME"]
    day = f"{grant.ends_at:%-d %B %Y}"
    send_mail(
        account.email,
        f"Your {site} membership ends on {day}",
        f"Hello {account.handle},\n\n"
        f"Your sponsored membership of {site} ends on {day}. To stay a member you can ask "
        f"for a seat again:\n\n{seats_link}\n\n"
        f"or, if you can, become a paying member:\n\n{membership_link}\n\n"
        "Either way, what you wrote stays yours.\n",
    )


# -- what sponsors see ---------------------------------------------------------------------


@dataclass(frozen=True)
class SponsorshipSummary:
    sponsorship: Sponsorship
    funded: int
    granted: int
    in_pool: int
    refunded: int
    paid: int
    gifts_claimed: int = 0
    gifts_open: int = 0


def sponsor_summaries(account: Account) -> list[SponsorshipSummary]:
    """The account's sponsorships with their seat counts: funded, granted, still in the
    pool and refunded.  Never who received a seat.  Two queries."""
    sponsorships = list(
        db.session.scalars(
            select(Sponsorship)
            .where(Sponsorship.account_id == account.id, Sponsorship.status != "pending")
            .order_by(Sponsorship.id.desc())
        )
    )
    ids = [s.id for s in sponsorships]
    rows = (
        db.session.execute(
            select(
                SeatLedgerEntry.sponsorship_id,
                SeatLedgerEntry.kind,
                func.sum(SeatLedgerEntry.seats),
            )
            .where(SeatLedgerEntry.sponsorship_id.in_(ids))
            .group_by(SeatLedgerEntry.sponsorship_id, SeatLedgerEntry.kind)
        ).all()
        if ids
        else []
    )
    sums: dict[int, dict[str, int]] = {}
    for sponsorship_id, kind, seats in rows:
        sums.setdefault(sponsorship_id, {})[kind] = seats
    summaries = []
    for sponsorship in sponsorships:
        by_kind = sums.get(sponsorship.id, {})
        funded = by_kind.get("funded", 0)
        summaries.append(
            SponsorshipSummary(
                sponsorship,
                funded=funded,
                granted=-by_kind.get("granted", 0) - by_kind.get("released", 0),
                in_pool=sum(by_kind.values()),
                refunded=-by_kind.get("refunded", 0),
                paid=funded * sponsorship.unit_amount,
                gifts_claimed=by_kind.get("gift_claimed", 0),
                gifts_open=-sum(
                    by_kind.get(k, 0) for k in ("gift_issued", "gift_claimed", "gift_returned")
                ),
            )
        )
    return summaries
