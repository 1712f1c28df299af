"""What billing keeps about people, what of it is exported, and what deletion does.

Deleting an account closes its billing at Stripe first (``app.billing.closing``); the
database then removes the customer link and subscriptions with the account and keeps
the paid invoices, unlinked, for the books.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from app.accounts.models import Account
from app.billing.closing import close_billing
from app.billing.models import BillingCustomer, Dispute, Invoice, Subscription
from app.billing.services import customer_for
from app.exports.archive import ExportContext, json_document, render_stream, stream_records
from app.personal_data import Deletion, Feature, Section, Table, register

STRIPE = (
    "Stripe, our payment processor, receives your email address and your account number "
    "when you pay, and holds the payments themselves."
)


def _customer_id(ctx: ExportContext) -> str | None:
    customer = customer_for(ctx.account)
    return customer.stripe_customer_id if customer else None


def _subscriptions(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(
            Subscription.status,
            Subscription.current_period_start,
            Subscription.current_period_end,
            Subscription.cancel_at_period_end,
            Subscription.cancel_at,
            Subscription.canceled_at,
            Subscription.ended_at,
        )
        .where(Subscription.account_id == ctx.account.id)
        .order_by(Subscription.id)
    )
    yield from stream_records(query)


def _invoices(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(
            Invoice.number,
            Invoice.paid_at,
            Invoice.amount_paid,
            Invoice.amount_refunded,
            Invoice.currency,
            Invoice.status,
        )
        .where(Invoice.account_id == ctx.account.id)
        .order_by(Invoice.paid_at, Invoice.id)
    )
    yield from stream_records(query)


def _disputes(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(
            Dispute.amount,
            Dispute.currency,
            Dispute.reason,
            Dispute.status,
            Dispute.opened_at,
            Dispute.closed_at,
        )
        .where(Dispute.account_id == ctx.account.id)
        .order_by(Dispute.opened_at, Dispute.id)
    )
    yield from stream_records(query)


def write_billing(ctx: ExportContext) -> Iterator[str]:
    return json_document(
        "billing.json",
        {"stripe_customer_id": _customer_id(ctx)},
        {
            "subscriptions": _subscriptions(ctx),
            "invoices": _invoices(ctx),
            "disputes": _disputes(ctx),
        },
    )


def billing_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "exports/offline/billing.html",
        customer_id=_customer_id(ctx),
        subscriptions=_subscriptions(ctx),
        invoices=_invoices(ctx),
        disputes=_disputes(ctx),
    )


def _close(account: Account, keep_posts: bool) -> None:
    close_billing(account)


register(
    Feature(
        name="billing",
        tables=(
            Table(
                "billing_customers",
                title="Your Stripe customer number",
                holds="The number Stripe gave you as its customer.",
                why="To open your billing page at Stripe and match its messages to you.",
                kept="Until you delete your account; Kindred then asks Stripe to delete "
                "the customer, which removes your email address from it.",
                export="billing.json",
                on_delete="Removed, after Kindred has cancelled every subscription at Stripe "
                "(so nothing more is charged) and asked Stripe to delete the customer.",
                references={"account_id": Deletion.REMOVED},
                shared_with=STRIPE,
            ),
            Table(
                "subscriptions",
                title="Subscriptions",
                holds="Your yearly subscription as Stripe last described it: its status, "
                "its current period, whether it renews, and when it was cancelled or ended.",
                why="To know whether you are a paying member without asking Stripe on every page.",
                kept="Until you delete your account.",
                export="billing.json",
                on_delete="Cancelled at Stripe at once, then removed.",
                references={"account_id": Deletion.REMOVED},
                shared_with=STRIPE,
            ),
            Table(
                "invoices",
                title="Invoices",
                holds="Each paid invoice: its number, date, amount, currency and any refund.",
                why="Your billing history, and the operator's books, which the law "
                "requires them to keep.",
                kept="As long as the law requires the operator to keep their books. When "
                "you delete your account the invoices stay, but nothing in them names you "
                "any more: no account, no email address, no handle.",
                export="billing.json",
                on_delete="Kept for the books, without anything that names you.",
                references={"account_id": Deletion.UNLINKED},
                shared_with=STRIPE,
            ),
            Table(
                "disputes",
                title="Disputed payments",
                holds="A payment you disputed with your bank: its amount, currency, the "
                "reason your bank gave, its status and when it opened and closed.",
                why="The operator must answer a dispute and keep it in the books.",
                kept="As long as the law requires the operator to keep their books. When "
                "you delete your account the record stays, but nothing in it names you.",
                export="billing.json",
                on_delete="Kept for the books, without anything that names you.",
                references={"account_id": Deletion.UNLINKED},
                shared_with=STRIPE,
            ),
        ),
        sections=(
            Section(
                "billing.json",
                "Billing",
                "Your Stripe customer number, your subscriptions (status, periods, renewal, "
                "cancellation), your paid invoices (number, date, amount, refunds) and any "
                "payment you disputed with your bank. "
                "Stripe's own identifiers for subscriptions and invoices are bookkeeping "
                "and are left out.",
                write_billing,
                billing_html,
            ),
        ),
        on_account_deleted=_close,
    )
)

__all__ = ["BillingCustomer"]
