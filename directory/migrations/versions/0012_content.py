"""Curated content, digests and announcements (issue 14).

- `content_topic`: the staff's topic vocabulary (retired topics kept for history).
- `content_item`: an item with its link, summary, topics (JSON), audience, publish window, the
  two-person rule's drafter and approver, its own link token for `/r/<token>`, and engagement counters
  that are per item only (topic figures are sums over items).
- `digest_preference`: a leader's cadence, local time, time zone and topics (no row = the defaults).
- `digest_sent`: what each leader was sent, so nothing repeats.
- `announcement`: a message to an audience; its delivery report is read from its outbox rows.

Revision ID: 0012
Revises: 0011 (written on 0009; re-chained as main moved: 0010, 0013, 0011)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "content_topic",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("retired_at", _TZ, nullable=True),
    )
    op.create_table(
        "content_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("audience", sa.String(500), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("publish_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=True),
        sa.Column("drafted_by", sa.String(200), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=False),
        sa.Column("approved_at", _TZ, nullable=True),
        sa.Column("link_token", sa.String(32), nullable=False),
        *(sa.Column(name, sa.Integer, nullable=False, server_default="0")
          for name in ("opens", "useful", "not_for_me")),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.UniqueConstraint("link_token", name="uq_content_item_link_token"),
    )
    op.create_index("ix_content_item_publish_at", "content_item", ["publish_at"])
    op.create_table(
        "digest_preference",
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("cadence", sa.String(10), nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("minute", sa.Integer, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("last_slot", _TZ, nullable=True),
        sa.Column("welcomed", sa.Boolean, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
    )
    op.create_table(
        "digest_sent",
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("content_item.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("message_key", sa.String(200), nullable=False),
        sa.Column("sent_at", _TZ, nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False),
    )
    op.create_index("ix_digest_sent_item_id", "digest_sent", ["item_id"])
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("audience", sa.String(500), nullable=False),
        sa.Column("send_at", _TZ, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("audience_size", sa.Integer, nullable=False),
        sa.Column("unreachable", sa.Integer, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("announcement")
    op.drop_index("ix_digest_sent_item_id", "digest_sent")
    op.drop_table("digest_sent")
    op.drop_table("digest_preference")
    op.drop_index("ix_content_item_publish_at", "content_item")
    op.drop_table("content_item")
    op.drop_table("content_topic")
