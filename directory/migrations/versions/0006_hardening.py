"""Hardening: sign-in bound to the browser that started it, and inbound requests de-duplicated in the store.

- `access_link.browser_hash`: the SHA-256 of the random `__Host-` cookie set when a sign-in starts; the
  callback must present the cookie (a sign-in started before this migration has none and is refused,
  which costs at most a fresh link: links last ten minutes).
- `seen_request`: keys of Slack requests already taken (an event id, or a signed request's signature),
  with when each may be forgotten, so a retry or a replay that reaches any `serve` process runs once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_link") as batch:
        batch.add_column(sa.Column("browser_hash", sa.String(64), nullable=True))
    op.create_table(
        "seen_request",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_seen_request_expires_at", "seen_request", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_seen_request_expires_at", "seen_request")
    op.drop_table("seen_request")
    with op.batch_alter_table("access_link") as batch:
        batch.drop_column("browser_hash")
