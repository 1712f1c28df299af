"""Kindred against Stripe's real test mode (see ``contract/__init__.py`` for how to run it).

It creates a customer, finds or creates the membership Price, opens a Checkout Session and a
Billing Portal session, reads them back, changes the customer's email and deletes the
customer again.  The Billing Portal needs its default configuration saved once in the
Dashboard (test mode).
"""

from __future__ import annotations

from contract import stories

STRIPE = stories.HostedPages(
    checkout="https://checkout.stripe.com/", portal="https://billing.stripe.com/"
)


def test_checkout_portal_and_email_in_stripe_test_mode(real_stripe, session):
    customer_id = stories.checkout_and_portal(STRIPE, "ada-contract-test@example.org")
    account_id = real_stripe.v1.customers.retrieve(customer_id).metadata["kindred_account_id"]
    stories.email_change_reaches_the_customer(
        customer_id, int(account_id), "ada-contract-test+changed@example.org"
    )


def test_stripe_refuses_a_key_it_never_issued(real_stripe):
    stories.a_wrong_key_is_refused()
