"""The live app and the Stripe sandbox reach each other, as payment journeys need."""

from __future__ import annotations

from collections.abc import Callable

from tests.browser.helpers import LiveServer, StripeSandbox


def test_sandbox_delivers_signed_webhooks_to_the_live_app(
    live_server_factory: Callable[..., LiveServer], stripe_sandbox: StripeSandbox
):
    live = live_server_factory(stripe_sandbox=stripe_sandbox)
    assert live.app.config["STRIPE_API_BASE"] == stripe_sandbox.url
    assert stripe_sandbox.url in live.app.config["CSP_FORM_ACTION"]

    stripe_sandbox.state.create_customer({"email": "ada@example.org"})

    assert [event["type"] for event in stripe_sandbox.state.events] == ["customer.created"]
    assert stripe_sandbox.state.pending_deliveries() == []
