"""Disputes: recorded as Stripe reports them, admins told by mail once per step, and the
membership left as it is."""

from __future__ import annotations

from sqlalchemy import select

from app.billing import webhooks
from app.billing.models import Dispute, Invoice
from app.db import utcnow
from app.memberships.services import current_membership
from tests.billing import events as ev
from tests.helpers import make_account, make_paid_member, sandbox_time


def admins(session):
    make_account("grace", admin=True)
    away = make_account("away", admin=True)
    away.suspended_at = utcnow()
    session.commit()


def dispute_mail(mail) -> list:
    return [m for m in mail if "dispute" in m["Subject"].lower()]


def test_a_dispute_is_recorded_and_admins_are_told(client, session, mail, sandbox, catalog):
    admins(session)
    ada = make_paid_member(sandbox)
    invoice = session.scalar(select(Invoice))
    charge = sandbox.list_charges({})["data"][0]

    opened = sandbox.create_dispute(charge["id"], "fraudulent")
    sandbox.deliver_pending()

    dispute = session.scalar(select(Dispute))
    assert (dispute.stripe_dispute_id, dispute.account_id, dispute.status) == (
        opened["id"],
        ada.id,
        "needs_response",
    )
    assert (dispute.amount, dispute.currency, dispute.reason) == (2500, "usd", "fraudulent")
    assert dispute.payment_intent_id == invoice.payment_intent_id
    [message] = dispute_mail(mail)
    assert message["To"] == "grace@example.org"
    assert message["Subject"] == "A payment was disputed: $25 (fraudulent)"
    body = message.get_content()
    assert "Account: @ada" in body
    assert f"https://dashboard.stripe.com/test/disputes/{opened['id']}" in body
    assert "Evidence due by: " in body
    assert "A dispute does not change the membership." in body
    assert current_membership(ada, sandbox_time(sandbox)).kind == "paid"


def test_a_closed_dispute_is_told_once_and_the_membership_stays(
    client, session, mail, sandbox, catalog
):
    admins(session)
    ada = make_paid_member(sandbox)
    charge = sandbox.list_charges({})["data"][0]
    opened = sandbox.create_dispute(charge["id"])
    sandbox.deliver_pending()
    sandbox.decide_dispute(opened["id"], won=False)
    sandbox.deliver_pending()
    for event in [e for e in sandbox.events if e["type"].startswith("charge.dispute")]:
        ev.post_event(client, event)  # Stripe delivering again changes nothing

    session.expire_all()
    assert session.scalar(select(Dispute)).status == "lost"
    assert session.scalar(select(Dispute)).closed_at is not None
    subjects = [m["Subject"] for m in dispute_mail(mail)]
    assert subjects == [
        "A payment was disputed: $25 (fraudulent)",
        "A dispute was closed: lost ($25)",
    ]
    assert current_membership(ada, sandbox_time(sandbox)).kind == "paid"


def test_a_dispute_heard_of_only_when_closed_is_one_mail(session, mail, sandbox, catalog):
    admins(session)
    make_paid_member(sandbox)
    charge = sandbox.list_charges({})["data"][0]
    before = len(sandbox.events)
    opened = sandbox.create_dispute(charge["id"])
    sandbox.decide_dispute(opened["id"], won=True)
    events = [e for e in sandbox.events[before:] if e["type"].startswith("charge.dispute")]

    for event in reversed(events):
        webhooks.handle_event(event)

    [message] = dispute_mail(mail)
    assert message["Subject"] == "A dispute was closed: won ($25)"
    assert "It opened and closed before Kindred heard of it." in message.get_content()
    assert session.scalar(select(Dispute)).status == "won"


def test_the_dispute_test_card_reaches_the_admins(client, auth, session, mail, sandbox, catalog):
    from devstack.stripe_sandbox.cards import read_card
    from tests.helpers import checkout_session_id

    admins(session)
    make_account("ada")
    auth.login()
    location = client.post("/membership/checkout").location
    sandbox.complete_checkout(
        checkout_session_id(location), read_card("4000000000000259", "12 / 34", "123")
    )
    sandbox.deliver_pending()

    assert session.scalar(select(Dispute)).reason == "fraudulent"
    assert len(dispute_mail(mail)) == 1
