"""Becoming a member: the button, Stripe Checkout, the way back, and managing billing."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app import create_app
from app.billing import services as billing
from app.billing.models import BillingCustomer, Invoice, Subscription
from app.db import utcnow
from app.memberships.services import current_membership
from app.pagination import PAGE_SIZE
from devstack.stripe_sandbox.cards import read_card
from tests.helpers import (
    checkout_session_id,
    make_account,
    make_member,
    make_paid_member,
    sandbox_time,
)


def start(client, auth, handle: str = "ada"):
    auth.login(handle)
    return client.post("/membership/checkout")


def pay(sandbox, response) -> str:
    session_id = checkout_session_id(response.headers["Location"])
    sandbox.complete_checkout(session_id, read_card("4242424242424242", "12 / 34", "123"))
    return session_id


def test_account_without_membership_is_offered_it_at_the_configured_price(
    app, client, auth, session
):
    app.config.update(MEMBERSHIP_PRICE_CENTS=3000, MEMBERSHIP_CURRENCY="eur")
    make_account("ada")
    auth.login()
    page = client.get("/membership").get_data(as_text=True)
    assert "You are not a member yet" in page
    assert "Become a member — €30 a year" in page
    assert "stripe.com" not in page


def test_becoming_a_member_redirects_to_stripe_checkout(client, auth, session, sandbox, catalog):
    ada = make_account("ada")
    response = start(client, auth)

    assert response.status_code == 303
    checkout = sandbox.retrieve("checkout_sessions", checkout_session_id(response.location))
    assert response.location == checkout["url"]
    assert checkout["mode"] == "subscription"
    assert checkout["client_reference_id"] == str(ada.id)
    assert checkout["cancel_url"] == "http://localhost/membership/cancelled"
    success = urlsplit(checkout["success_url"])
    assert success.path == "/membership/welcome"
    assert parse_qs(success.query)["session_id"] == [checkout["id"]]
    lines = sandbox.list_checkout_line_items(checkout["id"], {})["data"]
    assert [(line["price"]["id"], line["quantity"]) for line in lines] == [(catalog["id"], 1)]


def test_stripe_learns_only_the_email_and_the_account_id(client, auth, session, sandbox, catalog):
    ada = make_account("ada", display_name="Ada Lovelace")
    response = start(client, auth)
    pay(sandbox, response)

    customer_id = session.scalar(select(BillingCustomer.stripe_customer_id))
    customer = sandbox.retrieve("customers", customer_id)
    assert (customer["email"], customer["name"]) == ("ada@example.org", None)
    assert customer["metadata"] == {"kindred_account_id": str(ada.id)}
    subscription = sandbox.list_subscriptions({"customer": customer_id})["data"][0]
    assert subscription["metadata"] == {"kindred_account_id": str(ada.id)}
    assert "Lovelace" not in str(sandbox.events)
    assert "@ada" not in str(sandbox.events)


def test_the_same_customer_is_reused_and_follows_email_changes(
    client, auth, session, sandbox, catalog
):
    ada = make_account("ada")
    start(client, auth)
    ada.email = "ada@new.example.org"
    session.commit()
    client.post("/logout")
    start(client, auth)

    customers = session.scalars(select(BillingCustomer)).all()
    assert len(customers) == 1
    assert sandbox.retrieve("customers", customers[0].stripe_customer_id)["email"] == (
        "ada@new.example.org"
    )


def test_unverified_account_cannot_start_checkout(session, sandbox, catalog):
    ada = make_account("ada", verified=False)
    with pytest.raises(billing.BillingError, match="Please confirm your email address"):
        billing.start_checkout(ada, "http://localhost/welcome", "http://localhost/cancelled")
    assert session.scalar(select(BillingCustomer)) is None
    assert sandbox.list_customers({})["data"] == []


def test_member_cannot_start_a_second_subscription(client, auth, session, sandbox, catalog):
    make_paid_member(sandbox)
    auth.login()
    sessions_before = len(sandbox.list_checkout_sessions({})["data"])

    response = client.post("/membership/checkout", follow_redirects=True)

    assert "You already have a paid membership" in response.get_data(as_text=True)
    assert len(sandbox.list_checkout_sessions({})["data"]) == sessions_before


def test_starting_checkout_again_expires_the_earlier_one(client, auth, session, sandbox, catalog):
    make_account("ada")
    first = checkout_session_id(start(client, auth).location)
    second = checkout_session_id(client.post("/membership/checkout").location)

    assert sandbox.retrieve("checkout_sessions", first)["status"] == "expired"
    assert sandbox.retrieve("checkout_sessions", second)["status"] == "open"


def test_second_checkout_is_refused_even_before_the_webhook_arrives(
    client, auth, session, sandbox, catalog
):
    make_paid_member(sandbox, deliver=False)
    auth.login()
    response = client.post("/membership/checkout", follow_redirects=True)
    assert "You already have a paid membership" in response.get_data(as_text=True)
    assert session.scalar(select(Subscription)).status == "active"


def test_checkout_before_the_catalog_exists_says_so(client, auth, session, sandbox):
    make_account("ada")
    auth.login()
    response = client.post("/membership/checkout", follow_redirects=True)
    assert "Memberships are not on sale just now" in response.get_data(as_text=True)
    assert session.scalar(select(BillingCustomer)) is None


def test_checkout_while_stripe_is_unreachable_changes_nothing(app, client, auth, session):
    make_account("ada")
    auth.login()
    response = client.post("/membership/checkout", follow_redirects=True)
    assert "could not reach our payment provider" in response.get_data(as_text=True)
    assert session.scalar(select(BillingCustomer)) is None


def test_back_from_checkout_before_the_webhook_is_already_a_member(
    client, auth, session, sandbox, catalog
):
    ada = make_account("ada")
    session_id = pay(sandbox, start(client, auth))

    page = client.get(f"/membership/welcome?session_id={session_id}").get_data(as_text=True)

    assert "Welcome, member" in page
    assert current_membership(ada).kind == "paid"
    sandbox.deliver_pending()
    assert len(session.scalars(select(Subscription)).all()) == 1


def test_back_from_checkout_with_someone_elses_session_is_not_a_member(
    client, auth, session, sandbox, catalog
):
    make_account("ada")
    session_id = pay(sandbox, start(client, auth))
    client.post("/logout")
    grace = make_account("grace")
    auth.login("grace@example.org")

    page = client.get(f"/membership/welcome?session_id={session_id}").get_data(as_text=True)

    assert "Almost there" in page
    assert current_membership(grace) is None


def test_back_from_an_unpaid_checkout_is_not_a_member(client, auth, session, sandbox, catalog):
    ada = make_account("ada")
    session_id = checkout_session_id(start(client, auth).location)
    page = client.get(f"/membership/welcome?session_id={session_id}").get_data(as_text=True)
    assert "Almost there" in page
    assert current_membership(ada) is None


def test_cancelling_checkout_lands_on_a_friendly_page(client, auth, session):
    make_account("ada")
    auth.login()
    page = client.get("/membership/cancelled").get_data(as_text=True)
    assert "nothing was charged" in page
    assert 'action="/membership/checkout"' in page


def test_manage_billing_opens_the_billing_portal(client, auth, session, sandbox, catalog):
    make_paid_member(sandbox)
    auth.login()
    response = client.post("/membership/billing-portal")
    assert response.status_code == 303
    portal_id = response.location.rsplit("/", 1)[-1]
    portal = sandbox.retrieve("portal_sessions", portal_id)
    assert portal["return_url"] == "http://localhost/membership"
    assert portal["customer"] == session.scalar(select(BillingCustomer.stripe_customer_id))


def test_manage_billing_without_ever_paying_says_so(client, auth, session, sandbox):
    make_account("ada")
    auth.login()
    response = client.post("/membership/billing-portal", follow_redirects=True)
    assert "you have not paid for a membership" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/membership", "/membership/welcome", "/membership/cancelled"], ids=str
)
def test_membership_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.location


@pytest.mark.parametrize("path", ["/membership/checkout", "/membership/billing-portal"], ids=str)
def test_billing_actions_need_login(client, path):
    assert client.post(path).status_code == 302


def test_opening_checkout_without_paying_leaves_nothing_to_manage(
    client, auth, session, sandbox, catalog
):
    ada = make_account("ada")
    billing.start_checkout(
        ada, "http://localhost/membership/welcome", "http://localhost/membership"
    )
    session.commit()
    assert session.scalar(select(BillingCustomer.stripe_customer_id))  # Stripe knows her
    auth.login()
    page = client.get("/membership").get_data(as_text=True)
    assert "Manage billing" not in page
    assert "Become a member" in page
    response = client.post("/membership/billing-portal", follow_redirects=True)
    assert "you have not paid for a membership" in response.get_data(as_text=True)


# -- the membership page -------------------------------------------------------------------


def test_membership_page_shows_renewal_date_and_billing_history(
    client, auth, session, sandbox, catalog
):
    ada = make_paid_member(sandbox)
    auth.login()
    page = client.get("/membership").get_data(as_text=True)
    until = current_membership(ada).until
    assert f"renews on {until.strftime('%-d %B %Y')}" in page
    assert "SBX-0001" in page
    assert "$25" in page
    assert "Manage billing" in page
    assert "Become a member" not in page


def test_membership_page_shows_a_cancelled_membership_until_its_end(
    client, auth, session, sandbox, catalog
):
    make_paid_member(sandbox)
    sub = session.scalar(select(Subscription))
    sandbox.update_subscription(sub.stripe_subscription_id, {"cancel_at_period_end": True})
    sandbox.deliver_pending()
    auth.login()
    page = client.get("/membership").get_data(as_text=True)
    assert f"member until {sub.current_period_end.strftime('%-d %B %Y')}" in page


def test_membership_page_asks_past_due_members_to_update_their_card(
    client, auth, session, sandbox, catalog
):
    make_paid_member(sandbox)
    sub = session.scalar(select(Subscription))
    sandbox.fail_renewal(sub.stripe_subscription_id)
    sandbox.deliver_pending()
    auth.login()
    page = client.get("/membership").get_data(as_text=True)
    session.expire_all()
    sub = session.scalar(select(Subscription))
    grace_end = sub.past_due_since + timedelta(days=14)
    assert "Past due" in page
    assert "update your card" in page
    assert (
        "You stay a member for a grace period of 14 days from the failed payment, "
        f"until {grace_end.strftime('%-d %B %Y')}."
    ) in page
    assert f"Stripe tries your card again on {sub.next_payment_attempt.strftime('%-d %B %Y')}" in (
        page
    )


@pytest.mark.parametrize("status", [429, 500, 503], ids=str)
@pytest.mark.parametrize(
    "path", ["/membership/checkout", "/membership/billing-portal"], ids=["checkout", "portal"]
)
def test_stripe_busy_is_a_try_again_message_and_changes_nothing(
    client, auth, session, sandbox, catalog, path, status
):
    if path.endswith("portal"):
        make_paid_member(sandbox)
    else:
        make_account("ada")
    auth.login()
    sessions_before = len(sandbox.list_checkout_sessions({})["data"])
    customers_before = session.scalars(select(BillingCustomer.stripe_customer_id)).all()
    sandbox.fail_requests(status, count=10)

    response = client.post(path, follow_redirects=True)

    assert response.status_code == 200
    assert "Please try again in a minute." in response.get_data(as_text=True)
    while sandbox.take_outage() is not None:
        pass
    assert len(sandbox.list_checkout_sessions({})["data"]) == sessions_before
    assert session.scalars(select(BillingCustomer.stripe_customer_id)).all() == customers_before


def test_membership_page_shows_lapsed_members_how_to_rejoin(
    client, auth, session, sandbox, catalog
):
    ada = make_paid_member(sandbox)
    sandbox.cancel_subscription(session.scalar(select(Subscription)).stripe_subscription_id)
    sandbox.deliver_pending()
    assert current_membership(ada, sandbox_time(sandbox)) is None
    auth.login()
    page = client.get("/membership").get_data(as_text=True)
    assert "Lapsed" in page
    assert "export your data" in page
    assert "Become a member — $25 a year" in page
    assert "SBX-0001" in page


def test_membership_page_shows_a_complimentary_membership(client, auth, session):
    make_member("ada")
    auth.login()
    page = client.get("/membership").get_data(as_text=True)
    assert "complimentary membership with no end date" in page
    assert "Become a member" not in page
    assert "Manage billing" not in page


# -- content security policy ---------------------------------------------------------------


def test_form_action_allows_the_sandbox_when_it_is_the_api(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:9;" in csp


def test_form_action_allows_stripes_hosted_pages_with_real_stripe():
    app = create_app({"STRIPE_API_BASE": None, "DATABASE_URL": "sqlite://"})
    # /about: the home page reads the open books, and this database has no tables.
    csp = app.test_client().get("/about").headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com https://billing.stripe.com;" in csp
    assert "script-src 'self';" in csp


def test_long_billing_history_pages_without_skipping_or_repeating(client, auth, session):
    ada = make_account("ada")
    start = utcnow() - timedelta(days=400 * (PAGE_SIZE + 5))
    for year in range(PAGE_SIZE + 5):
        session.add(
            Invoice(
                stripe_invoice_id=f"in_{year}",
                account_id=ada.id,
                number=f"KIN-{year:04d}",
                status="paid",
                amount_paid=2500,
                currency="usd",
                paid_at=start + timedelta(days=365 * year),
            )
        )
    session.commit()
    auth.login()

    seen = []
    path = "/membership"
    while path:
        page = client.get(path).get_data(as_text=True)
        seen += re.findall(r"KIN-\d{4}", page)
        older = re.search(r'href="(/membership\?before=[^"#]+)#history"', page)
        path = older.group(1) if older else None
    assert seen == [f"KIN-{year:04d}" for year in reversed(range(PAGE_SIZE + 5))]
