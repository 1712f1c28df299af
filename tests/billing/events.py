"""Stripe events built by hand, in the shapes of API version 2026-10-28.endive.

For webhook tests that do not need a sandbox: the TestConfig API base is dead, so the app
falls back to the object inside each event.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import stripe

SECRET = "whsec_kindred_tests"  # TestConfig.STRIPE_WEBHOOK_SECRET
YEAR = 365 * 24 * 3600
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):06d}"


def event(event_type: str, obj: dict[str, Any], created: int, event_id: str | None = None):
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def subscription(
    sub_id: str,
    customer: str,
    account_id: int,
    *,
    status: str = "active",
    start: int,
    cancel_at_period_end: bool = False,
    canceled_at: int | None = None,
) -> dict[str, Any]:
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "created": start,
        "start_date": start,
        "cancel_at_period_end": cancel_at_period_end,
        "canceled_at": canceled_at,
        "ended_at": canceled_at if status == "canceled" else None,
        "metadata": {"kindred_account_id": str(account_id)},
        "latest_invoice": None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": new_id("si"),
                    "object": "subscription_item",
                    "current_period_start": start,
                    "current_period_end": start + YEAR,
                    "quantity": 1,
                }
            ],
        },
    }


def invoice(
    invoice_id: str,
    customer: str,
    sub_id: str,
    *,
    paid_at: int,
    status: str = "paid",
    number: str = "KIN-0001",
    amount: int = 2500,
) -> dict[str, Any]:
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer,
        "number": number,
        "status": status,
        "amount_due": amount,
        "amount_paid": amount if status == "paid" else 0,
        "currency": "usd",
        "created": paid_at,
        "next_payment_attempt": None if status == "paid" else paid_at + 3 * 86400,
        "status_transitions": {"paid_at": paid_at if status == "paid" else None},
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"metadata": {}, "subscription": sub_id},
        },
    }


def charge(charge_id: str, customer: str, payment_intent: str, *, refunded: int) -> dict[str, Any]:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": 2500,
        "amount_refunded": refunded,
        "currency": "usd",
        "customer": customer,
        "payment_intent": payment_intent,
        "refunded": refunded >= 2500,
    }


def signed(payload: dict[str, Any] | bytes, secret: str = SECRET, at: int | None = None):
    """(body, headers) for posting ``payload`` to the webhook, signed like Stripe."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode(), secret, at or int(time.time())
    )
    return body, {"Stripe-Signature": header, "Content-Type": "application/json"}


def post_event(client, payload, **sign_options):
    body, headers = signed(payload, **sign_options)
    return client.post("/stripe/webhook", data=body, headers=headers)
