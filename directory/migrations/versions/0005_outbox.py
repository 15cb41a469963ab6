"""The delivery outbox and its lanes: messages the bot sends first, and who drains which rate budget.

Depends only on the tables of 0001 (chat_account). The APScheduler job store table (`apscheduler_jobs`)
is created by APScheduler itself on first start.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("recipient_account_id", sa.Integer,
                  sa.ForeignKey("chat_account.id", ondelete="SET NULL"), nullable=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("workspace_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("lane", sa.String(240), nullable=False),
        sa.Column("conversation", sa.String(500), nullable=False),
        sa.Column("reply", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("platform_message_id", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_message_dedupe_key"),
    )
    op.create_index("ix_outbox_message_due", "outbox_message", ["status", "lane", "next_attempt_at"])
    op.create_index("ix_outbox_message_recipient_account_id", "outbox_message", ["recipient_account_id"])
    op.create_table(
        "delivery_lane",
        sa.Column("lane", sa.String(240), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recent_sends", sa.Text, nullable=False, server_default="[]"),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("delivery_lane")
    op.drop_index("ix_outbox_message_recipient_account_id", "outbox_message")
    op.drop_index("ix_outbox_message_due", "outbox_message")
    op.drop_table("outbox_message")
