"""Read positions (how far each account has read each thread); a time zone per account

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite rebuilds the table to add a column with a default: keep its AUTOINCREMENT.
_ACCOUNTS_KWARGS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "read_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("last_read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_read_post_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_read_positions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_read_positions_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_positions")),
        sa.UniqueConstraint(
            "account_id", "thread_id", name=op.f("uq_read_positions_account_id_thread_id")
        ),
    )
    with op.batch_alter_table("read_positions", schema=None) as batch_op:
        batch_op.create_index("ix_read_positions_thread_id", ["thread_id"], unique=False)

    with op.batch_alter_table("accounts", schema=None, table_kwargs=_ACCOUNTS_KWARGS) as batch_op:
        batch_op.add_column(
            sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None, table_kwargs=_ACCOUNTS_KWARGS) as batch_op:
        batch_op.drop_column("time_zone")
    with op.batch_alter_table("read_positions", schema=None) as batch_op:
        batch_op.drop_index("ix_read_positions_thread_id")
    op.drop_table("read_positions")
