"""Contract test against Stripe's real test mode: the calls Kindred makes, as Stripe answers.

Runs only when ``STRIPE_TEST_SECRET_KEY`` holds a Stripe test-mode key (``sk_test_...``).
It creates a customer, finds or creates the membership Price, opens a Checkout Session and
a Billing Portal session, reads them back, and deletes the customer again.  The Billing
Portal needs its default configuration saved once in the Dashboard (test mode).
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from app.billing import services as billing
from app.billing import stripe_api
from app.billing.models import BillingCustomer
from tests.helpers import make_account

KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")

pytestmark = pytest.mark.skipif(
    not KEY.startswith("sk_test_"),
    reason="STRIPE_TEST_SECRET_KEY is not set to a Stripe test-mode key (sk_test_...)",
)


@pytest.fixture
def real_stripe(app, session):
    app.config.update(STRIPE_SECRET_KEY=KEY, STRIPE_API_BASE=None, STRIPE_MAX_NETWORK_RETRIES=2)
    yield stripe_api.client()
    for customer in session.scalars(select(BillingCustomer)):
        stripe_api.client().v1.customers.delete(customer.stripe_customer_id)


def test_checkout_and_portal_sessions_in_stripe_test_mode(real_stripe, session):
    price, _ = billing.membership_price(create=True)
    assert price["lookup_key"] == billing.LOOKUP_KEY
    assert price["recurring"]["interval"] == "year"
    ada = make_account("ada", email="ada-contract-test@example.org")

    url = billing.start_checkout(ada, "https://kindred.test/welcome", "https://kindred.test/cancel")

    assert url.startswith("https://checkout.stripe.com/")
    customer_id = billing.customer_for(ada).stripe_customer_id
    customer = real_stripe.v1.customers.retrieve(customer_id)
    assert customer.email == "ada-contract-test@example.org"
    assert customer.name is None
    assert dict(customer.metadata) == {"kindred_account_id": str(ada.id)}
    sessions = real_stripe.v1.checkout.sessions.list({"customer": customer_id}).data
    assert sessions[0].mode == "subscription"
    assert sessions[0].client_reference_id == str(ada.id)
    assert billing.confirm_checkout(ada, sessions[0].id) is False

    portal = billing.billing_portal_url(ada, "https://kindred.test/membership")
    assert portal.startswith("https://billing.stripe.com/")
