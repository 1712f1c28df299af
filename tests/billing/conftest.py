"""Billing fixtures: a served Stripe sandbox whose webhooks go to the app under test.

Deliveries are queued (``auto_deliver=False``) and sent when a test calls
``sandbox.deliver_pending()``, from the test's own thread, through the Flask test client.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from app.billing import services as billing
from devstack.stripe_sandbox import SandboxState, serve_in_thread

WEBHOOK_URL = "http://kindred.test/stripe/webhook"


@pytest.fixture
def sandbox(app) -> Iterator[SandboxState]:
    client = app.test_client()

    def deliver(url: str, payload: bytes, headers: dict[str, str]) -> int:
        return client.post(urlsplit(url).path, data=payload, headers=headers).status_code

    state = SandboxState(
        deliver=deliver, auto_deliver=False, secret_key=app.config["STRIPE_SECRET_KEY"]
    )
    state.add_webhook_endpoint(WEBHOOK_URL, app.config["STRIPE_WEBHOOK_SECRET"])
    server, base_url = serve_in_thread(state)
    app.config["STRIPE_API_BASE"] = base_url
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def catalog(session, sandbox) -> dict:
    """The membership Product and yearly Price, created in the sandbox."""
    price, _ = billing.membership_price(create=True)
    return price
