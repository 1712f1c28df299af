"""Sponsored seats: what each subscription pays for, sponsorships, the seat ledger and its
pool lock, applications and grants

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('waiting', 'review')")


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(length=16), nullable=False, server_default="membership")
        )
        batch.add_column(
            sa.Column("seat_quantity", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_check_constraint("purpose", "purpose IN ('membership', 'sponsorship')")
        batch.create_check_constraint("seat_quantity", "seat_quantity >= 0")
    with op.batch_alter_table("subscriptions") as batch:
        batch.alter_column("purpose", server_default=None)
        batch.alter_column("seat_quantity", server_default=None)

    op.create_table(
        "seat_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_pool")),
    )
    op.execute("INSERT INTO seat_pool (id, changes) VALUES (1, 0)")

    op.create_table(
        "sponsorships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("unit_amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("public_name", sa.String(length=80), nullable=True),
        sa.Column("stripe_checkout_session_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('once', 'yearly', 'gift')", name=op.f("ck_sponsorships_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'ended')", name=op.f("ck_sponsorships_status")
        ),
        sa.CheckConstraint("seats > 0", name=op.f("ck_sponsorships_seats")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_sponsorships_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorships")),
        sa.UniqueConstraint(
            "stripe_checkout_session_id", name=op.f("uq_sponsorships_stripe_checkout_session_id")
        ),
    )
    op.create_index(op.f("ix_sponsorships_account_id"), "sponsorships", ["account_id"])
    op.create_index(
        op.f("ix_sponsorships_stripe_subscription_id"), "sponsorships", ["stripe_subscription_id"]
    )

    op.create_table(
        "seat_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting', 'review', 'granted', 'declined', 'withdrawn')",
            name=op.f("ck_seat_applications_status"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_seat_applications_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_applications")),
    )
    op.create_index(
        "uq_seat_applications_open_account",
        "seat_applications",
        ["account_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index("ix_seat_applications_status_id", "seat_applications", ["status", "id"])

    op.create_table(
        "seat_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_30_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_7_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_seat_grants_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["seat_applications.id"],
            name=op.f("fk_seat_grants_application_id_seat_applications"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_grants")),
        sa.UniqueConstraint("application_id", name=op.f("uq_seat_grants_application_id")),
    )
    op.create_index(op.f("ix_seat_grants_account_id"), "seat_grants", ["account_id"])

    op.create_table(
        "seat_gifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'claimed', 'returned')", name=op.f("ck_seat_gifts_status")
        ),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_seat_gifts_sponsorship_id_sponsorships"),
        ),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"],
            ["accounts.id"],
            name=op.f("fk_seat_gifts_claimed_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_gifts")),
        sa.UniqueConstraint("token", name=op.f("uq_seat_gifts_token")),
    )
    op.create_index(op.f("ix_seat_gifts_sponsorship_id"), "seat_gifts", ["sponsorship_id"])
    op.create_index(
        "ix_seat_gifts_status_expires_at", "seat_gifts", ["status", "expires_at"]
    )

    op.create_table(
        "seat_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=True),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.Column("gift_id", sa.Integer(), nullable=True),
        sa.Column("payment_ref", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('funded', 'granted', 'released', 'refunded', 'adjustment', "
            "'gift_issued', 'gift_claimed', 'gift_returned')",
            name=op.f("ck_seat_ledger_kind"),
        ),
        sa.CheckConstraint("seats <> 0", name=op.f("ck_seat_ledger_seats")),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_seat_ledger_sponsorship_id_sponsorships"),
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["seat_grants.id"],
            name=op.f("fk_seat_ledger_grant_id_seat_grants"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["gift_id"], ["seat_gifts.id"], name=op.f("fk_seat_ledger_gift_id_seat_gifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_ledger")),
        sa.UniqueConstraint("source", name=op.f("uq_seat_ledger_source")),
    )
    op.create_index(op.f("ix_seat_ledger_grant_id"), "seat_ledger", ["grant_id"])
    op.create_index(op.f("ix_seat_ledger_gift_id"), "seat_ledger", ["gift_id"])
    op.create_index(op.f("ix_seat_ledger_payment_ref"), "seat_ledger", ["payment_ref"])
    op.create_index("ix_seat_ledger_created_at", "seat_ledger", ["created_at"])
    op.create_index("ix_seat_ledger_sponsorship_id_kind", "seat_ledger", ["sponsorship_id", "kind"])


def downgrade() -> None:
    op.drop_table("seat_ledger")
    op.drop_table("seat_gifts")
    op.drop_table("seat_grants")
    op.drop_index("uq_seat_applications_open_account", table_name="seat_applications")
    op.drop_table("seat_applications")
    op.drop_table("sponsorships")
    op.drop_table("seat_pool")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_constraint("seat_quantity", type_="check")
        batch.drop_constraint("purpose", type_="check")
        batch.drop_column("seat_quantity")
        batch.drop_column("purpose")
