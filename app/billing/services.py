"""Paid memberships: the Stripe customer, Checkout, the Billing Portal and local billing state.

Kindred sends Stripe only an account's email and id (``metadata[kindred_account_id]``),
never names, handles or anything a member wrote.  When a member changes their email, the
next checkout or portal visit updates it at Stripe too, so receipts follow them.

Local state is a copy of Stripe's: ``sync_subscription`` stores what Stripe says now (or,
when Stripe cannot be reached, what a newer-than-stored event said), and ``record_invoice``
keeps each paid invoice for the billing history.  ``app.billing.webhooks`` and
``reconcile`` both go through these functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stripe
from flask import current_app
from sqlalchemy import select, update

from app.accounts.models import Account
from app.billing import stripe_api
from app.billing.models import LIVE_STATUSES, BillingCustomer, Invoice, Subscription
from app.db import db
from app.domain import DomainError
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of

LOOKUP_KEY = "kindred_membership_yearly"
PRODUCT_KEY = "kindred_membership"


class BillingError(DomainError):
    """A billing action cannot go ahead; ``message`` tells the person why."""


def from_timestamp(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


# -- the customer --------------------------------------------------------------------------


def hold_billing_lock(account: Account) -> None:
    """Serialise billing changes for ``account`` before talking to Stripe.

    A row lock on PostgreSQL (two clicks cannot create two customers); the write lock on
    SQLite, so a webhook that arrives while Stripe answers waits for this transaction
    instead of committing underneath it.
    """
    db.session.execute(update(Account).where(Account.id == account.id).values(id=Account.id))


def customer_for(account: Account) -> BillingCustomer | None:
    return db.session.scalar(
        select(BillingCustomer).where(BillingCustomer.account_id == account.id)
    )


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
    db.session.add(BillingCustomer(account_id=account.id, stripe_customer_id=customer.id))
    db.session.flush()
    return customer.id


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
    """The account's subscription that is still running at Stripe, if any."""
    return db.session.scalar(
        select(Subscription)
        .where(Subscription.account_id == account.id, Subscription.status.in_(LIVE_STATUSES))
        .order_by(Subscription.id.desc())
        .limit(1)
    )


def start_checkout(account: Account, success_url: str, cancel_url: str) -> str:
    """Create a Checkout Session for one yearly membership and return its URL.

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
    session = api.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": str(account.id),
            "line_items": [{"price": price["id"], "quantity": 1}],
            "subscription_data": {"metadata": {"kindred_account_id": str(account.id)}},
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
    if customer_for(account) is None:
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
    the API.  If Stripe cannot be reached (or does not know it), ``fallback`` -- the object
    carried by an event created at ``event_created`` -- is stored instead, but only if that
    event is not older than what the row already reflects.  With neither, nothing changes.
    Subscriptions of customers Kindred does not know are ignored (returns None).
    """
    local = db.session.scalar(
        select(Subscription)
        .where(Subscription.stripe_subscription_id == subscription_id)
        .with_for_update()
    )
    if remote is None:
        try:
            remote = stripe_api.plain(
                stripe_api.client().v1.subscriptions.retrieve(
                    subscription_id, {"expand": ["latest_invoice"]}
                )
            )
        except stripe.StripeError as error:
            if not stripe_api.is_unreachable(error):
                raise
            if fallback is None or (local is not None and event_created < local.last_event_created):
                return local
            remote = fallback
    account_id = local.account_id if local else _account_for(remote, account_hint)
    if account_id is None:
        return None
    if local is None:
        local = Subscription(
            stripe_subscription_id=subscription_id, account_id=account_id, last_event_created=0
        )
        db.session.add(local)
    was = local.status
    _apply_subscription(local, remote, event_created)
    db.session.flush()
    if local.status == "past_due" and was not in (None, "past_due"):
        _tell_payment_failed(local)
    return local


