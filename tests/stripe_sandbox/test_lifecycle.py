"""Portal, renewals, dunning, cancellation, refunds and customer deletion over time."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
import stripe

from devstack.stripe_sandbox.billing import DAY

from .conftest import APP, get_page, pay, post_form, start_checkout


@pytest.fixture
def member(stripe_client, yearly_price):
    """A subscription bought at checkout with the always-good card."""
    session = start_checkout(stripe_client, yearly_price.id)
    pay(session)
    return stripe_client.v1.checkout.sessions.retrieve(session.id).subscription


def period_end(client, sub_id):
    return client.v1.subscriptions.retrieve(sub_id)["items"].data[0].current_period_end


def test_portal_cancel_and_resume_emit_updated_events(stripe_client, member, state, inbox):
    sub = stripe_client.v1.subscriptions.retrieve(member)
    portal = stripe_client.v1.billing_portal.sessions.create(
        params={"customer": sub.customer, "return_url": f"{APP}/account"}
    )
    status, _, body = get_page(portal.url)
    assert status == 200 and body.count("<h1") == 1 and "SBX-" in body
    assert f'href="{APP}/account"' in body and "Return to Kindred" in body

    cancel = f"{portal.url}/subscriptions/{member}/cancel"
    assert post_form(cancel, {})[0] == 303
    canceling = stripe_client.v1.subscriptions.retrieve(member)
    assert canceling.cancel_at_period_end and canceling.status == "active"
    assert "Cancels on" in get_page(portal.url)[2]
    updated = [e for e in state.events if e["type"] == "customer.subscription.updated"][-1]
    assert updated["data"]["previous_attributes"]["cancel_at_period_end"] is False

    assert post_form(f"{portal.url}/subscriptions/{member}/resume", {})[0] == 303
    assert not stripe_client.v1.subscriptions.retrieve(member).cancel_at_period_end
    assert inbox.types[-2:] == ["customer.subscription.updated"] * 2
    with pytest.raises(urllib.error.HTTPError):  # portal actions must be POSTs
        urllib.request.urlopen(cancel)


def test_renewal_with_a_good_card_bills_the_next_year(stripe_client, member, state):
    first_end = period_end(stripe_client, member)
    state.renew_now(member)
    sub = stripe_client.v1.subscriptions.retrieve(member, params={"expand": ["latest_invoice"]})
    assert sub.status == "active"
    assert sub["items"].data[0].current_period_start == first_end
    assert sub["items"].data[0].current_period_end > first_end + 364 * DAY
    assert sub.latest_invoice.billing_reason == "subscription_cycle"
    assert sub.latest_invoice.status == "paid"
    assert len(stripe_client.v1.invoices.list(params={"subscription": member}).data) == 2
    types = [e["type"] for e in state.events]
    assert types[-1] == "customer.subscription.updated"
    assert {"invoice.created", "invoice.paid", "invoice.payment_succeeded"} <= set(types[-8:])
    created = [e["created"] for e in state.events]
    assert created == sorted(created)


def test_failed_renewal_goes_past_due_then_cancels_after_retries(stripe_client, member, state):
    state.fail_renewal(member)
    sub = stripe_client.v1.subscriptions.retrieve(member, params={"expand": ["latest_invoice"]})
    assert sub.status == "past_due"
    invoice = sub.latest_invoice
    assert (invoice.status, invoice.attempt_count) == ("open", 1)
    assert invoice.next_payment_attempt == pytest.approx(state.now() + 3 * DAY, abs=5)
    assert state.events[-1]["type"] == "customer.subscription.updated"

    state.advance(3 * DAY)
    assert stripe_client.v1.invoices.retrieve(invoice.id).attempt_count == 2
    state.advance(4 * DAY + 60)
    sub = stripe_client.v1.subscriptions.retrieve(member)
    assert sub.status == "canceled" and sub.cancellation_details.reason == "payment_failed"
    final = stripe_client.v1.invoices.retrieve(invoice.id)
    assert (final.status, final.attempt_count) == ("uncollectible", 4)
    assert state.events[-1]["type"] == "customer.subscription.deleted"


def test_fixing_the_card_before_a_retry_recovers_the_subscription(stripe_client, member, state):
    sub = stripe_client.v1.subscriptions.retrieve(member)
    state.fail_renewal(member)
    state.set_card_fails(sub.customer, False)
    state.advance(3 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(member).status == "active"


def test_the_fails_later_card_pays_today_and_fails_at_renewal(stripe_client, yearly_price, state):
    session = start_checkout(stripe_client, yearly_price.id)
    assert pay(session, "4000 0000 0000 0341")[0] == 303
    sub_id = stripe_client.v1.checkout.sessions.retrieve(session.id).subscription
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "active"
    state.renew_now(sub_id)
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "past_due"


def test_cancel_at_period_end_ends_the_subscription_at_period_end(stripe_client, member, state):
    stripe_client.v1.subscriptions.update(member, params={"cancel_at_period_end": True})
    end = period_end(stripe_client, member)
    state.advance(end - state.now() - 60)
    assert stripe_client.v1.subscriptions.retrieve(member).status == "active"
    state.advance(120)
    sub = stripe_client.v1.subscriptions.retrieve(member)
    assert (sub.status, sub.ended_at) == ("canceled", end)
    assert state.events[-1]["type"] == "customer.subscription.deleted"
    assert stripe_client.v1.subscriptions.list(params={"customer": sub.customer}).data == []
    listed = stripe_client.v1.subscriptions.list(params={"status": "all"}).data
    assert [s.id for s in listed] == [member]


def test_cancelling_now_through_the_api(stripe_client, member, state):
    sub = stripe_client.v1.subscriptions.cancel(member)
    assert sub.status == "canceled" and sub.ended_at
    state.deliver_pending()
    assert state.events[-1]["type"] == "customer.subscription.deleted"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscriptions.cancel(member)


def test_refunds_mark_the_charge_and_emit_events(stripe_client, member, state):
    charge = stripe_client.v1.charges.list().data[0]
    partial = stripe_client.v1.refunds.create(params={"charge": charge.id, "amount": 1000})
    assert (partial.amount, partial.status) == (1000, "succeeded")
    rest = stripe_client.v1.refunds.create(params={"payment_intent": charge.payment_intent})
    assert rest.amount == 5000
    refunded = stripe_client.v1.charges.retrieve(charge.id)
    assert refunded.refunded and refunded.amount_refunded == 6000
    types = [e["type"] for e in state.events]
    assert types[-2:] == ["charge.refunded", "refund.created"]
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.refunds.create(params={"charge": charge.id})


def test_deleting_a_customer_cancels_their_subscriptions(stripe_client, member, state):
    customer_id = stripe_client.v1.subscriptions.retrieve(member).customer
    deleted = stripe_client.v1.customers.delete(customer_id)
    assert deleted.deleted
    assert stripe_client.v1.subscriptions.retrieve(member).status == "canceled"
    types = [e["type"] for e in state.events]
    assert types[-2:] == ["customer.subscription.deleted", "customer.deleted"]
    assert stripe_client.v1.customers.retrieve(customer_id).deleted


def test_control_endpoints_drive_time_over_http(base_url, member, state):
    before = state.now()
    status, _, body = post_form(f"{base_url}/_sandbox/advance", {"days": "2"})
    assert status == 200 and int(re.search(r'"now": (\d+)', body).group(1)) >= before + 2 * DAY
    assert post_form(f"{base_url}/_sandbox/subscriptions/{member}/fail_renewal", {})[0] == 200
    assert state.retrieve("subscriptions", member)["status"] == "past_due"
    assert post_form(f"{base_url}/_sandbox/subscriptions/sub_nope/renew", {})[0] == 404


@pytest.mark.parametrize(
    ("setting", "final_status"), [("unpaid", "unpaid"), ("past_due", "past_due")], ids=str
)
def test_after_the_last_retry_the_failed_payments_setting_decides(
    stripe_client, member, state, setting, final_status
):
    state.failed_payment_action = setting
    state.fail_renewal(member)
    state.advance(30 * DAY)
    sub = stripe_client.v1.subscriptions.retrieve(member, params={"expand": ["latest_invoice"]})
    assert sub.status == final_status
    assert (sub.latest_invoice.status, sub.latest_invoice.attempt_count) == ("open", 4)
    assert sub.latest_invoice.next_payment_attempt is None


def test_the_confirm_later_card_leaves_renewals_waiting_for_the_holder(
    stripe_client, yearly_price, state, inbox
):
    session = start_checkout(stripe_client, yearly_price.id)
    assert pay(session, "4000 0027 6000 3184")[0] == 303
    sub_id = stripe_client.v1.checkout.sessions.retrieve(session.id).subscription
    state.renew_now(sub_id)

    sub = stripe_client.v1.subscriptions.retrieve(sub_id, params={"expand": ["latest_invoice"]})
    invoice = sub.latest_invoice
    assert sub.status == "past_due"
    assert (invoice.status, invoice.next_payment_attempt) == ("open", None)
    assert "invoice.payment_action_required" in inbox.types
    assert "invoice.payment_failed" not in inbox.types
    intent = state.retrieve("payment_intents", state.invoice_payment_intent_id(invoice.id))
    assert intent["status"] == "requires_action"
    state.advance(20 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "past_due"

    status, headers, page = get_page(invoice.hosted_invoice_url)
    assert status == 200 and "Confirm your payment" in page and page.count("<h1") == 1
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert post_form(f"{invoice.hosted_invoice_url}/confirm", {})[0] == 303

    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "paid"
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "active"
    assert "Paid on" in get_page(invoice.hosted_invoice_url)[2]
    assert post_form(f"{invoice.hosted_invoice_url}/confirm", {})[0] == 400


def test_every_finalized_invoice_has_a_hosted_page(stripe_client, member, base_url):
    invoice = stripe_client.v1.invoices.list(params={"subscription": member}).data[0]
    assert invoice.hosted_invoice_url == f"{base_url}/invoice/{invoice.id}"
    status, _, page = get_page(invoice.hosted_invoice_url)
    assert status == 200 and invoice.number in page and "Paid on" in page
    assert get_page(f"{base_url}/invoice/in_missing")[0] == 404


def test_a_set_cancellation_date_ends_the_subscription_then(stripe_client, member, state):
    cancel_at = state.now() + 40 * DAY
    sub = stripe_client.v1.subscriptions.update(member, params={"cancel_at": cancel_at})
    assert (sub.cancel_at, sub.cancel_at_period_end, sub.status) == (cancel_at, False, "active")
    updated = [e for e in state.events if e["type"] == "customer.subscription.updated"][-1]
    assert updated["data"]["previous_attributes"]["cancel_at"] is None
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.subscriptions.update(
            member, params={"cancel_at": cancel_at, "cancel_at_period_end": True}
        )
    assert caught.value.param == "cancel_at"

    state.advance(41 * DAY)
    ended = stripe_client.v1.subscriptions.retrieve(member)
    assert (ended.status, ended.ended_at) == ("canceled", cancel_at)


def test_clearing_the_cancellation_date_keeps_the_subscription(stripe_client, member, state):
    stripe_client.v1.subscriptions.update(member, params={"cancel_at": state.now() + DAY})
    sub = stripe_client.v1.subscriptions.update(member, params={"cancel_at": ""})
    assert sub.cancel_at is None
    state.advance(2 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(member).status == "active"


def test_disputes_open_and_close_through_the_api(stripe_client, member, state):
    charge = stripe_client.v1.charges.list().data[0]
    opened = state.create_dispute(charge.id)
    assert stripe_client.v1.charges.retrieve(charge.id).disputed is True
    dispute = stripe_client.v1.disputes.retrieve(opened["id"])
    assert (dispute.status, dispute.reason, dispute.amount) == (
        "needs_response",
        "fraudulent",
        6000,
    )
    assert dispute.evidence_details.due_by == pytest.approx(state.now() + 21 * DAY, abs=5)

    won = stripe_client.v1.disputes.update(
        dispute.id, params={"evidence": {"uncategorized_text": "winning_evidence"}}
    )
    assert won.status == "won"
    assert [e["type"] for e in state.events][-3:] == [
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
    ]
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.disputes.close(dispute.id)
    assert [d.id for d in stripe_client.v1.disputes.list(params={"charge": charge.id}).data] == [
        dispute.id
    ]


def test_accepting_a_dispute_loses_it(stripe_client, member, state):
    charge = stripe_client.v1.charges.list().data[0]
    dispute = state.create_dispute(charge.id, "duplicate")
    assert stripe_client.v1.disputes.close(dispute["id"]).status == "lost"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.disputes.update(dispute["id"], params={"evidence": {"nonsense": "x"}})
    assert "closed" in caught.value.user_message


def test_the_dispute_card_is_disputed_right_after_paying(stripe_client, yearly_price, state):
    session = start_checkout(stripe_client, yearly_price.id)
    assert pay(session, "4000 0000 0000 0259")[0] == 303
    [dispute] = stripe_client.v1.disputes.list().data
    assert dispute.reason == "fraudulent" and dispute.status == "needs_response"
    types = [e["type"] for e in state.events]
    assert types.index("charge.succeeded") < types.index("charge.dispute.created")


def test_outages_and_disputes_over_the_control_endpoints(base_url, stripe_client, member, state):
    charge = stripe_client.v1.charges.list().data[0]
    status, _, body = post_form(f"{base_url}/_sandbox/charges/{charge.id}/dispute", {})
    dispute_id = json.loads(body)["id"]
    assert status == 200
    decide = f"{base_url}/_sandbox/disputes/{dispute_id}/decide"
    assert post_form(decide, {"outcome": "maybe"})[0] == 400
    assert post_form(decide, {"outcome": "lost"})[0] == 200
    assert state.retrieve("disputes", dispute_id)["status"] == "lost"
    assert post_form(f"{base_url}/_sandbox/outage", {"status": "429"})[0] == 200
    with pytest.raises(stripe.RateLimitError):
        stripe_client.v1.charges.list()
    assert stripe_client.v1.charges.list().data
