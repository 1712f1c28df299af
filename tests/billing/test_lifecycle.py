"""A paid membership's life, driven through the Stripe sandbox and its webhooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.billing import webhooks
from app.billing.models import BillingCustomer, Invoice, Subscription
from app.memberships.services import can_write, current_membership, membership_status
from tests.helpers import make_paid_member, sandbox_time

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
    grace = current_membership(ada, sandbox_time(sandbox))
    assert (grace.kind, grace.until) == ("paid", sub.next_payment_attempt)
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
