"""Safety: held posts, watched words, group rules, notices and appeals

Posts and threads gain ``held_at`` by plain ``add_column`` (a batch rebuild would drop the
search triggers); the search triggers are made again so a held post never enters the
index, on SQLite and PostgreSQL. The statements are copied in as text (no app imports).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = "kind IN ('reply', 'mention', 'message', 'join_request', 'report', 'membership')"
KINDS_AFTER = "kind IN ('reply', 'mention', 'message', 'join_request', 'report', 'membership', 'moderation')"

TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS post_search_post_inserted",
        "DROP TRIGGER IF EXISTS post_search_post_updated",
        "CREATE TRIGGER IF NOT EXISTS post_search_post_inserted AFTER INSERT ON posts\n    WHEN NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL AND NEW.held_at IS NULL\n    BEGIN\n        INSERT INTO post_search (rowid, title, body)\n        SELECT NEW.id, CASE WHEN NEW.is_opener THEN threads.title ELSE '' END, NEW.body\n        FROM threads WHERE threads.id = NEW.thread_id;\n    END",
        "CREATE TRIGGER IF NOT EXISTS post_search_post_updated\n    AFTER UPDATE OF body, hidden_at, deleted_at, held_at, is_opener, thread_id ON posts\n    BEGIN\n        DELETE FROM post_search WHERE rowid = OLD.id;\n        INSERT INTO post_search (rowid, title, body)\n        SELECT NEW.id, CASE WHEN NEW.is_opener THEN threads.title ELSE '' END, NEW.body\n        FROM threads\n        WHERE threads.id = NEW.thread_id\n            AND NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL AND NEW.held_at IS NULL;\n    END",
    ],
    "postgresql": [
        'CREATE OR REPLACE FUNCTION post_search_sync_post() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL AND NEW.held_at IS NULL THEN\n            INSERT INTO post_search (post_id, document)\n            SELECT NEW.id, post_search_document(\n                CASE WHEN NEW.is_opener THEN threads.title END, NEW.body)\n            FROM threads WHERE threads.id = NEW.thread_id\n            ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document;\n        ELSE\n            DELETE FROM post_search WHERE post_id = NEW.id;\n        END IF;\n        RETURN NULL;\n    END\n    $$',
        'DROP TRIGGER IF EXISTS post_search_sync_post ON posts',
        'CREATE TRIGGER post_search_sync_post\n    AFTER INSERT OR UPDATE OF body, hidden_at, deleted_at, held_at, is_opener, thread_id ON posts\n    FOR EACH ROW EXECUTE FUNCTION post_search_sync_post()',
    ],
}

TRIGGERS_BEFORE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS post_search_post_inserted",
        "DROP TRIGGER IF EXISTS post_search_post_updated",
        "CREATE TRIGGER IF NOT EXISTS post_search_post_inserted AFTER INSERT ON posts\n    WHEN NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL\n    BEGIN\n        INSERT INTO post_search (rowid, title, body)\n        SELECT NEW.id, CASE WHEN NEW.is_opener THEN threads.title ELSE '' END, NEW.body\n        FROM threads WHERE threads.id = NEW.thread_id;\n    END",
        "CREATE TRIGGER IF NOT EXISTS post_search_post_updated\n    AFTER UPDATE OF body, hidden_at, deleted_at, is_opener, thread_id ON posts\n    BEGIN\n        DELETE FROM post_search WHERE rowid = OLD.id;\n        INSERT INTO post_search (rowid, title, body)\n        SELECT NEW.id, CASE WHEN NEW.is_opener THEN threads.title ELSE '' END, NEW.body\n        FROM threads\n        WHERE threads.id = NEW.thread_id AND NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL;\n    END",
    ],
    "postgresql": [
        'CREATE OR REPLACE FUNCTION post_search_sync_post() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL THEN\n            INSERT INTO post_search (post_id, document)\n            SELECT NEW.id, post_search_document(\n                CASE WHEN NEW.is_opener THEN threads.title END, NEW.body)\n            FROM threads WHERE threads.id = NEW.thread_id\n            ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document;\n        ELSE\n            DELETE FROM post_search WHERE post_id = NEW.id;\n        END IF;\n        RETURN NULL;\n    END\n    $$',
        'DROP TRIGGER IF EXISTS post_search_sync_post ON posts',
        'CREATE TRIGGER post_search_sync_post\n    AFTER INSERT OR UPDATE OF body, hidden_at, deleted_at, is_opener, thread_id ON posts\n    FOR EACH ROW EXECUTE FUNCTION post_search_sync_post()',
    ],
}


def _kinds(check: str) -> None:
    for table in ("notifications", "notification_preferences"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_kind"), sa.text(check))


def upgrade() -> None:
    false = sa.text("false") if op.get_bind().dialect.name == "postgresql" else sa.text("0")
    op.add_column(
        "groups", sa.Column("hold_first_posts", sa.Boolean(), nullable=False, server_default=false)
    )
    op.add_column(
        "groups",
        sa.Column("log_names_moderators", sa.Boolean(), nullable=False, server_default=false),
    )
    op.add_column("threads", sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("posts", sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("posts", sa.Column("held_because", sa.String(length=200), nullable=True))
    op.create_index("ix_posts_group_id_held_at_id", "posts", ["group_id", "held_at", "id"])
    op.add_column("moderation_log", sa.Column("rule", sa.String(length=200), nullable=True))

    op.create_table(
        "group_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_rules_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_rules")),
    )
    op.create_index("ix_group_rules_group_id_position", "group_rules", ["group_id", "position"])
    op.create_table(
        "group_watched_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "action IN ('block', 'hold')", name=op.f("ck_group_watched_words_action")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_watched_words_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_watched_words")),
        sa.UniqueConstraint("group_id", "word", name=op.f("uq_group_watched_words_group_id_word")),
    )
    op.create_table(
        "moderation_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("appellant_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'upheld', 'overturned')",
            name=op.f("ck_moderation_appeals_status"),
        ),
        sa.ForeignKeyConstraint(
            ["appellant_id"],
            ["accounts.id"],
            name=op.f("fk_moderation_appeals_appellant_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["accounts.id"],
            name=op.f("fk_moderation_appeals_decided_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["moderation_log.id"],
            name=op.f("fk_moderation_appeals_entry_id_moderation_log"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_moderation_appeals_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_appeals")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_moderation_appeals_entry_id")),
    )
    op.create_index(
        "ix_moderation_appeals_appellant_id", "moderation_appeals", ["appellant_id"]
    )
    op.create_index(
        "ix_moderation_appeals_decided_by_id", "moderation_appeals", ["decided_by_id"]
    )
    op.create_index(
        "ix_moderation_appeals_group_id_status_id",
        "moderation_appeals",
        ["group_id", "status", "id"],
    )
    _kinds(KINDS_AFTER)
    for statement in TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in TRIGGERS_BEFORE[op.get_bind().dialect.name]:
        op.execute(statement)
    op.execute("DELETE FROM notifications WHERE kind = 'moderation'")
    op.execute("DELETE FROM notification_preferences WHERE kind = 'moderation'")
    _kinds(KINDS_BEFORE)
    op.drop_table("moderation_appeals")
    op.drop_table("group_watched_words")
    op.drop_table("group_rules")
    op.drop_column("moderation_log", "rule")
    op.drop_index("ix_posts_group_id_held_at_id", table_name="posts")
    op.drop_column("posts", "held_because")
    op.drop_column("posts", "held_at")
    op.drop_column("threads", "held_at")
    op.drop_column("groups", "log_names_moderators")
    op.drop_column("groups", "hold_first_posts")
