"""Property: any valid event history, delivered in any order with duplicates, ends where
in-order delivery ends."""

from __future__ import annotations

import contextlib
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.billing import webhooks
from app.billing.models import BillingCustomer, Invoice, Subscription
from app.memberships.services import current_membership
from devstack.stripe_sandbox.errors import SandboxError
from tests.helpers import make_paid_member, sandbox_time

DAY = 24 * 3600
_handles = itertools.count(1)


def _subscription(state, customer_id: str) -> dict:
    subscriptions = state.list_subscriptions({"customer": customer_id, "status": "all"})["data"]
    if not subscriptions:
        raise SandboxError("no subscription left (the customer was deleted)")
    return subscriptions[0]


def _refund_part(state, customer_id: str) -> None:
    paid = [c for c in state.list_charges({"customer": customer_id})["data"] if c["paid"]]
    if not paid:
        raise SandboxError("nothing to refund")
    state.create_refund({"charge": paid[0]["id"], "amount": 700})


ACTIONS = {
    "renew": lambda state, cus: state.renew_now(_subscription(state, cus)["id"]),
    "fail_renewal": lambda state, cus: state.fail_renewal(_subscription(state, cus)["id"]),
    "card_fixed": lambda state, cus: state.set_card_fails(cus, False),
    "cancel_at_period_end": lambda state, cus: state.update_subscription(
        _subscription(state, cus)["id"], {"cancel_at_period_end": True}
    ),
    "resume": lambda state, cus: state.update_subscription(
        _subscription(state, cus)["id"], {"cancel_at_period_end": False}
    ),
    "cancel_now": lambda state, cus: state.cancel_subscription(_subscription(state, cus)["id"]),
    "refund": _refund_part,
    "a_week_passes": lambda state, cus: state.advance(7 * DAY),
    "a_month_passes": lambda state, cus: state.advance(30 * DAY),
    "customer_deleted": lambda state, cus: state.delete_customer(cus),
}


def snapshot(session, account, moment):
    session.expire_all()
    membership = current_membership(account, moment)
    subs = session.scalars(select(Subscription).where(Subscription.account_id == account.id))
    invoices = session.scalars(select(Invoice).where(Invoice.account_id == account.id))
    customer = session.scalar(
        select(BillingCustomer.stripe_customer_id).where(BillingCustomer.account_id == account.id)
    )
    return (
        membership,
        customer,
        sorted(
            (s.stripe_subscription_id, s.status, s.current_period_end, s.cancel_at_period_end)
            for s in subs
        ),
        sorted((i.number, i.amount_paid, i.amount_refunded) for i in invoices),
    )


def deliver_and_look(session, account, moment, events) -> tuple:
    savepoint = session.begin_nested()
    try:
        for event in events:
            webhooks.handle_event(event)
        return snapshot(session, account, moment)
    finally:
        savepoint.rollback()


def belongs_to(event: dict, customer_id: str) -> bool:
    obj = event["data"]["object"]
    return customer_id in (obj.get("customer"), obj.get("id"))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    actions=st.lists(st.sampled_from(sorted(ACTIONS)), max_size=5),
    rng=st.randoms(use_true_random=False),
)
def test_any_delivery_order_with_duplicates_converges(session, sandbox, catalog, actions, rng):
    first_event = len(sandbox.events)
    account = make_paid_member(sandbox, f"member{next(_handles)}", deliver=False)
    customer_id = session.scalar(
        select(BillingCustomer.stripe_customer_id).where(BillingCustomer.account_id == account.id)
    )
    for action in actions:
        # Some actions are impossible in some states (renewing a cancelled subscription).
        with contextlib.suppress(SandboxError):
            ACTIONS[action](sandbox, customer_id)
    history = [
        event
        for event in sandbox.events[first_event:]
        if event["type"] in webhooks.HANDLERS and belongs_to(event, customer_id)
    ]
    delivery = history + rng.choices(history, k=rng.randint(0, len(history)))
    rng.shuffle(delivery)

    in_order = deliver_and_look(session, account, sandbox_time(sandbox), history)
    any_order = deliver_and_look(session, account, sandbox_time(sandbox), delivery)

    assert any_order == in_order
    membership, _, subscriptions, invoices = in_order
    truth = sandbox.retrieve("subscriptions", subscriptions[0][0])
    assert subscriptions[0][1] == truth["status"]
    assert (membership is not None) == (truth["status"] in ("active", "past_due"))
    assert invoices, "the first payment is always in the billing history"
