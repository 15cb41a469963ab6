"""Search that ranks right and a directory that stays true (issue 15).

- `leader.confirmed_at`: when the leader last said their profile is right (null: never; the profile's
  own `created_at` is then the reference for the six-month question).
- `leader.left_at`: set by `leaders leaver`; a leaver is no longer found or shown (their search rows are
  removed), the audit log keeps the record.
- `search_synonym`: staff's additions to the built-in short forms (directory/synonyms.py).

Revision ID: 0013
Revises: 0014 (written on 0008; re-chained after 0009, 0010 and 0014 as main moved)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not batch mode: on SQLite that copies and drops `leader`, and the drop cascades to every child row.
    op.add_column("leader", sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("leader", sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "search_synonym",
        sa.Column("phrase", sa.String(100), primary_key=True),
        sa.Column("expansion", sa.String(200), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("search_synonym")
    # SQLite 3.35+ drops a plain column in place, as PostgreSQL does (no copy, no cascade).
    op.execute("ALTER TABLE leader DROP COLUMN left_at")
    op.execute("ALTER TABLE leader DROP COLUMN confirmed_at")
