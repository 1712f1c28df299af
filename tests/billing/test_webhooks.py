"""The webhook endpoint: only genuine events, each applied once, any order converging."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.billing import webhooks
from app.billing.models import BillingCustomer, Invoice, StripeEvent, Subscription
from app.db import db
from app.memberships.services import current_membership
from tests.billing import events as ev
from tests.helpers import make_account, make_paid_member, sandbox_time

NOW = int(time.time())


@pytest.fixture
def ada(session):
    account = make_account("ada")
    session.add(BillingCustomer(account_id=account.id, stripe_customer_id="cus_ada"))
    session.commit()
    return account


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def subscription_row(session, sub_id: str = "sub_ada") -> Subscription | None:
    session.expire_all()
    return session.scalar(select(Subscription).where(Subscription.stripe_subscription_id == sub_id))


def created_event(ada, status: str = "active", created: int = NOW, **changes):
    obj = ev.subscription("sub_ada", "cus_ada", ada.id, status=status, start=NOW, **changes)
    return ev.event("customer.subscription.created", obj, created)


# -- signatures ----------------------------------------------------------------------------


def test_event_without_signature_is_refused_and_changes_nothing(client, session, ada):
    response = client.post("/stripe/webhook", json=created_event(ada))
    assert response.status_code == 400
    assert count(session, StripeEvent) == 0
    assert subscription_row(session) is None


@pytest.mark.parametrize(
    "sign_options",
    [
        {"secret": "whsec_someone_else"},
        {"at": NOW - 301},
        {"at": NOW + 3600},
    ],
    ids=["wrong-secret", "older-than-five-minutes", "from-the-future"],
)
def test_badly_signed_or_stale_event_is_refused(client, session, ada, sign_options):
    response = ev.post_event(client, created_event(ada), **sign_options)
    assert response.status_code == 400
    assert count(session, StripeEvent) == 0
    assert subscription_row(session) is None


def test_tampered_payload_is_refused(client, session, ada):
    body, headers = ev.signed(created_event(ada))
    response = client.post(
        "/stripe/webhook", data=body.replace(b'"active"', b'"trialing"'), headers=headers
    )
    assert response.status_code == 400
    assert subscription_row(session) is None


def test_signed_garbage_is_refused(client, session):
    response = ev.post_event(client, b"not json at all")
    assert response.status_code == 400
    assert count(session, StripeEvent) == 0


def test_webhook_needs_no_csrf_token(app, client, session, ada):
    app.config["WTF_CSRF_ENABLED"] = True
    response = ev.post_event(client, created_event(ada))
    assert response.status_code == 200
    assert subscription_row(session).status == "active"


# -- once and only once --------------------------------------------------------------------


def test_redelivered_event_is_a_no_op(client, session, ada):
    event = created_event(ada)
    assert ev.post_event(client, event).get_json() == {"received": True, "duplicate": False}
    row = subscription_row(session)
    row.status = "past_due"  # as if a later event had moved it on
    session.commit()

    second = ev.post_event(client, event)

    assert second.status_code == 200
    assert second.get_json()["duplicate"] is True
    assert subscription_row(session).status == "past_due"
    assert count(session, StripeEvent) == 1


def test_failure_rolls_back_and_returns_500_so_stripe_retries(
    app, client, session, ada, monkeypatch
):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(obj, created):
        webhooks.services.sync_subscription(obj["id"], created, fallback=obj)
        raise RuntimeError("database went away")

    monkeypatch.setitem(webhooks.HANDLERS, "customer.subscription.created", broken)
    event = created_event(ada)

    assert ev.post_event(client, event).status_code == 500
    assert count(session, StripeEvent) == 0
    assert subscription_row(session) is None

    monkeypatch.undo()
    assert ev.post_event(client, event).status_code == 200
    assert subscription_row(session).status == "active"


def test_unknown_event_type_is_recorded_and_acknowledged(client, session):
    event = ev.event("customer.tax_id.created", {"id": "txi_1", "object": "tax_id"}, NOW)
    response = ev.post_event(client, event)
    assert response.status_code == 200
    stored = session.scalar(select(StripeEvent))
    assert (stored.stripe_event_id, stored.type) == (event["id"], "customer.tax_id.created")
    assert stored.created == datetime.fromtimestamp(NOW, UTC)


# -- each event type (Stripe unreachable: the event's own object is used) ------------------


def test_subscription_created_makes_a_paid_member(client, session, ada):
    ev.post_event(client, created_event(ada))
    row = subscription_row(session)
    assert (row.status, row.account_id, row.stripe_customer_id) == ("active", ada.id, "cus_ada")
    assert row.current_period_end == datetime.fromtimestamp(NOW + ev.YEAR, UTC)
    assert current_membership(ada).kind == "paid"


def test_subscription_updated_records_cancel_at_period_end(client, session, ada):
    ev.post_event(client, created_event(ada))
    obj = ev.subscription(
        "sub_ada", "cus_ada", ada.id, start=NOW, cancel_at_period_end=True, canceled_at=NOW + 5
    )
    ev.post_event(client, ev.event("customer.subscription.updated", obj, NOW + 5))
    row = subscription_row(session)
    assert row.cancel_at_period_end is True
    membership = current_membership(ada)
    assert membership.kind == "paid"
    assert membership.until == datetime.fromtimestamp(NOW + ev.YEAR, UTC)


def test_subscription_deleted_ends_the_membership(client, session, ada):
    ev.post_event(client, created_event(ada))
    obj = ev.subscription(
        "sub_ada", "cus_ada", ada.id, status="canceled", start=NOW, canceled_at=NOW + 9
    )
    ev.post_event(client, ev.event("customer.subscription.deleted", obj, NOW + 9))
    assert subscription_row(session).status == "canceled"
    assert current_membership(ada) is None


def test_subscription_of_an_unknown_customer_is_acknowledged_and_ignored(client, session):
    obj = ev.subscription("sub_other", "cus_other", 999999, start=NOW)
    response = ev.post_event(client, ev.event("customer.subscription.created", obj, NOW))
    assert response.status_code == 200
    assert subscription_row(session, "sub_other") is None
    assert count(session, StripeEvent) == 1


def test_invoice_paid_is_kept_for_the_billing_history(client, session, ada):
    ev.post_event(client, created_event(ada))
    obj = ev.invoice("in_1", "cus_ada", "sub_ada", paid_at=NOW, number="KIN-0042")
    ev.post_event(client, ev.event("invoice.paid", obj, NOW))
    stored = session.scalar(select(Invoice))
    assert (stored.number, stored.amount_paid, stored.currency, stored.account_id) == (
        "KIN-0042",
        2500,
        "usd",
        ada.id,
    )
    assert stored.paid_at == datetime.fromtimestamp(NOW, UTC)


def test_invoice_payment_failed_keeps_no_invoice_and_no_state_without_stripe(client, session, ada):
    ev.post_event(client, created_event(ada))
    obj = ev.invoice("in_2", "cus_ada", "sub_ada", paid_at=NOW, status="open")
    response = ev.post_event(client, ev.event("invoice.payment_failed", obj, NOW + 1))
    assert response.status_code == 200
    assert count(session, Invoice) == 0
    assert subscription_row(session).status == "active"


def test_charge_refunded_is_recorded_against_its_invoice(client, session, ada):
    session.add(
        Invoice(
            stripe_invoice_id="in_3",
            account_id=ada.id,
            payment_intent_id="pi_3",
            status="paid",
            amount_paid=2500,
            currency="usd",
            paid_at=datetime.fromtimestamp(NOW, UTC),
        )
    )
    session.commit()
    ev.post_event(
        client,
        ev.event("charge.refunded", ev.charge("ch_3", "cus_ada", "pi_3", refunded=1000), NOW),
    )
    older = ev.event("charge.refunded", ev.charge("ch_3", "cus_ada", "pi_3", refunded=500), NOW - 1)
    ev.post_event(client, older)
    session.expire_all()
    assert session.scalar(select(Invoice)).amount_refunded == 1000


def test_customer_deleted_forgets_the_customer_and_ends_subscriptions(client, session, ada):
    ev.post_event(client, created_event(ada))
    deleted = {"id": "cus_ada", "object": "customer", "deleted": True}
    ev.post_event(client, ev.event("customer.deleted", deleted, NOW + 20))
    assert count(session, BillingCustomer) == 0
    assert subscription_row(session).status == "canceled"
    assert current_membership(ada) is None


# -- out of order --------------------------------------------------------------------------


def test_older_event_never_overwrites_newer_state(client, session, ada):
    canceled = ev.subscription(
        "sub_ada", "cus_ada", ada.id, status="canceled", start=NOW, canceled_at=NOW + 60
    )
    ev.post_event(client, ev.event("customer.subscription.deleted", canceled, NOW + 60))
    ev.post_event(client, created_event(ada, created=NOW))
    past_due = ev.subscription("sub_ada", "cus_ada", ada.id, status="past_due", start=NOW)
    ev.post_event(client, ev.event("customer.subscription.updated", past_due, NOW + 30))

    assert subscription_row(session).status == "canceled"
    assert current_membership(ada) is None


def test_customer_deleted_before_its_subscription_events_still_ends_it(client, session, ada):
    deleted = {"id": "cus_ada", "object": "customer", "deleted": True}
    ev.post_event(client, created_event(ada, created=NOW))
    ev.post_event(client, ev.event("customer.deleted", deleted, NOW + 20))
    ev.post_event(
        client,
        ev.event("customer.subscription.updated", created_event(ada)["data"]["object"], NOW + 10),
    )
    assert subscription_row(session).status == "canceled"


def test_sandbox_events_delivered_backwards_end_as_delivered_in_order(client, session, sandbox):
    ada = make_paid_member(sandbox, deliver=False)
    sub_id = sandbox.list_subscriptions({})["data"][0]["id"]
    sandbox.fail_renewal(sub_id)
    sandbox.set_card_fails(sandbox.list_subscriptions({})["data"][0]["customer"], False)
    sandbox.advance(4 * 86400)
    history = [e for e in sandbox.events if e["type"] in webhooks.HANDLERS]

    for event in reversed(history):
        assert ev.post_event(client, event).status_code == 200

    row = subscription_row(session, sub_id)
    truth = sandbox.retrieve("subscriptions", sub_id)
    assert row.status == truth["status"] == "active"
    assert row.current_period_end == datetime.fromtimestamp(
        truth["items"]["data"][0]["current_period_end"], UTC
    )
    assert current_membership(ada, sandbox_time(sandbox)).kind == "paid"
    assert [i.number for i in session.scalars(select(Invoice).order_by(Invoice.paid_at))] == [
        "SBX-0001",
        "SBX-0002",
    ]


# -- Stripe busy ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503], ids=str)
def test_stripe_busy_asks_stripe_to_retry_and_keeps_nothing(
    app, client, session, sandbox, catalog, caplog, status
):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    make_paid_member(sandbox, deliver=False)
    created = next(e for e in sandbox.events if e["type"] == "customer.subscription.created")
    sandbox.fail_requests(status)

    response = ev.post_event(client, created)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert count(session, StripeEvent) == 0
    assert count(session, Subscription) == 0
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    retried = ev.post_event(client, created)
    assert retried.get_json() == {"received": True, "duplicate": False}
    assert count(session, Subscription) == 1


# -- invoices stored while Stripe was out of reach -----------------------------------------


def deliver_while_stripe_is_unreachable(app, sandbox, events):
    reachable = app.config["STRIPE_API_BASE"]
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    try:
        for event in events:
            webhooks.handle_event(event)
        db.session.commit()
    finally:
        app.config["STRIPE_API_BASE"] = reachable


def test_an_invoice_stored_from_its_event_still_matches_a_later_refund(
    app, client, session, sandbox, catalog
):
    ada = make_paid_member(sandbox, deliver=False)
    deliver_while_stripe_is_unreachable(app, sandbox, sandbox.events)
    stored = session.scalar(select(Invoice))
    assert (stored.needs_refresh, stored.payment_intent_id) == (True, None)
    assert current_membership(ada, sandbox_time(sandbox)).kind == "paid"
    charge = sandbox.list_charges({})["data"][0]
    before = len(sandbox.events)

    sandbox.create_refund({"charge": charge["id"], "amount": 900})
    [refunded] = [e for e in sandbox.events[before:] if e["type"] == "charge.refunded"]
    assert ev.post_event(client, refunded).status_code == 200

    session.expire_all()
    invoice = session.scalar(select(Invoice))
    assert invoice.amount_refunded == 900
    assert (invoice.needs_refresh, invoice.payment_intent_id) == (False, charge["payment_intent"])


def test_an_invoice_stored_from_its_event_is_completed_by_the_next_event(
    app, client, session, sandbox, catalog
):
    make_paid_member(sandbox, deliver=False)
    deliver_while_stripe_is_unreachable(app, sandbox, sandbox.events)
    charge = sandbox.list_charges({})["data"][0]
    sandbox.create_refund({"charge": charge["id"], "amount": 400})  # its event is lost
    sub_id = session.scalar(select(Subscription.stripe_subscription_id))
    before = len(sandbox.events)

    sandbox.update_subscription(sub_id, {"metadata": {"note": "x"}})
    for event in sandbox.events[before:]:
        assert ev.post_event(client, event).status_code == 200

    session.expire_all()
    invoice = session.scalar(select(Invoice))
    assert (invoice.needs_refresh, invoice.amount_refunded) == (False, 400)


def test_reconcile_completes_an_invoice_stored_from_its_event(
    app, runner, session, sandbox, catalog
):
    make_paid_member(sandbox, deliver=False)
    deliver_while_stripe_is_unreachable(app, sandbox, sandbox.events)
    charge = sandbox.list_charges({})["data"][0]
    sandbox.create_refund({"charge": charge["id"]})  # its event is lost

    result = runner.invoke(args=["billing", "reconcile"])

    assert "@ada: invoice SBX-0001 completed from Stripe" in result.stdout
    assert "@ada: invoice SBX-0001 refunded 0 → 2500" in result.stdout
    session.expire_all()
    invoice = session.scalar(select(Invoice))
    assert (invoice.needs_refresh, invoice.amount_refunded) == (False, 2500)
