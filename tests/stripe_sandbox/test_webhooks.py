"""Webhook signing, delivery, retries, manual delivery and persistence."""

from __future__ import annotations

import json

import stripe

from devstack.stripe_sandbox import SandboxState

from .conftest import WEBHOOK_SECRET, WEBHOOK_URL, Inbox

PARAMS = {"email": "ada@example.org"}


def test_deliveries_are_signed_so_construct_event_accepts_them(state, inbox):
    state.create_customer(PARAMS)
    url, payload, headers = inbox.received[-1]
    assert url == WEBHOOK_URL
    event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], WEBHOOK_SECRET)
    assert event.type == "customer.created"
    assert event.api_version == "2026-10-28.endive"
    assert event.data.object.email == "ada@example.org"
    assert event.livemode is False and event.id.startswith("evt_")


def test_failed_deliveries_are_kept_and_retried(state, inbox):
    inbox.status = 500
    state.create_customer(PARAMS)
    assert [d["attempts"] for d in state.pending_deliveries()] == [1]
    inbox.status = 200
    assert state.deliver_pending() == 1
    assert state.pending_deliveries() == []
    assert inbox.types == ["customer.created", "customer.created"]


def test_unreachable_endpoints_count_as_failures(inbox):
    def refuse(url, payload, headers):
        raise ConnectionRefusedError

    sandbox = SandboxState(deliver=refuse)
    sandbox.add_webhook_endpoint(WEBHOOK_URL, WEBHOOK_SECRET)
    sandbox.create_customer(PARAMS)
    assert sandbox.pending_deliveries()[0]["last_status"] == 0


def test_manual_delivery_lets_tests_replay_events_out_of_order():
    inbox = Inbox()
    sandbox = SandboxState(deliver=inbox, auto_deliver=False)
    sandbox.add_webhook_endpoint(WEBHOOK_URL, WEBHOOK_SECRET)
    customer = sandbox.create_customer(PARAMS)
    sandbox.update_customer(customer["id"], {"email": "new@example.org"})
    assert inbox.received == []
    assert [d["type"] for d in sandbox.pending_deliveries()] == [
        "customer.created",
        "customer.updated",
    ]
    updated = sandbox.events[-1]
    assert updated["data"]["previous_attributes"] == {"email": "ada@example.org"}
    assert sandbox.deliver_pending() == 2


def test_receivers_may_call_back_into_the_sandbox_while_handling_an_event():
    seen = []

    def handler(url, payload, headers):
        event = json.loads(payload)
        # The lock is not held during delivery, so reading state here must not deadlock.
        seen.append(sandbox.retrieve("customers", event["data"]["object"]["id"])["email"])
        return 200

    sandbox = SandboxState(deliver=handler)
    sandbox.add_webhook_endpoint(WEBHOOK_URL, WEBHOOK_SECRET)
    sandbox.create_customer(PARAMS)
    assert seen == ["ada@example.org"]


def test_state_survives_a_restart_through_the_json_file(tmp_path):
    path = tmp_path / "sandbox.json"
    first = SandboxState(data_path=path, auto_deliver=False)
    customer = first.create_customer(PARAMS)
    first.advance(86400)
    second = SandboxState(data_path=path, auto_deliver=False)
    assert second.retrieve("customers", customer["id"])["email"] == "ada@example.org"
    assert second.now() >= first.now() - 1
    assert [e["type"] for e in second.events] == ["customer.created"]
