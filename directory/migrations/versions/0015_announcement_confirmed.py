"""Announcements drafted in chat wait for a Confirm press (issue 14).

- `announcement.confirmed_at`: when the announcement was confirmed and its messages queued; NULL for a
  draft made in chat that nobody has confirmed yet (nothing queued, nothing sent). Every announcement
  made before this revision was sent at once, so it counts as confirmed when it was created.

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("announcement") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE announcement SET confirmed_at = created_at")


def downgrade() -> None:
    op.execute("DELETE FROM announcement WHERE confirmed_at IS NULL")
    with op.batch_alter_table("announcement") as batch:
        batch.drop_column("confirmed_at")
