"""A confirmed email change reaches the member's Stripe customer at once, so receipts follow
them; if Stripe cannot be told then, reconcile brings it up to date."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from app.billing.models import BillingCustomer
from tests.helpers import links_in, make_paid_member


def confirm_new_address(client, mail, email: str):
    client.post(
        "/settings/email", data={"email": email, "password": "correct horse battery staple"}
    )
    link = urlsplit(links_in(mail[-1])[0])
    return client.post(link.path, follow_redirects=True)


def customer_email(session, sandbox) -> str:
    customer_id = session.scalar(select(BillingCustomer.stripe_customer_id))
    return sandbox.retrieve("customers", customer_id)["email"]


def test_a_confirmed_email_change_reaches_stripe_at_once(
    client, auth, session, mail, sandbox, catalog
):
    make_paid_member(sandbox)
    auth.login()

    response = confirm_new_address(client, mail, "ada.new@example.org")

    assert "Your email address is changed." in response.get_data(as_text=True)
    assert customer_email(session, sandbox) == "ada.new@example.org"


def test_stripe_out_of_reach_does_not_stop_the_change_and_reconcile_repairs_it(
    app, client, auth, runner, session, mail, sandbox, catalog, caplog
):
    make_paid_member(sandbox)
    auth.login()
    sandbox.fail_requests(503)

    response = confirm_new_address(client, mail, "ada.new@example.org")

    assert "Your email address is changed." in response.get_data(as_text=True)
    assert customer_email(session, sandbox) == "ada@example.org"
    assert "reconcile will" in caplog.text

    result = runner.invoke(args=["billing", "reconcile"])

    assert "@ada: Stripe customer's email brought up to date" in result.stdout
    assert customer_email(session, sandbox) == "ada.new@example.org"
    assert runner.invoke(args=["billing", "reconcile"]).stdout == "Reconciled: 0 changes.\n"


def test_an_account_without_a_stripe_customer_changes_email_without_stripe(
    client, auth, session, mail
):
    from tests.helpers import make_account

    make_account("ada")
    auth.login()
    response = confirm_new_address(client, mail, "ada.new@example.org")
    assert "Your email address is changed." in response.get_data(as_text=True)
