"""Teams conversation references: where the bot can message a leader first (proactive messages).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_conversation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),  # AAD object id
        sa.Column("conversation_id", sa.String(500), nullable=False),
        sa.Column("chat_account_id", sa.Integer, sa.ForeignKey("chat_account.id", ondelete="CASCADE"),
                  nullable=True, index=True),
        sa.Column("conversation_type", sa.String(20), nullable=False),
        sa.Column("service_url", sa.String(500), nullable=False),
        sa.Column("channel_id", sa.String(40), nullable=False),
        sa.Column("bot_id", sa.String(200), nullable=False),
        sa.Column("bot_name", sa.String(200), nullable=False),
        sa.Column("user_channel_id", sa.String(200), nullable=False),  # the "29:…" id Teams addresses
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "user_id", "conversation_id", name="uq_teams_conversation"),
    )
    op.create_index("ix_teams_conversation_user", "teams_conversation", ["tenant_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_teams_conversation_user", "teams_conversation")
    op.drop_table("teams_conversation")
