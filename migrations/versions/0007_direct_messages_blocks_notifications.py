"""Direct messages, blocks, notifications; reports on messages; the log names messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:56:14.098774
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blocker_id", sa.Integer(), nullable=False),
        sa.Column("blocked_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("blocker_id <> blocked_id", name=op.f("ck_blocks_not_self")),
        sa.ForeignKeyConstraint(
            ["blocked_id"],
            ["accounts.id"],
            name=op.f("fk_blocks_blocked_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["blocker_id"],
            ["accounts.id"],
            name=op.f("fk_blocks_blocker_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocks")),
        sa.UniqueConstraint(
            "blocker_id", "blocked_id", name=op.f("uq_blocks_blocker_id_blocked_id")
        ),
    )
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.create_index("ix_blocks_blocked_id", ["blocked_id"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=True),
        sa.Column("second_id", sa.Integer(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("first_id < second_id", name=op.f("ck_conversations_pair_order")),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["accounts.id"],
            name=op.f("fk_conversations_first_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["accounts.id"],
            name=op.f("fk_conversations_second_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["accounts.id"],
            name=op.f("fk_conversations_started_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint(
            "first_id", "second_id", name=op.f("uq_conversations_first_id_second_id")
        ),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversations_first_id_last_message_at_id",
            ["first_id", "last_message_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_conversations_second_id_last_message_at_id",
            ["second_id", "last_message_at", "id"],
            unique=False,
        )

    op.create_table(
        "message_settings",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("from_all_members", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_message_settings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_message_settings")),
    )
    op.create_table(
        "notification_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_notification_digests_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digests")),
        sa.UniqueConstraint(
            "account_id", "day", name=op.f("uq_notification_digests_account_id_day")
        ),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "delivery IN ('immediately', 'digest', 'never')",
            name=op.f("ck_notification_preferences_delivery"),
        ),
        sa.CheckConstraint(
            "kind IN ('reply', 'mention', 'message', 'join_request', 'report', 'membership')",
            name=op.f("ck_notification_preferences_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_notification_preferences_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint(
            "account_id", "kind", name=op.f("uq_notification_preferences_account_id_kind")
        ),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["accounts.id"],
            name=op.f("fk_messages_author_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            "ix_messages_conversation_id_created_at_id",
            ["conversation_id", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("target", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('reply', 'mention', 'message', 'join_request', 'report', 'membership')",
            name=op.f("ck_notifications_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["accounts.id"],
            name=op.f("fk_notifications_actor_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["notification_digests.id"],
            name=op.f("fk_notifications_digest_id_notification_digests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["accounts.id"],
            name=op.f("fk_notifications_recipient_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_digest_id"), ["digest_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_recipient_id_created_at_id",
            ["recipient_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_notifications_recipient_id_read_at", ["recipient_id", "read_at"], unique=False
        )

    op.create_table(
        "thread_watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('watching', 'muted')", name=op.f("ck_thread_watches_state")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_thread_watches_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_thread_watches_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_watches")),
        sa.UniqueConstraint(
            "thread_id", "account_id", name=op.f("uq_thread_watches_thread_id_account_id")
        ),
    )
    with op.batch_alter_table("thread_watches", schema=None) as batch_op:
        batch_op.create_index("ix_thread_watches_account_id", ["account_id"], unique=False)

    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_moderation_log_message_id"), ["message_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_moderation_log_message_id_messages"),
            "messages",
            ["message_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch_op.alter_column("post_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("group_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_reports_message_id"), ["message_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_message_id_messages"),
            "messages",
            ["message_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            op.f("ck_reports_target"),
            "(post_id IS NOT NULL AND group_id IS NOT NULL AND message_id IS NULL)"
            " OR (post_id IS NULL AND group_id IS NULL AND message_id IS NOT NULL)",
        )


def downgrade() -> None:
    op.execute("DELETE FROM reports WHERE message_id IS NOT NULL")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reports_target"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_reports_message_id_messages"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_reports_message_id"))
        batch_op.alter_column("group_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("post_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("message_id")

    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_column("headers")

    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_moderation_log_message_id_messages"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_moderation_log_message_id"))
        batch_op.drop_column("message_id")

    with op.batch_alter_table("thread_watches", schema=None) as batch_op:
        batch_op.drop_index("ix_thread_watches_account_id")

    op.drop_table("thread_watches")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_recipient_id_read_at")
        batch_op.drop_index("ix_notifications_recipient_id_created_at_id")
        batch_op.drop_index(batch_op.f("ix_notifications_digest_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_actor_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_conversation_id_created_at_id")
        batch_op.drop_index(batch_op.f("ix_messages_author_id"))

    op.drop_table("messages")
    op.drop_table("notification_preferences")
    op.drop_table("notification_digests")
    op.drop_table("message_settings")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_second_id_last_message_at_id")
        batch_op.drop_index("ix_conversations_first_id_last_message_at_id")

    op.drop_table("conversations")
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_blocks_blocked_id")

    op.drop_table("blocks")
