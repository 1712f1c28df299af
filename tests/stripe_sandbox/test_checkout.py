"""Paying on the hosted Checkout page, and the shape of what it creates."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .conftest import APP, get_page, pay, start_checkout

# Stripe's example objects, copied from its OpenAPI fixtures (see fixtures/README.md).
FIXTURES = Path(__file__).parent / "fixtures" / "stripe_objects.json"

SUBSCRIBE_EVENTS = [
    "customer.created",
    "customer.subscription.created",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
    "charge.succeeded",
    "payment_intent.succeeded",
    "checkout.session.completed",
]


def test_paying_with_the_good_card_subscribes_and_redirects(
    stripe_client, yearly_price, state, inbox
):
    session = start_checkout(
        stripe_client, yearly_price.id, subscription_data={"metadata": {"member": "7"}}
    )
    status, headers, _ = pay(session)
    assert status == 303
    assert headers["Location"] == f"{APP}/membership/welcome?session_id={session.id}"
    # Webhooks went out before the redirect, in Stripe's order.
    assert inbox.types[-len(SUBSCRIBE_EVENTS) :] == SUBSCRIBE_EVENTS

    done = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["subscription", "invoice"]}
    )
    assert (done.status, done.payment_status) == ("complete", "paid")
    sub, invoice = done.subscription, done.invoice
    assert sub.status == "active" and sub.metadata.to_dict() == {"member": "7"}
    item = sub["items"].data[0]
    assert item.price.id == yearly_price.id
    assert 365 * 86400 <= item.current_period_end - item.current_period_start <= 366 * 86400
    assert invoice.parent.subscription_details.subscription == sub.id
    assert re.fullmatch(r"SBX-\d{4}", invoice.number)
    assert (invoice.status, invoice.amount_paid, invoice.currency) == ("paid", 6000, "usd")
    assert invoice.billing_reason == "subscription_create"
    assert invoice.status_transitions.paid_at
    payments = stripe_client.v1.invoices.retrieve(invoice.id, params={"expand": ["payments"]})
    pi_id = payments.payments.data[0].payment.payment_intent
    charges = stripe_client.v1.charges.list(params={"payment_intent": pi_id}).data
    assert [c.amount for c in charges] == [6000]
    assert stripe_client.v1.payment_intents.retrieve(pi_id).status == "succeeded"


def test_payment_mode_creates_a_payment_intent_and_charge(stripe_client, yearly_price):
    one_off = stripe_client.v1.prices.create(
        params={"product": yearly_price.product, "unit_amount": 1500, "currency": "usd"}
    )
    session = start_checkout(
        stripe_client,
        one_off.id,
        mode="payment",
        payment_intent_data={"metadata": {"gift": "yes"}},
    )
    assert pay(session, "4242424242424242")[0] == 303
    done = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent"]}
    )
    assert done.payment_intent.status == "succeeded"
    assert done.payment_intent.metadata.to_dict() == {"gift": "yes"}
    assert done.subscription is None


def test_a_declined_card_changes_nothing(stripe_client, yearly_price, state):
    session = start_checkout(stripe_client, yearly_price.id)
    events_before = len(state.events)
    status, _, body = pay(session, "4000 0000 0000 0002")
    assert status == 402
    assert 'role="alert"' in body and "Your card was declined." in body
    assert len(state.events) == events_before
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert stripe_client.v1.customers.list().data == []


def test_an_unknown_card_number_is_a_validation_error(stripe_client, yearly_price):
    session = start_checkout(stripe_client, yearly_price.id)
    status, _, body = pay(session, "1234 5678")
    assert status == 400 and "test cards" in body


def test_the_checkout_page_is_self_contained_and_accessible(stripe_client, yearly_price):
    session = start_checkout(stripe_client, yearly_price.id)
    status, headers, body = get_page(session.url)
    assert status == 200
    assert body.startswith("<!doctype html>") and '<html lang="en">' in body
    assert body.count("<h1") == 1 and body.count("<main") == 1
    for field in ("card_number", "expiry", "cvc"):
        assert f'<label for="{field}">' in body and f'id="{field}"' in body
    assert "Card number" in body and "per year" in body and "ada@example.org" in body
    assert "test cards only" in body and "4242 4242 4242 4242" in body
    external = [
        url
        for url in re.findall(r'(?:src|href)="([^"]+)"', body)
        if url.startswith("http") and not url.startswith(APP)
    ]
    assert external == []
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert get_page(session.url.replace(session.id, "cs_test_missing"))[0] == 404


def test_objects_carry_exactly_the_fields_stripe_s_objects_carry(
    stripe_client, yearly_price, state
):
    examples = json.loads(FIXTURES.read_text())["resources"]
    session = start_checkout(stripe_client, yearly_price.id)
    pay(session)
    done = state.retrieve("checkout_sessions", session.id)
    sub = state.retrieve("subscriptions", done["subscription"])
    invoice = state.retrieve("invoices", done["invoice"])
    payments = state.retrieve("invoices", done["invoice"], ["payments"])["payments"]
    charge = state.list_charges({})["data"][0]
    dispute = state.create_dispute(charge["id"])
    refund = state.create_refund({"charge": charge["id"], "amount": 1})
    portal = state.create_portal_session({"customer": done["customer"]})
    objects = {
        "checkout.session": done,
        "item": state.list_checkout_line_items(session.id, {})["data"][0],
        "subscription": sub,
        "subscription_item": sub["items"]["data"][0],
        "plan": sub["items"]["data"][0]["plan"],
        "invoice": invoice,
        "line_item": invoice["lines"]["data"][0],
        "invoice_payment": payments["data"][0],
        "customer": state.retrieve("customers", done["customer"]),
        "price": state.retrieve("prices", yearly_price.id),
        "product": state.retrieve("products", yearly_price.product),
        "payment_intent": state.list_payment_intents({})["data"][0],
        "charge": charge,
        "refund": refund,
        "dispute": dispute,
        "billing_portal.session": portal,
        "deleted_customer": state.delete_customer(done["customer"]),
        "event": state.events[-1],
    }
    assert set(objects) == set(examples)
    for kind, obj in objects.items():
        extra = sorted(set(obj) - set(examples[kind]))
        missing = sorted(set(examples[kind]) - set(obj))
        assert (extra, missing) == ([], []), f"{kind}: extra fields {extra}, missing {missing}"
    assert "current_period_end" not in sub
    assert "charge" not in invoice and "payment_intent" not in invoice
