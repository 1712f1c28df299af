"""Closing billing for a deleted account: nothing more is charged, Stripe forgets the email."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.billing import stripe_api
from app.billing.closing import UNREACHABLE, close_billing
from app.billing.models import BillingCustomer, Subscription
from app.billing.services import BillingError
from tests.helpers import make_account, make_paid_member


def _ids(session):
    return (
        session.scalar(select(Subscription.stripe_subscription_id)),
        session.scalar(select(BillingCustomer.stripe_customer_id)),
    )


def test_a_paying_members_subscription_is_cancelled_and_customer_deleted(session, sandbox):
    ada = make_paid_member(sandbox)
    subscription_id, customer_id = _ids(session)
    assert close_billing(ada) == [subscription_id]
    api = stripe_api.client()
    remote = api.v1.subscriptions.retrieve(subscription_id)
    assert remote.status == "canceled"
    assert getattr(api.v1.customers.retrieve(customer_id), "deleted", False)


def test_a_subscription_set_to_cancel_later_is_cancelled_now(session, sandbox):
    ada = make_paid_member(sandbox)
    subscription_id, _ = _ids(session)
    stripe_api.client().v1.subscriptions.update(subscription_id, {"cancel_at_period_end": True})
    assert close_billing(ada) == [subscription_id]
    assert stripe_api.client().v1.subscriptions.retrieve(subscription_id).status == "canceled"


def test_a_subscription_already_over_is_left_alone(session, sandbox):
    ada = make_paid_member(sandbox)
    subscription_id, customer_id = _ids(session)
    stripe_api.client().v1.subscriptions.cancel(subscription_id)
    assert close_billing(ada) == []
    assert getattr(stripe_api.client().v1.customers.retrieve(customer_id), "deleted", False)


def test_a_customer_stripe_already_deleted_counts_as_closed(session, sandbox):
    ada = make_paid_member(sandbox)
    _, customer_id = _ids(session)
    stripe_api.client().v1.customers.delete(customer_id)
    assert close_billing(ada) == []


def test_an_account_that_never_paid_has_nothing_to_close(session, sandbox):
    assert close_billing(make_account("bea")) == []
    assert stripe_api.client().v1.customers.list({"limit": 10}).data == []


def test_stripe_out_of_reach_is_a_clear_refusal(app, session, sandbox):
    ada = make_paid_member(sandbox)
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    with pytest.raises(BillingError) as refusal:
        close_billing(ada)
    assert refusal.value.message == UNREACHABLE
