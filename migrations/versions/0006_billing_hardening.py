"""Billing as a real deployment meets it: disputes, grace periods, 3-D Secure, reminders;
status CHECK constraints on subscriptions and invoices

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:40:10.727794
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The statuses as they stood when this migration was written.
SUBSCRIPTION_STATUSES = (
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "canceled",
    "unpaid",
    "paused",
)
INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stripe_dispute_id", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("stripe_charge_id", sa.String(length=255), nullable=True),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence_due_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("admins_told_opened", sa.Boolean(), nullable=False),
        sa.Column("admins_told_closed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review', 'won', 'lost', 'prevented')",
            name=op.f("ck_disputes_status"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_disputes_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("stripe_dispute_id", name=op.f("uq_disputes_stripe_dispute_id")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disputes_account_id"), ["account_id"], unique=False)

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_refresh", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_check_constraint(
            op.f("ck_invoices_status"), _one_of("status", INVOICE_STATUSES)
        )

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("renewal_amount", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("renewal_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("past_due_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("latest_invoice_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("action_invoice_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("action_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("reminded_for_period_end", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            op.f("ck_subscriptions_status"), _one_of("status", SUBSCRIPTION_STATUSES)
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_subscriptions_status"), type_="check")
        batch_op.drop_column("reminded_for_period_end")
        batch_op.drop_column("action_url")
        batch_op.drop_column("action_invoice_id")
        batch_op.drop_column("latest_invoice_id")
        batch_op.drop_column("past_due_since")
        batch_op.drop_column("renewal_currency")
        batch_op.drop_column("renewal_amount")
        batch_op.drop_column("cancel_at")

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_invoices_status"), type_="check")
        batch_op.drop_column("needs_refresh")

    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disputes_account_id"))

    op.drop_table("disputes")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"
