"""What Kindred does with Stripe, as stories that hold for real Stripe and for the sandbox.

Each story takes the hosted pages' origins it expects, since only those differ.  They need an
app context whose config points at the Stripe to check, and the database session of the
test.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.billing import services as billing
from app.billing import stripe_api
from tests.helpers import make_account


@dataclass(frozen=True)
class HostedPages:
    checkout: str
    portal: str


def checkout_and_portal(hosted: HostedPages, email: str) -> str:
    """Find or create the yearly Price, open a Checkout Session and a Billing Portal
    session, and read them back; returns the Stripe customer id made on the way."""
    api = stripe_api.client()
    price, _ = billing.membership_price(create=True)
    assert price["lookup_key"] == billing.LOOKUP_KEY
    assert price["recurring"]["interval"] == "year"
    ada = make_account("ada", email=email)

    url = billing.start_checkout(ada, "https://kindred.test/welcome", "https://kindred.test/cancel")

    assert url.startswith(hosted.checkout)
    customer_id = billing.customer_for(ada).stripe_customer_id
    customer = api.v1.customers.retrieve(customer_id)
    assert customer.email == email
    assert customer.name is None
    assert customer.metadata.to_dict() == {"kindred_account_id": str(ada.id)}
    sessions = api.v1.checkout.sessions.list({"customer": customer_id}).data
    assert sessions[0].mode == "subscription"
    assert sessions[0].client_reference_id == str(ada.id)
    assert billing.confirm_checkout(ada, sessions[0].id) is False

    # Kindred offers the Billing Portal only to someone who has paid; Stripe's side of it
    # is the same session either way.
    try:
        billing.billing_portal_url(ada, "https://kindred.test/membership")
    except billing.BillingError:
        pass
    else:
        raise AssertionError("the portal was offered to someone who never paid")
    portal = api.v1.billing_portal.sessions.create(
        {"customer": customer_id, "return_url": "https://kindred.test/membership"}
    )
    assert portal.url.startswith(hosted.portal)
    return customer_id


def email_change_reaches_the_customer(customer_id: str, account_id: int, email: str) -> None:
    """A changed email address is given to the customer at once."""
    from app.accounts.models import Account
    from app.db import db

    account = db.session.get(Account, account_id)
    account.email = email
    assert billing.update_customer_email(account) is True
    assert stripe_api.client().v1.customers.retrieve(customer_id).email == email


def a_wrong_key_is_refused() -> None:
    """A key Stripe does not know is a 401 authentication error, which Kindred shows as
    "try again later" and never mistakes for a missing object."""
    import stripe
    from flask import current_app

    config = current_app.config
    stranger = stripe.StripeClient(
        "sk_test_" + "0" * 24,
        base_addresses={"api": config["STRIPE_API_BASE"]} if config["STRIPE_API_BASE"] else {},
        max_network_retries=0,
    )
    try:
        stranger.v1.customers.list({"limit": 1})
    except stripe.AuthenticationError as error:
        assert error.http_status == 401
        assert not stripe_api.is_unreachable(error) and not stripe_api.is_busy(error)
    else:
        raise AssertionError("Stripe accepted a key it never issued")
