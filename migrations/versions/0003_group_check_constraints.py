"""Group statuses and counters get CHECK constraints

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, constraint name as the naming convention makes it, condition)
CHECKS = [
    ("groups", "ck_groups_visibility", "visibility IN ('public', 'members', 'private')"),
    ("groups", "ck_groups_join_policy", "join_policy IN ('open', 'request', 'invite')"),
    ("group_members", "ck_group_members_role", "role IN ('member', 'moderator', 'host')"),
    (
        "group_join_requests",
        "ck_group_join_requests_status",
        "status IN ('pending', 'approved', 'declined')",
    ),
    (
        "group_invitations",
        "ck_group_invitations_status",
        "status IN ('pending', 'accepted', 'declined')",
    ),
    ("reports", "ck_reports_reason", "reason IN ('spam', 'harassment', 'off_topic', 'other')"),
    ("threads", "ck_threads_reply_count", "reply_count >= 0"),
]


def upgrade() -> None:
    for table, name, condition in CHECKS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_check_constraint(op.f(name), condition)


def downgrade() -> None:
    for table, name, _condition in reversed(CHECKS):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(name), type_="check")
