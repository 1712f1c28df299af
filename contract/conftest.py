"""Fixtures for the contract suite: the suite's own ``app`` and ``session``, with the app
pointed at Stripe's real test mode.  Without a test-mode key every test fails with a clear
message: this suite is run on purpose, so a missing key is an error, never a skip."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from app.billing import stripe_api
from app.billing.models import BillingCustomer
from tests.conftest import app, engine, make_app, session  # noqa: F401 - fixtures

KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")


@pytest.fixture
def real_stripe(app, session):  # noqa: F811 - the imported fixtures
    if not KEY.startswith("sk_test_"):
        pytest.fail(
            "The contract suite talks to Stripe's test mode: set STRIPE_TEST_SECRET_KEY to a "
            "test-mode secret key (sk_test_...).",
            pytrace=False,
        )
    app.config.update(STRIPE_SECRET_KEY=KEY, STRIPE_API_BASE=None, STRIPE_MAX_NETWORK_RETRIES=2)
    yield stripe_api.client()
    for customer in session.scalars(select(BillingCustomer)):
        stripe_api.client().v1.customers.delete(customer.stripe_customer_id)
