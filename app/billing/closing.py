"""Closing an account's billing at Stripe when the account is deleted.

Every subscription Stripe could still charge is cancelled at once, and the Stripe
customer is deleted, so Stripe no longer holds the email address Kindred gave it.
Kindred's own paid invoices stay, without the account (the law requires the books; see
``app.billing.personal_data``). If Stripe cannot be reached, ``BillingError`` is raised
before anything is deleted, so the person can simply try again.
"""

from __future__ import annotations

import stripe

from app.accounts.models import Account
from app.billing import stripe_api
from app.billing.services import BillingError, customer_for, hold_billing_lock

UNREACHABLE = (
    "We could not reach our payment provider to close your billing there, so nothing has "
    "been deleted. Please try again in a few minutes."
)
# Every status in which Stripe may still charge, now or later.
CANCELLABLE = frozenset({"active", "trialing", "past_due", "unpaid", "incomplete", "paused"})


def close_billing(account: Account) -> list[str]:
    """Cancel the account's subscriptions at Stripe and delete its Stripe customer.

    Stripe's own list is the truth, so a subscription a webhook has not told Kindred
    about yet is cancelled too. Returns the ids of the subscriptions cancelled. Objects
    Stripe no longer knows count as closed; any other failure raises ``BillingError``.
    """
    customer = customer_for(account)
    if customer is None:
        return []
    hold_billing_lock(account)
    api = stripe_api.client()
    cancelled = []
    try:
        subscriptions = api.v1.subscriptions.list(
            {"customer": customer.stripe_customer_id, "status": "all", "limit": 100}
        )
        for subscription in subscriptions.auto_paging_iter():
            if subscription.status in CANCELLABLE and _gone_or_done(
                api.v1.subscriptions.cancel, subscription.id
            ):
                cancelled.append(subscription.id)
        _gone_or_done(api.v1.customers.delete, customer.stripe_customer_id)
    except stripe.StripeError as error:
        raise BillingError(UNREACHABLE) from error
    return cancelled


def _gone_or_done(call, object_id: str) -> bool:
    """Call ``call(object_id)``; False when Stripe says the object is already gone."""
    try:
        call(object_id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return False
        raise
    return True
