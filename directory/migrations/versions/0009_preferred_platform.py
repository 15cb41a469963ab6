"""Preferred platform: where proactive messages go for a leader linked on both Slack and Teams.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leader", sa.Column("preferred_platform", sa.String(20), nullable=False, server_default=""))


def downgrade() -> None:
    # Not batch mode: on SQLite that copies and drops `leader`, and the drop cascades to every child row
    # (tags, accounts). SQLite 3.35+ drops a plain column in place, as PostgreSQL does.
    op.execute("ALTER TABLE leader DROP COLUMN preferred_platform")
