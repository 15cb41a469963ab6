"""The first hour: what a person did is not silently undone.

- `leader.self_edited`: the fields a leader edited themselves (`me`), which import leaves alone.
- `erasure_suppression`: a keyed hash of each erased email, so a re-import does not bring them back.
- `app_secret`: the suppression key the service generates once when LEADERS_SUPPRESSION_KEY is unset.

Revision ID: 0014
Revises: 0010 (written on 0008; re-chained after 0009, then 0010, as main moved)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leader", sa.Column("self_edited", sa.JSON, nullable=False, server_default="[]"))
    op.create_table("erasure_suppression",
                    sa.Column("email_hash", sa.String(64), primary_key=True),
                    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("reason", sa.String(40), nullable=False))
    op.create_table("app_secret",
                    sa.Column("name", sa.String(40), primary_key=True),
                    sa.Column("value", sa.String(200), nullable=False))


def downgrade() -> None:
    op.drop_table("app_secret")
    op.drop_table("erasure_suppression")
    op.drop_column("leader", "self_edited")  # not batch: a copied leader table would cascade-delete on SQLite
