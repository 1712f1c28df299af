"""Paid memberships: the Stripe customer, Checkout, the Billing Portal and local billing state.

Kindred sends Stripe only an account's email and id (``metadata[kindred_account_id]``),
never names, handles or anything a member wrote.  A confirmed email change reaches Stripe's
customer at once (``update_customer_email``); if Stripe cannot be told then, ``reconcile``
brings it up to date.

Local state is a copy of Stripe's: ``sync_subscription`` stores what Stripe says now (or,
when Stripe cannot be reached, what a newer-than-stored event said), and ``record_invoice``
keeps each paid invoice for the billing history.  ``app.billing.webhooks`` and
``reconcile`` both go through these functions.

The first write of a customer, subscription or invoice is an ``INSERT ... ON CONFLICT DO
NOTHING`` followed by a locking read, so Stripe's events arriving all at once (and the
welcome page racing them) find or make exactly one row and never a unique violation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stripe
from flask import current_app
from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from app.accounts.models import Account
from app.billing import stripe_api
from app.billing.models import LIVE_STATUSES, BillingCustomer, Dispute, Invoice, Subscription
from app.db import Base, db, lost_the_write_lock, utcnow
from app.domain import DomainError
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of

LOOKUP_KEY = "kindred_membership_yearly"
# Sponsored seats a member may add to their own yearly membership at checkout.
PAY_IT_FORWARD_MAX = 5
PRODUCT_KEY = "kindred_membership"


class BillingError(DomainError):
    """A billing action cannot go ahead; ``message`` tells the person why."""


def from_timestamp(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def insert_missing(model: type[Base], values: dict[str, Any], unique_column: str) -> bool:
    """Insert a row unless one with the same ``unique_column`` exists (or is being inserted
    by a concurrent transaction, which this waits for); True if this call inserted it."""
    dialects = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    insert = dialects[db.session.get_bind().dialect.name]
    statement = insert(model).values(**values)
    return (
        db.session.execute(
            statement.on_conflict_do_nothing(index_elements=[unique_column])
        ).rowcount
        == 1
    )


# -- the customer --------------------------------------------------------------------------


def hold_billing_lock(account: Account) -> None:
    """Serialise billing changes for ``account`` before talking to Stripe.

    A row lock on PostgreSQL (two clicks cannot create two customers); the write lock on
    SQLite, so a webhook that arrives while Stripe answers waits for this transaction
    instead of committing underneath it.  Take it before the unit of work writes anything:
    on SQLite a transaction that has only read cannot become a writer once another
    connection has committed, so then its reads are dropped and the lock taken afresh.
    """
    lock = update(Account).where(Account.id == account.id).values(id=Account.id)
    try:
        db.session.execute(lock)
    except OperationalError as error:
        if not lost_the_write_lock(error):
            raise
        db.session.rollback()
        db.session.execute(lock)


def customer_for(account: Account) -> BillingCustomer | None:
    return db.session.scalar(
        select(BillingCustomer).where(BillingCustomer.account_id == account.id)
    )


def has_paid(account: Account) -> bool:
    """Whether the account ever had a paid membership (a subscription or an invoice): only
    then is there anything to manage on Stripe's Billing Portal.  A customer alone is made
    when someone opens Checkout, paid or not."""
    subscription = select(Subscription.id).where(Subscription.account_id == account.id)
    invoice = select(Invoice.id).where(Invoice.account_id == account.id)
    return bool(db.session.scalar(select(subscription.exists() | invoice.exists())))


def ensure_customer(account: Account) -> str:
    """The account's Stripe customer id, creating the customer (email and account id only)
    the first time and bringing its email up to date afterwards."""
    api = stripe_api.client()
    existing = customer_for(account)
    if existing is not None:
        api.v1.customers.update(existing.stripe_customer_id, {"email": account.email})
        return existing.stripe_customer_id
    customer = api.v1.customers.create(
        {"email": account.email, "metadata": {"kindred_account_id": str(account.id)}}
    )
    insert_missing(
        BillingCustomer,
        {"account_id": account.id, "stripe_customer_id": customer.id, "created_at": utcnow()},
        "account_id",
    )
    return customer_for(account).stripe_customer_id


def update_customer_email(account: Account) -> bool:
    """Give the account's Stripe customer (if it has one) its current email address now.

    Never raises: if Stripe cannot be told, the change is logged and ``reconcile`` brings
    the customer's email up to date later.  Returns whether Stripe has it.
    """
    link = customer_for(account)
    if link is None:
        return True
    try:
        stripe_api.client().v1.customers.update(link.stripe_customer_id, {"email": account.email})
    except stripe.StripeError:
        current_app.logger.warning(
            "Could not give Stripe customer %s its new email; reconcile will",
            link.stripe_customer_id,
            exc_info=True,
        )
        return False
    return True


# -- the catalog ---------------------------------------------------------------------------


def membership_price(create: bool = False) -> tuple[dict[str, Any], bool]:
    """The yearly membership Price (found by ``lookup_key``) and whether it was just made.

    With ``create`` the Product and Price are created when missing, and a new Price takes
    over the lookup key when the configured amount or currency changed; without it a
    missing or outdated Price raises BillingError.
    """
    api = stripe_api.client()
    amount = current_app.config["MEMBERSHIP_PRICE_CENTS"]
    currency = current_app.config["MEMBERSHIP_CURRENCY"]
    found = api.v1.prices.list({"lookup_keys": [LOOKUP_KEY], "active": True, "limit": 1}).data
    price = stripe_api.plain(found[0]) if found else None
    if price is not None and _price_matches(price, amount, currency):
        return price, False
    if not create:
        raise BillingError(
            "Memberships are not on sale just now. Please try again later; "
            "nothing has been charged."
        )
    product_id = price["product"] if price else _membership_product(api)
    created = api.v1.prices.create(
        {
            "product": product_id,
            "unit_amount": amount,
            "currency": currency,
            "recurring": {"interval": "year", "interval_count": 1},
            "lookup_key": LOOKUP_KEY,
            "transfer_lookup_key": True,
            "nickname": "Yearly membership",
            "metadata": {"kindred_purpose": "membership"},
        }
    )
    return stripe_api.plain(created), True


def _price_matches(price: dict[str, Any], amount: int, currency: str) -> bool:
    recurring = price.get("recurring") or {}
    return (
        price["unit_amount"] == amount
        and price["currency"] == currency
        and recurring.get("interval") == "year"
        and recurring.get("interval_count") == 1
    )


def _membership_product(api: stripe.StripeClient) -> str:
    for product in api.v1.products.list({"active": True, "limit": 100}).auto_paging_iter():
        if (stripe_api.plain(product).get("metadata") or {}).get("kindred") == PRODUCT_KEY:
            return product.id
    product = api.v1.products.create(
        {
            "name": "Kindred membership",
            "description": "One flat yearly membership. No ads, no tracking.",
            "metadata": {"kindred": PRODUCT_KEY},
        }
    )
    return product.id


# -- checkout and the portal ---------------------------------------------------------------


def live_subscription(account: Account) -> Subscription | None:
    """The account's membership subscription still running at Stripe, if any (sponsorships
    do not count: a member may sponsor as often as they like)."""
    return db.session.scalar(
        select(Subscription)
        .where(
            Subscription.account_id == account.id,
            Subscription.status.in_(LIVE_STATUSES),
            Subscription.purpose == "membership",
        )
        .order_by(Subscription.id.desc())
        .limit(1)
    )


def start_checkout(account: Account, success_url: str, cancel_url: str, *, seats: int = 0) -> str:
    """Create a Checkout Session for one yearly membership and return its URL.

    ``seats`` (0-5) sponsored seats are added to the same yearly subscription ("pay it
    forward"); they reach the pool each time its invoice is paid.

    Refuses unverified accounts and accounts with a subscription still running (checked
    locally and at Stripe, so a webhook still on its way does not allow a second one), and
    expires the account's earlier Checkout Sessions that are still open.
    ``success_url`` gets ``session_id={CHECKOUT_SESSION_ID}`` appended.
    """
    if not account.is_verified:
        raise BillingError("Please confirm your email address before becoming a member.")
    hold_billing_lock(account)
    _refuse_second_subscription(account)
    price, _ = membership_price()
    customer_id = ensure_customer(account)
    for sub in _remote_subscriptions(customer_id):
        sync_subscription(sub["id"], remote=sub)
    _refuse_second_subscription(account)
    api = stripe_api.client()
    # Only the newest Checkout can be paid, so two open tabs cannot buy two subscriptions.
    for stale in api.v1.checkout.sessions.list(
        {"customer": customer_id, "status": "open", "limit": 100}
    ).auto_paging_iter():
        api.v1.checkout.sessions.expire(stale.id)
    separator = "&" if "?" in success_url else "?"
    line_items = [{"price": price["id"], "quantity": 1}]
    metadata = {"kindred_account_id": str(account.id)}
    if seats:
        from app.seats import services as seat_services

        if not 0 < seats <= PAY_IT_FORWARD_MAX:
            raise BillingError(f"Add between 0 and {PAY_IT_FORWARD_MAX} seats.", "seats")
        try:
            seat_price = seat_services.seat_price("yearly")
        except seat_services.SeatError as error:
            raise BillingError(error.message) from None
        sponsorship = seat_services.pay_it_forward(
            account, seats, seat_price["unit_amount"], seat_price["currency"]
        )
        line_items.append({"price": seat_price["id"], "quantity": seats})
        metadata["kindred_sponsorship_id"] = str(sponsorship.id)
    session = api.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": str(account.id),
            "line_items": line_items,
            "subscription_data": {"metadata": metadata},
            "success_url": f"{success_url}{separator}session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": cancel_url,
        }
    )
    return session.url


def _refuse_second_subscription(account: Account) -> None:
    if live_subscription(account) is not None:
        raise BillingError(
            "You already have a paid membership. Use “Manage billing” to change or resume it."
        )


def _remote_subscriptions(customer_id: str) -> list[dict[str, Any]]:
    subs = stripe_api.client().v1.subscriptions.list(
        {
            "customer": customer_id,
            "status": "all",
            "limit": 100,
            "expand": ["data.latest_invoice"],
        }
    )
    return [stripe_api.plain(sub) for sub in subs.auto_paging_iter()]


def confirm_checkout(account: Account, session_id: str) -> bool:
    """On return from Checkout: if the session is this account's and paid, store its
    subscription now (the webhook may not have arrived yet).  True if it was paid."""
    hold_billing_lock(account)
    try:
        session = stripe_api.client().v1.checkout.sessions.retrieve(session_id)
    except stripe.InvalidRequestError:
        return False
    if (
        session.client_reference_id != str(account.id)
        or session.status != "complete"
        or session.payment_status != "paid"
        or not session.subscription
    ):
        return False
    sync_subscription(session.subscription, account_hint=account.id)
    return True


def billing_portal_url(account: Account, return_url: str) -> str:
    """A Billing Portal session for the account's Stripe customer (cancel, resume, card,
    invoices)."""
    if customer_for(account) is None or not has_paid(account):
        raise BillingError("There is nothing to manage yet: you have not paid for a membership.")
    customer_id = ensure_customer(account)
    session = stripe_api.client().v1.billing_portal.sessions.create(
        {"customer": customer_id, "return_url": return_url}
    )
    return session.url


# -- local state ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionState:
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool


# Statuses in which an unpaid latest invoice may be waiting for the member to confirm it.
AWAITING_PAYMENT = ("past_due", "unpaid")


def _locked_subscription(subscription_id: str) -> Subscription | None:
    return db.session.scalar(
        select(Subscription)
        .where(Subscription.stripe_subscription_id == subscription_id)
        .with_for_update()
    )


def _retrieve_subscription(subscription_id: str) -> dict[str, Any] | None:
    """The subscription as Stripe says now, or None if Stripe cannot be reached (or does not
    know it).  Stripe answering "busy" (429, 5xx) raises: the caller tries again later."""
    try:
        return stripe_api.plain(
            stripe_api.client().v1.subscriptions.retrieve(
                subscription_id, {"expand": ["latest_invoice"]}
            )
        )
    except stripe.StripeError as error:
        if stripe_api.is_unreachable(error):
            return None
        raise


def sync_subscription(
    subscription_id: str,
    event_created: int = 0,
    fallback: dict[str, Any] | None = None,
    *,
    remote: dict[str, Any] | None = None,
    account_hint: int | None = None,
) -> Subscription | None:
    """Store the subscription as Stripe describes it now.

    ``remote`` is a copy just read from Stripe; without it the subscription is read from
    the API, under the row's lock, so whichever handler writes last wrote the newest truth.
    If Stripe cannot be reached (or does not know it), ``fallback`` -- the object carried by
    an event created at ``event_created`` -- is stored instead, but only if that event is
    not older than what the row already reflects.  With neither, nothing changes.
    Subscriptions of customers Kindred does not know are ignored (returns None).
    """
    local = _locked_subscription(subscription_id)
    if local is None:
        first = remote or _retrieve_subscription(subscription_id) or fallback
        if first is None:
            return None
        account_id = account_for(first, account_hint)
        if account_id is None:
            return None
        made_here = insert_missing(
            Subscription,
            {
                "stripe_subscription_id": subscription_id,
                "account_id": account_id,
                "stripe_customer_id": _customer_id(first),
                "status": first["status"],
                "purpose": subscription_purpose(first)[0],
                "seat_quantity": 0,
                "cancel_at_period_end": False,
                "last_event_created": 0,
                "updated_at": utcnow(),
            },
            "stripe_subscription_id",
        )
        local = _locked_subscription(subscription_id)
        if made_here:
            _apply_subscription(local, first, event_created)
            db.session.flush()
            return local
        # Another transaction stored it first, perhaps from a newer read: read again.
        remote = None
    if remote is None:
        remote = _retrieve_subscription(subscription_id)
        if remote is None:
            if fallback is None or event_created < local.last_event_created:
                return local
            remote = fallback
    was = local.status
    _apply_subscription(local, remote, event_created)
    db.session.flush()
    if local.status == "past_due" and was not in (None, "past_due"):
        _tell_payment_failed(local)
    return local


def _customer_id(obj: dict[str, Any]) -> str | None:
    customer = obj.get("customer")
    return customer.get("id") if isinstance(customer, dict) else customer


def _tell_payment_failed(subscription: Subscription) -> None:
    """A renewal payment failed: the member hears it once, when the subscription falls
    past due (whichever of a webhook or the reconcile command sees it first)."""
    from app.notifications.events import membership_changed

    membership_changed(
        db.session.get(Account, subscription.account_id),
        "The renewal payment for your membership did not go through. You are still a "
        "member while it is tried again; you can change your card from the membership page",
    )


def account_for(obj: dict[str, Any], account_hint: int | None) -> int | None:
    """The Kindred account an object belongs to: by its customer, else its metadata."""
    linked = db.session.scalar(
        select(BillingCustomer.account_id).where(
            BillingCustomer.stripe_customer_id == _customer_id(obj)
        )
    )
    if linked is not None:
        return linked
    candidates = [(obj.get("metadata") or {}).get("kindred_account_id"), account_hint]
    for candidate in candidates:
        if candidate is not None and str(candidate).isdigit():
            account = db.session.get(Account, int(candidate))
            if account is not None:
                return account.id
    return None


def price_purpose(price: dict[str, Any] | None) -> str:
    """What a Price pays for: ``metadata[kindred_purpose]`` (sponsorship or gift), else a
    membership (the membership Price predates purposes and carries none)."""
    purpose = ((price or {}).get("metadata") or {}).get("kindred_purpose")
    return purpose if purpose in ("sponsorship", "gift") else "membership"


def subscription_purpose(remote: dict[str, Any]) -> tuple[str, int]:
    """(purpose, seats per period) of a subscription as Stripe describes it: a membership
    if any item is the membership (perhaps with seats added to pay it forward), else a
    sponsorship; seats are the quantities of its sponsorship items."""
    items = (remote.get("items") or {}).get("data") or [{}]
    purposes = [price_purpose(item.get("price")) for item in items]
    seats = sum(
        item.get("quantity") or 1
        for item, purpose in zip(items, purposes, strict=True)
        if purpose == "sponsorship"
    )
    return ("membership" if "membership" in purposes else "sponsorship"), seats


def _apply_subscription(local: Subscription, remote: dict[str, Any], event_created: int) -> None:
    items = (remote.get("items") or {}).get("data") or [{}]
    members = [i for i in items if price_purpose(i.get("price")) == "membership"]
    item = (members or items)[0]
    was_past_due = local.status == "past_due"
    status = remote["status"]
    local.stripe_customer_id = _customer_id(remote)
    local.status = status
    local.current_period_start = from_timestamp(item.get("current_period_start"))
    local.current_period_end = from_timestamp(item.get("current_period_end"))
    local.cancel_at_period_end = bool(remote.get("cancel_at_period_end"))
    local.cancel_at = from_timestamp(remote.get("cancel_at"))
    local.canceled_at = from_timestamp(remote.get("canceled_at"))
    local.ended_at = from_timestamp(remote.get("ended_at"))
    local.purpose, local.seat_quantity = subscription_purpose(remote)
    priced = [i for i in items if (i.get("price") or {}).get("unit_amount") is not None]
    if priced:
        local.renewal_amount = sum(
            i["price"]["unit_amount"] * (i.get("quantity") or 1) for i in priced
        )
        local.renewal_currency = priced[0]["price"]["currency"]
    latest = remote.get("latest_invoice")
    invoice = latest if isinstance(latest, dict) else None
    if status == "past_due":
        unpaid = invoice if invoice is not None and invoice.get("status") == "open" else None
        local.next_payment_attempt = (
            from_timestamp(unpaid.get("next_payment_attempt"))
            if unpaid is not None
            else (local.next_payment_attempt if invoice is None and was_past_due else None)
        )
        # Past due means the latest finalized invoice went unpaid: the grace period counts
        # from Stripe's first attempt at it, whatever order the events came in.
        local.past_due_since = (
            (_first_attempt(invoice) if invoice is not None else None)
            or (local.past_due_since if was_past_due else None)
            or (from_timestamp(event_created) if event_created else utcnow())
        )
    else:
        local.next_payment_attempt = None
        local.past_due_since = None
    latest_id = invoice["id"] if invoice is not None else latest
    still_open = invoice is None or invoice.get("status") == "open"
    if local.action_invoice_id and not (
        status in AWAITING_PAYMENT and latest_id == local.action_invoice_id and still_open
    ):
        local.action_invoice_id = None
        local.action_url = None
    local.latest_invoice_id = latest_id
    own_times = [
        remote.get(name) or 0 for name in ("created", "canceled_at", "ended_at", "start_date")
    ]
    own_times.append(item.get("current_period_start") or 0)
    local.last_event_created = max(local.last_event_created or 0, event_created, *own_times)


def _first_attempt(invoice: dict[str, Any]) -> datetime | None:
    """When Stripe first tried to collect ``invoice``: an automatic renewal is charged the
    moment it is finalized."""
    transitions = invoice.get("status_transitions") or {}
    return from_timestamp(
        transitions.get("finalized_at") or invoice.get("effective_at") or invoice.get("created")
    )


def record_payment_action(invoice: dict[str, Any], event_created: int) -> Subscription | None:
    """``invoice`` needs the member to confirm its payment (3-D Secure on a renewal): keep
    Stripe's hosted page for it on the subscription while it is the subscription's latest
    invoice, still open and unpaid (``sync_subscription`` drops it once that is not so)."""
    subscription_id = invoice_subscription(invoice)
    if subscription_id is None:
        return None
    local = sync_subscription(subscription_id, event_created)
    if local is None:
        return None
    remote, _ = _read_invoice(invoice["id"], invoice)
    if (
        local.status in AWAITING_PAYMENT
        and local.latest_invoice_id == remote["id"]
        and remote.get("status") == "open"
        and remote.get("hosted_invoice_url")
    ):
        local.action_invoice_id = remote["id"]
        local.action_url = remote["hosted_invoice_url"]
        db.session.flush()
    return local


def _read_invoice(invoice_id: str, fallback: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
    """The invoice (with its payments) from Stripe and True, or ``fallback`` and False when
    Stripe cannot be reached; without a fallback the error is raised."""
    try:
        invoice = stripe_api.client().v1.invoices.retrieve(invoice_id, {"expand": ["payments"]})
    except stripe.StripeError as error:
        if not stripe_api.is_unreachable(error) or fallback is None:
            raise
        return fallback, False
    return stripe_api.plain(invoice), True


def record_invoice(invoice_id: str, fallback: dict[str, Any] | None = None) -> Invoice | None:
    """Keep a paid invoice in the billing history (amount, currency, date, number, refunds).

    Reads the invoice and its payments from Stripe.  When Stripe cannot be reached the
    event's ``fallback`` is stored and marked ``needs_refresh``: its payment and refunds are
    read at the next chance (``complete_stored_invoices``, ``reconcile``), so later refunds
    still find it.  Unpaid invoices and invoices of unknown customers are not kept.
    """
    remote, from_api = _read_invoice(invoice_id, fallback)
    if remote.get("status") != "paid":
        return None
    subscription_id = invoice_subscription(remote)
    paid_at = from_timestamp(
        (remote.get("status_transitions") or {}).get("paid_at") or remote["created"]
    )
    local = _locked_invoice(invoice_id)
    if local is None:
        account_id = _invoice_account(remote, subscription_id)
        if account_id is None:
            return None
        insert_missing(
            Invoice,
            {
                "stripe_invoice_id": invoice_id,
                "account_id": account_id,
                "status": remote["status"],
                "amount_paid": remote["amount_paid"],
                "amount_refunded": 0,
                "currency": remote["currency"],
                "paid_at": paid_at,
                "needs_refresh": not from_api,
                "created_at": utcnow(),
            },
            "stripe_invoice_id",
        )
        local = _locked_invoice(invoice_id)
    local.stripe_subscription_id = subscription_id
    local.number = remote.get("number")
    local.status = remote["status"]
    local.amount_paid = remote["amount_paid"]
    local.currency = remote["currency"]
    local.paid_at = paid_at
    payment_intent = _invoice_payment_intent(remote)
    if payment_intent is not None:
        local.payment_intent_id = payment_intent
        # A dispute heard of before its invoice belongs to the invoice's account.
        db.session.execute(
            update(Dispute)
            .where(Dispute.payment_intent_id == payment_intent, Dispute.account_id.is_(None))
            .values(account_id=local.account_id)
            .execution_options(synchronize_session="fetch")
        )
    if from_api:
        local.needs_refresh = False
        if local.payment_intent_id is not None:
            charges = stripe_api.client().v1.charges.list(
                {"payment_intent": local.payment_intent_id, "limit": 100}
            )
            refunded = sum(charge.amount_refunded for charge in charges.auto_paging_iter())
            local.amount_refunded = max(local.amount_refunded or 0, refunded)
    db.session.flush()
    return local


def _locked_invoice(invoice_id: str) -> Invoice | None:
    return db.session.scalar(
        select(Invoice).where(Invoice.stripe_invoice_id == invoice_id).with_for_update()
    )


def complete_stored_invoices(customer_id: str | None) -> list[Invoice]:
    """Read again from Stripe the customer's invoices that were stored from an event's
    payload, so their payment and refunds are known.  Stops quietly while Stripe is still
    out of reach; returns the invoices completed."""
    if customer_id is None:
        return []
    waiting = db.session.scalars(
        select(Invoice.stripe_invoice_id)
        .join(BillingCustomer, BillingCustomer.account_id == Invoice.account_id)
        .where(BillingCustomer.stripe_customer_id == customer_id, Invoice.needs_refresh)
    ).all()
    completed = []
    for invoice_id in waiting:
        try:
            stored = record_invoice(invoice_id)
        except stripe.StripeError as error:
            if stripe_api.is_unreachable(error) or stripe_api.is_busy(error):
                break
            raise
        if stored is not None:
            completed.append(stored)
    return completed


def invoice_subscription(invoice: dict[str, Any]) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = details.get("subscription")
    return subscription["id"] if isinstance(subscription, dict) else subscription


def _invoice_account(invoice: dict[str, Any], subscription_id: str | None) -> int | None:
    if subscription_id is not None:
        owner = db.session.scalar(
            select(Subscription.account_id).where(
                Subscription.stripe_subscription_id == subscription_id
            )
        )
        if owner is not None:
            return owner
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return account_for(
        {"customer": invoice.get("customer"), "metadata": details.get("metadata")}, None
    )


def _invoice_payment_intent(invoice: dict[str, Any]) -> str | None:
    for payment in (invoice.get("payments") or {}).get("data") or []:
        intent = (payment.get("payment") or {}).get("payment_intent")
        if intent and payment.get("status", "paid") == "paid":
            return intent["id"] if isinstance(intent, dict) else intent
    return None


def record_refund(
    payment_intent_id: str | None, amount_refunded: int, customer_id: str | None = None
) -> Invoice | None:
    """Note a charge's total refunded amount against the invoice it paid.

    Refunds only grow, so the larger of the stored and the given amount is kept (in SQL, so
    concurrent refunds never lose one).  An invoice not matched yet may be one stored while
    Stripe was out of reach: the customer's such invoices are completed from Stripe and
    matched again.  An invoice not known at all picks the refund up when it is recorded.
    """
    if payment_intent_id is None:
        return None

    def note() -> Invoice | None:
        db.session.execute(
            update(Invoice)
            .where(Invoice.payment_intent_id == payment_intent_id)
            .values(
                amount_refunded=case(
                    (Invoice.amount_refunded < amount_refunded, amount_refunded),
                    else_=Invoice.amount_refunded,
                )
            )
            .execution_options(synchronize_session=False)
        )
        invoice = db.session.scalar(
            select(Invoice).where(Invoice.payment_intent_id == payment_intent_id)
        )
        if invoice is not None:
            db.session.refresh(invoice)
        return invoice

    invoice = note()
    if invoice is None and complete_stored_invoices(customer_id):
        invoice = note()
    return invoice


def forget_customer(customer_id: str, event_created: int) -> list[Subscription]:
    """The customer was deleted at Stripe: drop the local link and mark its subscriptions
    ended (Stripe cancels them).  Returns the subscriptions that were still live."""
    link = db.session.scalar(
        select(BillingCustomer).where(BillingCustomer.stripe_customer_id == customer_id)
    )
    if link is not None:
        db.session.delete(link)
    ended = []
    subs = db.session.scalars(
        select(Subscription).where(Subscription.stripe_customer_id == customer_id)
    )
    for sub in subs:
        sub.last_event_created = max(sub.last_event_created, event_created)
        if sub.status not in ("canceled", "incomplete_expired"):
            sub.status = "canceled"
            sub.cancel_at_period_end = False
            sub.ended_at = sub.ended_at or from_timestamp(event_created)
            sub.next_payment_attempt = None
            sub.past_due_since = None
            sub.action_invoice_id = sub.action_url = None
            ended.append(sub)
    db.session.flush()
    return ended


# -- reconcile -----------------------------------------------------------------------------


def customers_to_reconcile() -> list[int]:
    """The ids of every account with a Stripe customer, for ``reconcile_customer``."""
    return list(db.session.scalars(select(BillingCustomer.account_id).order_by(BillingCustomer.id)))


def reconcile_customer(account_id: int) -> list[str]:
    """Re-read one account's Stripe customer (its email, subscriptions and paid invoices)
    and repair both sides: local state from Stripe's, the customer's email from the
    account's.  Holds the account's billing lock, so it is one unit of work of its own that
    webhooks arriving meanwhile wait for.  Returns one line per change."""
    account = db.session.get(Account, account_id)
    if account is None:
        return []
    hold_billing_lock(account)
    customer = customer_for(account)
    if customer is None:
        return []
    handle, customer_id = account.handle, customer.stripe_customer_id
    api = stripe_api.client()
    remote_customer = api.v1.customers.retrieve(customer_id)
    if getattr(remote_customer, "deleted", False):
        ended = forget_customer(customer_id, int(time.time()))
        return [
            f"@{handle}: Stripe customer {customer_id} was deleted; "
            f"forgotten, {len(ended)} subscription(s) ended"
        ]
    changes = []
    if remote_customer.email != account.email:
        api.v1.customers.update(customer_id, {"email": account.email})
        changes.append(f"@{handle}: Stripe customer's email brought up to date")
    for remote in _remote_subscriptions(customer_id):
        before = _state_of(
            db.session.scalar(
                select(Subscription).where(Subscription.stripe_subscription_id == remote["id"])
            )
        )
        after = _state_of(sync_subscription(remote["id"], remote=remote))
        if after != before:
            changes.append(f"@{handle}: subscription {remote['id']} {_describe(before, after)}")
    invoices = api.v1.invoices.list({"customer": customer_id, "status": "paid", "limit": 100})
    for summary in invoices.auto_paging_iter():
        changes.extend(_reconcile_invoice(summary.id, handle))
        changes.extend(_reconcile_seats(stripe_api.plain(summary), handle))
    sessions = api.v1.checkout.sessions.list(
        {"customer": customer_id, "status": "complete", "limit": 100}
    )
    for session in sessions.auto_paging_iter():
        if session.mode == "payment":
            changes.extend(_reconcile_seats({"checkout_session": session.id}, handle))
    return changes


def _reconcile_seats(remote: dict[str, Any], handle: str) -> list[str]:
    """Credit a sponsorship payment no webhook delivered (sponsored seats, app.seats)."""
    from app.seats import services as seats

    if "checkout_session" in remote:
        entry = seats.credit_checkout(remote["checkout_session"])
    else:
        stored = db.session.scalar(select(Invoice).where(Invoice.stripe_invoice_id == remote["id"]))
        entry = seats.credit_invoice(stored, remote)
    if entry is None:
        return []
    return [f"@{handle}: {entry.seats} sponsored seat(s) credited to the pool"]


def _reconcile_invoice(invoice_id: str, handle: str) -> list[str]:
    existing = db.session.scalar(select(Invoice).where(Invoice.stripe_invoice_id == invoice_id))
    before = (existing.amount_refunded, existing.needs_refresh) if existing else None
    stored = record_invoice(invoice_id)
    if stored is None:
        return []
    name = stored.number or stored.stripe_invoice_id
    if before is None:
        return [f"@{handle}: recorded paid invoice {name}"]
    lines = []
    if before[1] and not stored.needs_refresh:
        lines.append(f"@{handle}: invoice {name} completed from Stripe")
    if stored.amount_refunded != before[0]:
        lines.append(f"@{handle}: invoice {name} refunded {before[0]} → {stored.amount_refunded}")
    return lines


def _state_of(sub: Subscription | None) -> SubscriptionState | None:
    if sub is None:
        return None
    return SubscriptionState(sub.status, sub.current_period_end, sub.cancel_at_period_end)


def _describe(before: SubscriptionState | None, after: SubscriptionState | None) -> str:
    def show(state: SubscriptionState | None) -> str:
        if state is None:
            return "unknown"
        end = state.current_period_end.date().isoformat() if state.current_period_end else "-"
        cancelling = ", cancels at period end" if state.cancel_at_period_end else ""
        return f"{state.status} until {end}{cancelling}"

    return f"{show(before)} → {show(after)}"


# -- what members see ----------------------------------------------------------------------

CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$"}


# Stripe's zero-decimal currencies: amounts are whole units, not hundredths.
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)


def format_money(amount: int, currency: str) -> str:
    """``2500, "usd"`` → ``$25``; ``2550, "eur"`` → ``€25.50``; ``2500, "jpy"`` →
    ``2500 JPY``; unknown currencies by code.  ``amount`` is in minor units."""
    if currency.lower() in ZERO_DECIMAL:
        number = f"{amount}"
    else:
        number = f"{amount // 100}" if amount % 100 == 0 else f"{amount / 100:.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"


def price_label() -> str:
    """The membership price as members read it: "$25 a year"."""
    config = current_app.config
    return f"{format_money(config['MEMBERSHIP_PRICE_CENTS'], config['MEMBERSHIP_CURRENCY'])} a year"


def latest_subscription(account: Account) -> Subscription | None:
    """The account's most recent membership subscription, live or not."""
    return db.session.scalar(
        select(Subscription)
        .where(Subscription.account_id == account.id, Subscription.purpose == "membership")
        .order_by(Subscription.current_period_end.desc().nulls_last(), Subscription.id.desc())
        .limit(1)
    )


def billing_history(account: Account, before: str | None = None) -> Page[Invoice]:
    """One page of the account's paid invoices, newest first (keyset cursor ``before``)."""
    query = select(Invoice).where(Invoice.account_id == account.id)
    if (values := decode_cursor(before, (datetime, int))) is not None:
        query = query.where(after_key((Invoice.paid_at, Invoice.id), values, descending=True))
    query = query.order_by(Invoice.paid_at.desc(), Invoice.id.desc()).limit(PAGE_SIZE + 1)
    return page_of(list(db.session.scalars(query)), lambda invoice: (invoice.paid_at, invoice.id))
