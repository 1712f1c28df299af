"""``flask billing sync-catalog`` and ``flask billing reconcile``, and ``make run``'s sandbox."""

from __future__ import annotations

import socket
import urllib.request

from sqlalchemy import select

from app.billing import services as billing
from app.billing.models import Invoice, Subscription
from app.memberships.services import current_membership
from devstack import sandbox as devstack_sandbox
from tests.helpers import make_paid_member, sandbox_time


def membership_products(sandbox) -> list[dict]:
    products = sandbox.list_products({})["data"]
    return [p for p in products if p["metadata"].get("kindred") == "kindred_membership"]


def test_sync_catalog_creates_the_yearly_price_once(runner, session, sandbox):
    first = runner.invoke(args=["billing", "sync-catalog"])
    second = runner.invoke(args=["billing", "sync-catalog"])

    assert first.exit_code == second.exit_code == 0
    assert first.stdout.startswith("Created price ")
    assert "25.00 USD a year" in first.stdout
    assert second.stdout.startswith("Found price ")
    assert "Sponsored seat price" in first.stdout
    prices = sandbox.list_prices({"lookup_keys": [billing.LOOKUP_KEY]})["data"]
    assert len(prices) == 1
    assert (prices[0]["unit_amount"], prices[0]["recurring"]["interval"]) == (2500, "year")
    assert len(membership_products(sandbox)) == 1


def test_sync_catalog_moves_the_lookup_key_to_a_new_price(app, runner, session, sandbox):
    runner.invoke(args=["billing", "sync-catalog"])
    app.config["MEMBERSHIP_PRICE_CENTS"] = 3000

    result = runner.invoke(args=["billing", "sync-catalog"])

    assert result.stdout.startswith("Created price ")
    current = sandbox.list_prices({"lookup_keys": [billing.LOOKUP_KEY]})["data"]
    assert [price["unit_amount"] for price in current] == [3000]
    assert len(membership_products(sandbox)) == 1


def test_reconcile_repairs_a_membership_whose_webhooks_never_arrived(
    runner, session, sandbox, catalog
):
    ada = make_paid_member(sandbox, deliver=False)
    assert current_membership(ada) is None

    result = runner.invoke(args=["billing", "reconcile"])

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("@ada: subscription sub_")
    assert "unknown → active until" in lines[0]
    assert lines[1] == "@ada: recorded paid invoice SBX-0001"
    assert lines[-1] == "Reconciled: 2 changes."
    session.expire_all()
    assert current_membership(ada, sandbox_time(sandbox)).kind == "paid"
    assert session.scalar(select(Invoice)).amount_paid == 2500


def test_reconcile_notices_a_cancellation_and_then_has_nothing_to_do(
    runner, session, sandbox, catalog
):
    ada = make_paid_member(sandbox)
    sub_id = session.scalar(select(Subscription.stripe_subscription_id))
    sandbox.cancel_subscription(sub_id)

    first = runner.invoke(args=["billing", "reconcile"])
    second = runner.invoke(args=["billing", "reconcile"])

    assert "active until" in first.stdout
    assert "→ canceled until" in first.stdout
    assert second.stdout == "Reconciled: 0 changes.\n"
    session.expire_all()
    assert current_membership(ada, sandbox_time(sandbox)) is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_starts_the_sandbox_with_the_catalog(app, tmp_path):
    port = _free_port()
    app.instance_path = str(tmp_path)
    app.config.update(
        STRIPE_API_BASE=f"http://127.0.0.1:{port}",
        STRIPE_SECRET_KEY="sk_test_kindred_sandbox",
        DEV_SERVER_PORT=5123,
    )
    server = devstack_sandbox.start_local_sandbox(app)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/prices?lookup_keys[]={billing.LOOKUP_KEY}",
            headers={"Authorization": "Bearer sk_test_kindred_sandbox"},
        )
        with urllib.request.urlopen(request) as response:
            assert billing.LOOKUP_KEY in response.read().decode()
        assert (tmp_path / "stripe-sandbox.json").exists()
    finally:
        server.shutdown()
        server.server_close()


def test_make_run_leaves_real_stripe_alone(app):
    app.config.update(STRIPE_API_BASE=None, STRIPE_SECRET_KEY="sk_test_kindred_sandbox")
    assert devstack_sandbox.start_local_sandbox(app) is None
    app.config.update(
        STRIPE_API_BASE="http://127.0.0.1:12111", STRIPE_SECRET_KEY="sk_test_51RealKeyFromStripe"
    )
    assert devstack_sandbox.start_local_sandbox(app) is None
    app.config.update(
        STRIPE_API_BASE="https://api.example.org", STRIPE_SECRET_KEY="sk_test_kindred_sandbox"
    )
    assert devstack_sandbox.start_local_sandbox(app) is None


def test_reconcile_forgets_a_customer_deleted_at_stripe(runner, session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    customer_id = session.scalar(select(Subscription.stripe_customer_id))
    sandbox.delete_customer(customer_id)

    result = runner.invoke(args=["billing", "reconcile"])

    assert result.stdout.splitlines()[0] == (
        f"@ada: Stripe customer {customer_id} was deleted; forgotten, 1 subscription(s) ended"
    )
    session.expire_all()
    assert billing.customer_for(ada) is None
    assert session.scalar(select(Subscription)).status == "canceled"


def test_sync_catalog_reuses_the_membership_product(runner, session, sandbox):
    sandbox.create_product({"name": "Stickers"})
    product = sandbox.create_product(
        {"name": "Kindred membership", "metadata": {"kindred": "kindred_membership"}}
    )

    runner.invoke(args=["billing", "sync-catalog"])

    [price] = sandbox.list_prices({"lookup_keys": [billing.LOOKUP_KEY]})["data"]
    assert price["product"] == product["id"]
    # Stickers, the membership and the sponsored seat (app.seats).
    assert len(sandbox.list_products({})["data"]) == 3
    assert [p["id"] for p in membership_products(sandbox)] == [product["id"]]
