"""Disputes: a card holder asked their bank to take back a payment made to Kindred.

A dispute does not change the membership by itself (notes: "Disputes"): Kindred records it,
keeps its status as Stripe reports it, and tells the admins by mail when it opens (with the
deadline for evidence) and when it closes.  Admins answer it in Stripe's Dashboard; if they
judge the payment was not the member's, they cancel the subscription there, and that reaches
Kindred as any cancellation does.

Like every webhook, the dispute is read from Stripe again, so any delivery order ends in the
same row; each mail goes out at most once per dispute.
"""

from __future__ import annotations

from typing import Any

import stripe
from flask import current_app
from sqlalchemy import select

from app.accounts.models import Account
from app.billing import stripe_api
from app.billing.models import Dispute, Invoice
from app.billing.services import (
    account_for,
    format_money,
    from_timestamp,
    insert_missing,
)
from app.db import db, utcnow
from app.mail import send_mail


def record_dispute(dispute: dict[str, Any], event_created: int) -> Dispute | None:
    """Store the dispute as Stripe describes it now (the event's copy if Stripe cannot be
    reached, though never reopening a closed one) and tell the admins what is new."""
    remote, from_api = _read_dispute(dispute)
    local = _locked(remote["id"])
    if local is None:
        insert_missing(
            Dispute,
            {
                "stripe_dispute_id": remote["id"],
                "account_id": _dispute_account(remote),
                "amount": remote["amount"],
                "currency": remote["currency"],
                "reason": remote.get("reason") or "general",
                "status": remote["status"],
                "opened_at": from_timestamp(remote["created"]),
                "updated_at": utcnow(),
            },
            "stripe_dispute_id",
        )
        local = _locked(remote["id"])
    elif not from_api and local.is_closed:
        return local
    if local.account_id is None:
        local.account_id = _dispute_account(remote)
    charge = remote.get("charge")
    local.stripe_charge_id = charge.get("id") if isinstance(charge, dict) else charge
    local.payment_intent_id = _id(remote.get("payment_intent"))
    local.amount = remote["amount"]
    local.currency = remote["currency"]
    local.reason = remote.get("reason") or "general"
    local.status = remote["status"]
    local.evidence_due_by = from_timestamp((remote.get("evidence_details") or {}).get("due_by"))
    if local.is_closed:
        local.closed_at = local.closed_at or (
            from_timestamp(event_created) if event_created else utcnow()
        )
    else:
        local.closed_at = None
    _tell_admins(local, livemode=bool(remote.get("livemode")))
    db.session.flush()
    return local


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


def _read_dispute(dispute: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    try:
        remote = stripe_api.client().v1.disputes.retrieve(dispute["id"])
    except stripe.StripeError as error:
        if not stripe_api.is_unreachable(error):
            raise
        return dispute, False
    return stripe_api.plain(remote), True


def _locked(dispute_id: str) -> Dispute | None:
    return db.session.scalar(
        select(Dispute).where(Dispute.stripe_dispute_id == dispute_id).with_for_update()
    )


def _dispute_account(dispute: dict[str, Any]) -> int | None:
    """The account whose payment is disputed: by the invoice it paid, else the charge's
    customer (read from Stripe; None if Stripe cannot say)."""
    payment_intent = _id(dispute.get("payment_intent"))
    if payment_intent is not None:
        owner = db.session.scalar(
            select(Invoice.account_id).where(Invoice.payment_intent_id == payment_intent)
        )
        if owner is not None:
            return owner
    charge = dispute.get("charge")
    if not isinstance(charge, dict):
        try:
            charge = stripe_api.plain(stripe_api.client().v1.charges.retrieve(charge))
        except stripe.StripeError as error:
            if stripe_api.is_unreachable(error):
                return None
            raise
    return account_for({"customer": charge.get("customer"), "metadata": {}}, None)


def _tell_admins(dispute: Dispute, *, livemode: bool) -> None:
    if dispute.is_closed and not dispute.admins_told_closed:
        subject = f"A dispute was closed: {dispute.status} ({_amount(dispute)})"
        opening = (
            ""
            if dispute.admins_told_opened
            else "It opened and closed before Kindred heard of it.\n\n"
        )
        body = (
            f"A card holder's dispute of a Kindred payment is closed: {dispute.status}.\n\n"
            f"{opening}{_facts(dispute, livemode)}"
        )
        dispute.admins_told_opened = dispute.admins_told_closed = True
    elif not dispute.is_closed and not dispute.admins_told_opened:
        subject = f"A payment was disputed: {_amount(dispute)} ({dispute.reason})"
        due = (
            dispute.evidence_due_by.strftime("%-d %B %Y, %H:%M UTC")
            if dispute.evidence_due_by
            else "not given"
        )
        body = (
            "A card holder disputed a Kindred payment with their bank.\n\n"
            f"Evidence due by: {due}\n{_facts(dispute, livemode)}"
        )
        dispute.admins_told_opened = True
    else:
        return
    admins = db.session.scalars(
        select(Account.email).where(Account.is_admin, Account.suspended_at.is_(None))
    ).all()
    if not admins:
        current_app.logger.warning("Dispute %s: no admin to tell", dispute.stripe_dispute_id)
    for email in admins:
        send_mail(email, subject, body)


def _amount(dispute: Dispute) -> str:
    return format_money(dispute.amount, dispute.currency)


def _facts(dispute: Dispute, livemode: bool) -> str:
    who = "not matched to an account (yet)"
    if dispute.account_id is not None:
        account = db.session.get(Account, dispute.account_id)
        who = f"@{account.handle}" if account else who
    dashboard = "https://dashboard.stripe.com/" + ("" if livemode else "test/")
    return (
        f"Account: {who}\n"
        f"Amount: {_amount(dispute)}\n"
        f"Reason given: {dispute.reason}\n"
        f"Status: {dispute.status}\n\n"
        f"Answer it in Stripe's Dashboard: {dashboard}disputes/{dispute.stripe_dispute_id}\n\n"
        "A dispute does not change the membership. If you judge the payment was not the "
        "member's, cancel the subscription in the Dashboard; Kindred ends the membership "
        "when Stripe reports it.\n"
    )