def _tell_payment_failed(subscription: Subscription) -> None:
    """A renewal payment failed: the member hears it once, when the subscription falls
    past due (whichever of a webhook or the reconcile command sees it first)."""
    from app.notifications.events import membership_changed

    membership_changed(
        db.session.get(Account, subscription.account_id),
        "The renewal payment for your membership did not go through. You are still a "
        "member while it is tried again; you can change your card from the membership page",
    )


def _account_for(obj: dict[str, Any], account_hint: int | None) -> int | None:
    """The Kindred account an object belongs to: by its customer, else its metadata."""
    customer_id = obj.get("customer")
    if isinstance(customer_id, dict):
        customer_id = customer_id.get("id")
    linked = db.session.scalar(
        select(BillingCustomer.account_id).where(BillingCustomer.stripe_customer_id == customer_id)
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


def _apply_subscription(local: Subscription, remote: dict[str, Any], event_created: int) -> None:
    items = (remote.get("items") or {}).get("data") or [{}]
    item = items[0]
    customer = remote.get("customer")
    local.stripe_customer_id = customer["id"] if isinstance(customer, dict) else customer
    local.status = remote["status"]
    local.current_period_start = from_timestamp(item.get("current_period_start"))
    local.current_period_end = from_timestamp(item.get("current_period_end"))
    local.cancel_at_period_end = bool(remote.get("cancel_at_period_end"))
    local.canceled_at = from_timestamp(remote.get("canceled_at"))
    local.ended_at = from_timestamp(remote.get("ended_at"))
    latest_invoice = remote.get("latest_invoice")
    local.next_payment_attempt = (
        from_timestamp(latest_invoice.get("next_payment_attempt"))
        if remote["status"] == "past_due" and isinstance(latest_invoice, dict)
        else None
    )
    own_times = [
        remote.get(name) or 0 for name in ("created", "canceled_at", "ended_at", "start_date")
    ]
    own_times.append(item.get("current_period_start") or 0)
    local.last_event_created = max(local.last_event_created or 0, event_created, *own_times)


def record_invoice(
    invoice_id: str, fallback: dict[str, Any] | None = None, account_hint: int | None = None
) -> Invoice | None:
    """Keep a paid invoice in the billing history (amount, currency, date, number, refunds).

    Reads the invoice and its payments from Stripe (``fallback`` when Stripe cannot be
    reached).  Unpaid invoices and invoices of unknown customers are not kept.
    """
    api = stripe_api.client()
    try:
        remote = stripe_api.plain(api.v1.invoices.retrieve(invoice_id, {"expand": ["payments"]}))
    except stripe.StripeError as error:
        if not stripe_api.is_unreachable(error) or fallback is None:
            raise
        remote = fallback
    if remote.get("status") != "paid":
        return None
    subscription_id = invoice_subscription(remote)
    local = db.session.scalar(select(Invoice).where(Invoice.stripe_invoice_id == invoice_id))
    account_id = local.account_id if local else _invoice_account(remote, subscription_id)
    if account_id is None:
        return None
    if local is None:
        local = Invoice(stripe_invoice_id=invoice_id, account_id=account_id, amount_refunded=0)
        db.session.add(local)
    local.stripe_subscription_id = subscription_id
    local.number = remote.get("number")
    local.status = remote["status"]
    local.amount_paid = remote["amount_paid"]
    local.currency = remote["currency"]
    paid_at = (remote.get("status_transitions") or {}).get("paid_at") or remote["created"]
    local.paid_at = from_timestamp(paid_at)
    payment_intent = _invoice_payment_intent(remote)
    if payment_intent is not None:
        local.payment_intent_id = payment_intent
        if remote is not fallback:
            charges = api.v1.charges.list({"payment_intent": payment_intent, "limit": 100})
            refunded = sum(charge.amount_refunded for charge in charges.auto_paging_iter())
            local.amount_refunded = max(local.amount_refunded or 0, refunded)
    db.session.flush()
    return local


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
    return _account_for(
        {"customer": invoice.get("customer"), "metadata": details.get("metadata")}, None
    )


def _invoice_payment_intent(invoice: dict[str, Any]) -> str | None:
    for payment in (invoice.get("payments") or {}).get("data") or []:
        intent = (payment.get("payment") or {}).get("payment_intent")
        if intent and payment.get("status", "paid") == "paid":
            return intent["id"] if isinstance(intent, dict) else intent
    return None


def record_refund(payment_intent_id: str | None, amount_refunded: int) -> Invoice | None:
    """Note a charge's total refunded amount against the invoice it paid.

    Refunds only grow, so the larger of the stored and the given amount is kept; if the
    invoice is not known yet, ``record_invoice`` picks the refund up when it arrives.
    """
    if payment_intent_id is None:
        return None
    invoice = db.session.scalar(
        select(Invoice).where(Invoice.payment_intent_id == payment_intent_id)
    )
    if invoice is not None:
        invoice.amount_refunded = max(invoice.amount_refunded, amount_refunded)
        db.session.flush()
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
            ended.append(sub)
    db.session.flush()
    return ended


# -- reconcile -----------------------------------------------------------------------------


def reconcile() -> list[str]:
    """Re-read every known customer (and its subscriptions and paid invoices) from Stripe
    and repair local state; returns one line per change."""
    changes: list[str] = []
    api = stripe_api.client()
    rows = db.session.execute(
        select(BillingCustomer, Account.handle).join(
            Account, Account.id == BillingCustomer.account_id
        )
    ).all()
    for customer, handle in rows:
        if getattr(api.v1.customers.retrieve(customer.stripe_customer_id), "deleted", False):
            ended = forget_customer(customer.stripe_customer_id, int(time.time()))
            changes.append(
                f"@{handle}: Stripe customer {customer.stripe_customer_id} was deleted; "
                f"forgotten, {len(ended)} subscription(s) ended"
            )
            continue
        for remote in _remote_subscriptions(customer.stripe_customer_id):
            before = _state_of(
                db.session.scalar(
                    select(Subscription).where(Subscription.stripe_subscription_id == remote["id"])
                )
            )
            after = _state_of(sync_subscription(remote["id"], remote=remote))
            if after != before:
                changes.append(f"@{handle}: subscription {remote['id']} {_describe(before, after)}")
        invoices = api.v1.invoices.list(
            {"customer": customer.stripe_customer_id, "status": "paid", "limit": 100}
        )
        for summary in invoices.auto_paging_iter():
            existing = db.session.scalar(
                select(Invoice).where(Invoice.stripe_invoice_id == summary.id)
            )
            refunded_before = existing.amount_refunded if existing else None
            stored = record_invoice(summary.id)
            if stored is None:
                continue
            if existing is None:
                changes.append(
                    f"@{handle}: recorded paid invoice {stored.number or stored.stripe_invoice_id}"
                )
            elif stored.amount_refunded != refunded_before:
                changes.append(
                    f"@{handle}: invoice {stored.number or stored.stripe_invoice_id} refunded "
                    f"{refunded_before} → {stored.amount_refunded}"
                )
    return changes


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


def format_money(amount: int, currency: str) -> str:
    """``2500, "usd"`` → ``$25``; ``2550, "eur"`` → ``€25.50``; unknown currencies by code."""
    number = f"{amount // 100}" if amount % 100 == 0 else f"{amount / 100:.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"


def price_label() -> str:
    """The membership price as members read it: "$25 a year"."""
    config = current_app.config
    return f"{format_money(config['MEMBERSHIP_PRICE_CENTS'], config['MEMBERSHIP_CURRENCY'])} a year"


def latest_subscription(account: Account) -> Subscription | None:
    """The account's most recent subscription, live or not."""
    return db.session.scalar(
        select(Subscription)
        .where(Subscription.account_id == account.id)
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
