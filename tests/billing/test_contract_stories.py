"""The contract suite's stories (``contract/``), run against the local sandbox here, so
the checks the real-Stripe run makes are known to work and the sandbox known to agree."""

from __future__ import annotations

from contract import stories


def sandbox_pages(app) -> stories.HostedPages:
    base = app.config["STRIPE_API_BASE"]
    return stories.HostedPages(checkout=f"{base}/checkout/", portal=f"{base}/portal/")


def test_checkout_portal_and_email_in_the_sandbox(app, session, sandbox):
    customer_id = stories.checkout_and_portal(sandbox_pages(app), "ada@example.org")
    account_id = int(sandbox.retrieve("customers", customer_id)["metadata"]["kindred_account_id"])
    stories.email_change_reaches_the_customer(customer_id, account_id, "ada.new@example.org")


def test_the_sandbox_refuses_a_key_it_never_issued(session, sandbox):
    stories.a_wrong_key_is_refused()
