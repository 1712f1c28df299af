"""Stripe webhooks: verified, applied once, and convergent whatever the delivery order.

Every event is verified (``Stripe-Signature``, the endpoint secret, five minutes'
tolerance), then its id is stored in ``stripe_events`` in the same transaction that
applies it: a re-delivered event finds its id and changes nothing, and a failure rolls
both back so Stripe retries.  Unknown event types are recorded and acknowledged.

Out-of-order delivery converges because events are treated as hints, not as state:

* A subscription event (or an invoice or Checkout event that names a subscription) makes
  Kindred re-read that subscription from the Stripe API and store what Stripe says *now*.
  Whichever event arrives last, the stored state is the current truth, so any order --
  with duplicates -- ends in the same state as in-order delivery.
* Each subscription row remembers the newest Stripe time it reflects
  (``last_event_created``: event ``created`` and the object's own timestamps).  Only if the
  API cannot be reached does Kindred fall back to the object inside the event, and then
  only if the event is not older than that marker, so a stale event never overwrites newer
  state.
* Paid invoices are immutable apart from refunds, which only grow: ``charge.refunded``
  keeps the larger refunded total, and an invoice recorded later reads its refunds from
  the API, so a refund delivered before its invoice is not lost.
* Sponsored seats (``app.seats``): a paid Checkout in payment mode, or a paid invoice of a
  subscription carrying seats, credits the pool once per payment (the ledger's unique
  source); ``charge.refunded`` removes the refunded seats that are still unused.
* ``customer.deleted`` forgets the customer and ends its subscriptions; Stripe cancels them
  too, so a later re-read agrees.
* ``invoice.payment_action_required`` keeps the invoice's hosted page on the subscription
  only while Stripe still says it is the open, unpaid latest invoice; disputes are read
  from Stripe again and each admin mail goes out once (``app.billing.disputes``).

After each event about a customer, invoices stored earlier from an event's payload (Stripe
was out of reach) are completed from the API, so their refunds match.  Stripe answering
"busy" (429, 5xx) anywhere makes the whole event roll back: the endpoint answers 503 and
Stripe delivers it again later.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import stripe
from sqlalchemy.exc import IntegrityError

from app.billing import disputes, services
from app.billing.models import StripeEvent
from app.db import db
from app.seats import services as seats

TOLERANCE_SECONDS = 300

Handler = Callable[[dict[str, Any], int], None]


class InvalidWebhook(Exception):
    """The request is not a genuine, fresh Stripe event."""


def verify(payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """The event in ``payload`` if ``signature`` proves Stripe sent it in the last 5 minutes."""
    if not signature or not secret:
        raise InvalidWebhook("missing signature")
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, TOLERANCE_SECONDS)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidWebhook(str(error)) from error
    if _signed_at(signature) > time.time() + TOLERANCE_SECONDS:
        raise InvalidWebhook("signed in the future")
    if not isinstance(event, dict) or not {"id", "type", "created", "data"} <= event.keys():
        raise InvalidWebhook("not an event")
    return event


def _signed_at(signature: str) -> int:
    for part in signature.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    return 0


def handle_event(event: dict[str, Any]) -> bool:
    """Apply a verified event once; False if this event id was already applied.

    The event id is inserted first (its unique constraint decides), so the transaction
    starts with a write: on SQLite it waits for other writers instead of reading a snapshot
    that a concurrent commit would invalidate.
    """
    try:
        with db.session.begin_nested():
            db.session.add(
                StripeEvent(
                    stripe_event_id=event["id"],
                    type=event["type"],
                    created=services.from_timestamp(event["created"]),
                )
            )
    except IntegrityError:
        return False
    handler = HANDLERS.get(event["type"])
    if handler is not None:
        obj = event["data"]["object"]
        handler(obj, event["created"])
        services.complete_stored_invoices(_customer_of(obj))
    return True


def _customer_of(obj: dict[str, Any]) -> str | None:
    if obj.get("object") == "customer":
        return None  # a deleted customer has nothing left to complete
    customer = obj.get("customer")
    return customer.get("id") if isinstance(customer, dict) else customer


def _checkout_completed(session: dict[str, Any], created: int) -> None:
    if session.get("mode") == "payment":
        # A one-time sponsorship: its seats enter the pool once Stripe says it is paid.
        seats.credit_checkout(session["id"])
        return
    if session.get("mode") != "subscription" or not session.get("subscription"):
        return
    reference = session.get("client_reference_id")
    hint = int(reference) if reference and str(reference).isdigit() else None
    services.sync_subscription(session["subscription"], created, account_hint=hint)


def _subscription_changed(subscription: dict[str, Any], created: int) -> None:
    services.sync_subscription(subscription["id"], created, fallback=subscription)


def _invoice_paid(invoice: dict[str, Any], created: int) -> None:
    subscription_id = services.invoice_subscription(invoice)
    if subscription_id is not None:
        services.sync_subscription(subscription_id, created)
    stored = services.record_invoice(invoice["id"], fallback=invoice)
    seats.credit_invoice(stored, invoice)


def _invoice_payment_failed(invoice: dict[str, Any], created: int) -> None:
    subscription_id = services.invoice_subscription(invoice)
    if subscription_id is not None:
        services.sync_subscription(subscription_id, created)


def _invoice_payment_action_required(invoice: dict[str, Any], created: int) -> None:
    services.record_payment_action(invoice, created)


def _charge_refunded(charge: dict[str, Any], created: int) -> None:
    services.record_refund(
        charge.get("payment_intent"), charge.get("amount_refunded", 0), charge.get("customer")
    )
    seats.refund_payment(charge.get("payment_intent"), charge.get("amount_refunded", 0))


def _dispute_changed(dispute: dict[str, Any], created: int) -> None:
    disputes.record_dispute(dispute, created)


def _customer_deleted(customer: dict[str, Any], created: int) -> None:
    services.forget_customer(customer["id"], created)


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_payment_failed,
    "invoice.payment_action_required": _invoice_payment_action_required,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_changed,
    "charge.dispute.updated": _dispute_changed,
    "charge.dispute.closed": _dispute_changed,
    "customer.deleted": _customer_deleted,
}
