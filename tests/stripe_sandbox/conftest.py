"""Fixtures for the Stripe sandbox tests: a served sandbox, a stripe client, a webhook inbox."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import stripe

from devstack.stripe_sandbox import SANDBOX_SECRET_KEY, SandboxState, serve_in_thread

WEBHOOK_URL = "http://kindred.test/stripe/webhook"
WEBHOOK_SECRET = "whsec_sandbox_tests"
APP = "http://127.0.0.1:5000"


@dataclass
class Inbox:
    """Records deliveries; answers with ``status`` (change it to simulate an outage)."""

    status: int = 200
    received: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def __call__(self, url: str, payload: bytes, headers: dict[str, str]) -> int:
        self.received.append((url, payload, headers))
        return self.status

    @property
    def types(self) -> list[str]:
        return [json.loads(payload)["type"] for _, payload, _ in self.received]


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def state(inbox: Inbox) -> SandboxState:
    sandbox = SandboxState(deliver=inbox)
    sandbox.add_webhook_endpoint(WEBHOOK_URL, WEBHOOK_SECRET)
    return sandbox


@pytest.fixture
def base_url(state: SandboxState) -> Iterator[str]:
    server, url = serve_in_thread(state)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def stripe_client(base_url: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        SANDBOX_SECRET_KEY, base_addresses={"api": base_url}, max_network_retries=0
    )


@pytest.fixture
def yearly_price(stripe_client: stripe.StripeClient) -> stripe.Price:
    product = stripe_client.v1.products.create(params={"name": "Kindred membership"})
    return stripe_client.v1.prices.create(
        params={
            "product": product.id,
            "unit_amount": 6000,
            "currency": "usd",
            "recurring": {"interval": "year"},
            "lookup_key": "kindred_yearly",
        }
    )


def start_checkout(client: stripe.StripeClient, price_id: str, **extra) -> stripe.checkout.Session:
    params = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "customer_email": "ada@example.org",
        "success_url": f"{APP}/membership/welcome?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{APP}/membership",
        **extra,
    }
    return client.v1.checkout.sessions.create(params=params)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_form(url: str, fields: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """POST a form without following redirects; returns (status, headers, body)."""
    data = urllib.parse.urlencode(fields).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data, method="POST")) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def get_page(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def pay(session: stripe.checkout.Session, card: str = "4242 4242 4242 4242"):
    """Submit the hosted checkout form with a test card."""
    return post_form(session.url, {"card_number": card, "expiry": "12 / 34", "cvc": "123"})
