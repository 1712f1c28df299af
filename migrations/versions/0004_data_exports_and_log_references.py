"""Data exports recorded; moderation log by reference; invoices outlive their account

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:15:28.126110
"""

from collections.abc import Sequence

import re

import sqlalchemy as sa
from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('account', 'group')", name=op.f("ck_data_exports_kind")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_data_exports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_data_exports_group_id_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
    )
    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_data_exports_account_id_created_at", ["account_id", "created_at"], unique=False
        )

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.drop_constraint(batch_op.f("fk_invoices_account_id_accounts"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_invoices_account_id_accounts"),
            "accounts",
            ["account_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_kind", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("post_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_moderation_log_post_id"), ["post_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_moderation_log_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_moderation_log_thread_id"), ["thread_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_moderation_log_subject_id_accounts"),
            "accounts",
            ["subject_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_moderation_log_thread_id_threads"),
            "threads",
            ["thread_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_moderation_log_post_id_posts"),
            "posts",
            ["post_id"],
            ["id"],
            ondelete="SET NULL",
        )

    _backfill_log_references()

    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.alter_column("target_kind", existing_type=sa.String(length=10), nullable=False)
        batch_op.drop_column("actor_handle")
        batch_op.drop_column("target")

    if op.get_bind().dialect.name == "sqlite":
        # A deleted account's id is never given to a new one (PostgreSQL's sequences
        # never reuse ids anyway).
        with op.batch_alter_table(
            "accounts", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass


def downgrade() -> None:
    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        # The references cannot be turned back into the text they replaced faithfully;
        # the downgrade writes what the references still name.
        batch_op.add_column(
            sa.Column("target", sa.VARCHAR(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("actor_handle", sa.VARCHAR(length=30), nullable=False, server_default="")
        )
        batch_op.drop_constraint(batch_op.f("fk_moderation_log_post_id_posts"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_moderation_log_thread_id_threads"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_moderation_log_subject_id_accounts"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_moderation_log_thread_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_log_subject_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_log_post_id"))
        batch_op.drop_column("thread_id")
        batch_op.drop_column("post_id")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("target_kind")

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_invoices_account_id_accounts"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_invoices_account_id_accounts"),
            "accounts",
            ["account_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.alter_column("account_id", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.drop_index("ix_data_exports_account_id_created_at")

    op.drop_table("data_exports")


POST_TARGET = re.compile(r"(?:first post|reply) #(\d+)")
THREAD_TARGET = re.compile(r"thread \u201c(.*)\u201d")


def _backfill_log_references() -> None:
    """Turn each existing entry's frozen text into references: ``@handle`` names an
    account, ``first post #N``/``reply #N`` a post (and its thread), ``thread “…”`` a
    thread of that title in the entry's group."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, group_id, target FROM moderation_log")).all()
    for entry_id, group_id, target in rows:
        values = {"id": entry_id, "kind": "account", "subject": None, "post": None, "thread": None}
        if target.startswith("@"):
            values["subject"] = bind.scalar(
                sa.text("SELECT id FROM accounts WHERE handle_key = :key"),
                {"key": target[1:].lower()},
            )
        elif match := POST_TARGET.search(target):
            values["kind"] = "post"
            post = bind.execute(
                sa.text("SELECT id, thread_id FROM posts WHERE id = :id"), {"id": int(match[1])}
            ).first()
            if post is not None:
                values["post"], values["thread"] = post
        elif match := THREAD_TARGET.search(target):
            values["kind"] = "thread"
            values["thread"] = bind.scalar(
                sa.text("SELECT id FROM threads WHERE group_id = :group AND title = :title"),
                {"group": group_id, "title": match[1]},
            )
        bind.execute(
            sa.text(
                "UPDATE moderation_log SET target_kind = :kind, subject_id = :subject, "
                "post_id = :post, thread_id = :thread WHERE id = :id"
            ),
            values,
        )
