"""A paid membership's life, driven through the Stripe sandbox and its webhooks."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.billing import webhooks
from app.billing.models import BillingCustomer, Invoice, Subscription
from app.memberships.services import can_write, current_membership, membership_status
from tests.billing import events as ev
from tests.helpers import make_account, make_paid_member, sandbox_time

DAY = 24 * 3600


def the_subscription(session, account) -> Subscription:
    session.expire_all()
    return session.scalars(select(Subscription).where(Subscription.account_id == account.id)).one()


def at_stripe(moment: int) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


def test_paying_makes_a_member_until_the_period_ends(session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    sub = the_subscription(session, ada)
    assert sub.status == "active"
    membership = current_membership(ada, sandbox_time(sandbox))
    assert (membership.kind, membership.until) == ("paid", sub.current_period_end)
    assert sub.current_period_end - sub.current_period_start >= timedelta(days=365)
    assert current_membership(ada, sub.current_period_end) is None
    assert can_write(ada)


def test_renewal_extends_the_membership_by_a_year_and_adds_an_invoice(session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    first_end = the_subscription(session, ada).current_period_end

    sandbox.renew_now(the_subscription(session, ada).stripe_subscription_id)
    sandbox.deliver_pending()

    sub = the_subscription(session, ada)
    assert sub.status == "active"
    assert sub.current_period_start == first_end
    assert current_membership(ada, first_end + timedelta(days=1)).until == sub.current_period_end
    invoices = session.scalars(select(Invoice).order_by(Invoice.paid_at)).all()
    assert [(i.number, i.amount_paid) for i in invoices] == [("SBX-0001", 2500), ("SBX-0002", 2500)]


def test_failed_renewal_gives_a_grace_period_then_lapses(session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    sub_id = the_subscription(session, ada).stripe_subscription_id

    sandbox.fail_renewal(sub_id)
    sandbox.deliver_pending()

    sub = the_subscription(session, ada)
    assert sub.status == "past_due"
    assert sub.next_payment_attempt > sandbox_time(sandbox)
    assert abs(sub.past_due_since - sandbox_time(sandbox)) < timedelta(seconds=5)
    grace = current_membership(ada, sandbox_time(sandbox))
    assert (grace.kind, grace.until) == ("paid", sub.past_due_since + timedelta(days=14))
    assert membership_status(ada, sandbox_time(sandbox)).state == "past_due"

    sandbox.advance(30 * DAY)
    sandbox.deliver_pending()

    assert the_subscription(session, ada).status == "canceled"
    assert current_membership(ada, sandbox_time(sandbox)) is None
    assert membership_status(ada, sandbox_time(sandbox)).state == "lapsed"


def test_card_fixed_during_grace_keeps_the_membership(session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    sub = the_subscription(session, ada)
    sandbox.fail_renewal(sub.stripe_subscription_id)
    sandbox.set_card_fails(sub.stripe_customer_id, False)
    sandbox.advance(4 * DAY)
    sandbox.deliver_pending()

    sub = the_subscription(session, ada)
    assert (sub.status, sub.next_payment_attempt) == ("active", None)
    assert current_membership(ada, sandbox_time(sandbox)).until == sub.current_period_end
    assert len(session.scalars(select(Invoice)).all()) == 2


def test_cancel_at_period_end_stays_a_member_until_then_and_lapses(session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    sub = the_subscription(session, ada)
    period_end = sub.current_period_end

    sandbox.update_subscription(sub.stripe_subscription_id, {"cancel_at_period_end": True})
    sandbox.deliver_pending()

    assert the_subscription(session, ada).cancel_at_period_end is True
    assert membership_status(ada, sandbox_time(sandbox)).state == "cancelling"
    assert current_membership(ada, period_end - timedelta(seconds=1)).until == period_end
    assert current_membership(ada, period_end) is None

    sandbox.advance((period_end - sandbox_time(sandbox)).total_seconds() + 60)
    sandbox.deliver_pending()

    assert the_subscription(session, ada).status == "canceled"
    assert current_membership(ada, sandbox_time(sandbox)) is None
    assert session.scalars(select(Invoice)).all()[0].number == "SBX-0001"
    assert len(session.scalars(select(Invoice)).all()) == 1


def test_resume_before_the_period_ends_renews_as_usual(session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    sub_id = the_subscription(session, ada).stripe_subscription_id
    sandbox.update_subscription(sub_id, {"cancel_at_period_end": True})
    sandbox.update_subscription(sub_id, {"cancel_at_period_end": False})
    sandbox.deliver_pending()

    assert the_subscription(session, ada).cancel_at_period_end is False
    assert membership_status(ada, sandbox_time(sandbox)).state == "renewing"

    sandbox.renew_now(sub_id)
    sandbox.deliver_pending()
    assert the_subscription(session, ada).status == "active"
    assert current_membership(ada, sandbox_time(sandbox)).kind == "paid"


def test_refund_is_recorded_and_does_not_end_the_membership(session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    invoice = session.scalars(select(Invoice)).one()

    sandbox.create_refund({"payment_intent": invoice.payment_intent_id, "amount": 1000})
    sandbox.deliver_pending()

    session.expire_all()
    assert session.scalars(select(Invoice)).one().amount_refunded == 1000
    assert current_membership(ada, sandbox_time(sandbox)).kind == "paid"


def test_refund_delivered_before_its_invoice_is_not_lost(session, sandbox, catalog):
    ada = make_paid_member(sandbox, deliver=False)
    customer_id = session.scalar(select(BillingCustomer.stripe_customer_id))
    charge = sandbox.list_charges({"customer": customer_id})["data"][0]
    sandbox.create_refund({"charge": charge["id"]})
    refunded = [e for e in sandbox.events if e["type"] == "charge.refunded"]
    others = [e for e in sandbox.events if e["type"] != "charge.refunded"]
    for event in refunded + others:
        webhooks.handle_event(event)

    assert session.scalars(select(Invoice)).one().amount_refunded == 2500
    assert current_membership(ada, sandbox_time(sandbox)).kind == "paid"


def test_stripe_cancelling_after_a_full_refund_ends_the_membership(session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    sub = the_subscription(session, ada)
    invoice = session.scalars(select(Invoice)).one()
    sandbox.create_refund({"payment_intent": invoice.payment_intent_id})
    sandbox.cancel_subscription(sub.stripe_subscription_id)
    sandbox.deliver_pending()

    assert the_subscription(session, ada).status == "canceled"
    assert current_membership(ada, sandbox_time(sandbox)) is None


def test_deleting_the_customer_at_stripe_forgets_it_and_ends_the_membership(
    session, sandbox, catalog
):
    ada = make_paid_member(sandbox)
    customer_id = the_subscription(session, ada).stripe_customer_id

    sandbox.delete_customer(customer_id)
    sandbox.deliver_pending()

    assert session.scalar(select(BillingCustomer)) is None
    assert the_subscription(session, ada).status == "canceled"
    assert current_membership(ada, sandbox_time(sandbox)) is None


# -- what a real Stripe account may do ------------------------------------------------------


def page_of(client, auth) -> str:
    auth.login()
    return client.get("/membership").get_data(as_text=True)


def test_past_due_ends_after_the_grace_period_even_if_stripe_leaves_it_past_due(
    session, sandbox, catalog
):
    sandbox.failed_payment_action = "past_due"  # "leave the subscription past-due"
    ada = make_paid_member(sandbox)
    sub_id = the_subscription(session, ada).stripe_subscription_id
    sandbox.fail_renewal(sub_id)
    sandbox.deliver_pending()
    failed_at = the_subscription(session, ada).past_due_since

    sandbox.advance(15 * DAY)
    sandbox.deliver_pending()

    sub = the_subscription(session, ada)
    assert sub.status == sandbox.retrieve("subscriptions", sub_id)["status"] == "past_due"
    assert sub.past_due_since == failed_at
    grace_end = failed_at + timedelta(days=14)
    assert current_membership(ada, grace_end - timedelta(seconds=1)).until == grace_end
    assert current_membership(ada, grace_end) is None
    assert membership_status(ada, sandbox_time(sandbox)).state == "grace_ended"


def test_the_membership_page_says_when_the_grace_period_ended(client, auth, session):
    ada = make_account("ada")
    session.add(BillingCustomer(account_id=ada.id, stripe_customer_id="cus_ada"))
    session.commit()
    failed = int(time.time()) - 15 * DAY
    obj = ev.subscription("sub_ada", "cus_ada", ada.id, status="past_due", start=failed - DAY)
    ev.post_event(client, ev.event("customer.subscription.updated", obj, failed))

    page = page_of(client, auth)

    ended = (at_stripe(failed) + timedelta(days=14)).strftime("%-d %B %Y")
    assert f"the grace period of 14 days ended on {ended}" in page
    assert "Update your card in “Manage billing”" in page
    assert "Manage billing" in page
    assert "Become a member —" not in page  # the subscription still runs at Stripe
    assert not can_write(ada)


def test_an_unpaid_subscription_is_no_membership(session, sandbox, catalog):
    sandbox.failed_payment_action = "unpaid"
    ada = make_paid_member(sandbox)
    sandbox.fail_renewal(the_subscription(session, ada).stripe_subscription_id)
    sandbox.advance(8 * DAY)
    sandbox.deliver_pending()
    assert the_subscription(session, ada).status == "unpaid"
    assert current_membership(ada, sandbox_time(sandbox)) is None
    assert membership_status(ada, sandbox_time(sandbox)).state == "lapsed"


def test_a_renewal_waiting_for_3d_secure_asks_the_member_to_confirm_it(
    client, auth, session, sandbox, catalog
):
    ada = make_paid_member(sandbox)
    sub = the_subscription(session, ada)
    sandbox.set_card_needs_action(sub.stripe_customer_id)
    sandbox.renew_now(sub.stripe_subscription_id)
    sandbox.deliver_pending()

    sub = the_subscription(session, ada)
    invoice = sandbox.retrieve(
        "invoices", sandbox.retrieve("subscriptions", sub.stripe_subscription_id)["latest_invoice"]
    )
    assert sub.status == "past_due"
    assert sub.action_url == invoice["hosted_invoice_url"]
    page = page_of(client, auth)
    assert "Please confirm your payment" in page
    assert (
        f'<a href="{invoice["hosted_invoice_url"]}">Confirm the payment on Stripe\u2019s page</a>'
        in page
    )
    assert "update your card" not in page.lower()
    assert membership_status(ada, sandbox_time(sandbox)).state == "action_required"

    sandbox.confirm_invoice_payment(invoice["id"])
    sandbox.deliver_pending()

    sub = the_subscription(session, ada)
    assert (sub.status, sub.action_url, sub.past_due_since) == ("active", None, None)
    assert "renews on" in client.get("/membership").get_data(as_text=True)
    assert len(session.scalars(select(Invoice)).all()) == 2


def test_a_set_end_date_shows_the_end_not_a_renewal(client, auth, session, sandbox, catalog):
    ada = make_paid_member(sandbox)
    sub = the_subscription(session, ada)
    cancel_at = sandbox.now() + 40 * DAY
    sandbox.update_subscription(sub.stripe_subscription_id, {"cancel_at": cancel_at})
    sandbox.deliver_pending()

    sub = the_subscription(session, ada)
    assert (sub.cancel_at, sub.cancel_at_period_end) == (at_stripe(cancel_at), False)
    page = page_of(client, auth)
    assert f"you are a member until {at_stripe(cancel_at).strftime('%-d %B %Y')}" in page
    assert "renews on" not in page
    assert current_membership(ada, at_stripe(cancel_at)) is None

    sandbox.advance(41 * DAY)
    sandbox.deliver_pending()
    assert the_subscription(session, ada).status == "canceled"
