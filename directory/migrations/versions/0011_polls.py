"""Polls: the poll, its options, who was asked, the participation ledger, anonymous ballots, comments.

Ballots carry no voter id (a keyed hash under the poll's own secret, destroyed at close); who has
answered is the separate ledger `poll_participation`, whose primary key is the one-vote rule.

Revision ID: 0011
Revises: 0013 (written on 0009; re-chained onto main's head at each merge: 0010, 0014, 0013)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0013"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "poll",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("question", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("audience", sa.String(1000), nullable=False),
        sa.Column("opens_at", _TZ, nullable=True),
        sa.Column("closes_at", _TZ, nullable=True),
        sa.Column("reminders", sa.JSON, nullable=False),
        sa.Column("reminders_sent", sa.Integer, nullable=False),
        sa.Column("attributed", sa.Boolean, nullable=False),
        sa.Column("allow_comment", sa.Boolean, nullable=False),
        sa.Column("min_group", sa.Integer, nullable=False),
        sa.Column("results_for", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("secret", sa.String(64), nullable=True),
        sa.Column("audience_size", sa.Integer, nullable=False),
        sa.Column("responded", sa.Integer, nullable=False),
        sa.Column("results", sa.JSON, nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("opened_at", _TZ, nullable=True),
        sa.Column("closed_at", _TZ, nullable=True),
    )
    op.create_index("ix_poll_opens_at", "poll", ["opens_at"])
    op.create_index("ix_poll_closes_at", "poll", ["closes_at"])
    op.create_index("ix_poll_status", "poll", ["status"])
    op.create_table(
        "poll_option",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("poll_id", sa.Integer, sa.ForeignKey("poll.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.UniqueConstraint("poll_id", "position", name="uq_poll_option_position"),
    )
    op.create_index("ix_poll_option_poll_id", "poll_option", ["poll_id"])
    op.create_table(
        "poll_recipient",
        sa.Column("poll_id", sa.Integer, sa.ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("chat_account.id", ondelete="SET NULL"), nullable=True
        ),
    )
    op.create_index("ix_poll_recipient_leader_id", "poll_recipient", ["leader_id"])
    op.create_table(
        "poll_participation",
        sa.Column("poll_id", sa.Integer, sa.ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "poll_ballot",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("poll_id", sa.Integer, sa.ForeignKey("poll.id", ondelete="CASCADE"), nullable=False),
        sa.Column("voter_key", sa.String(64), nullable=False),
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="SET NULL"), nullable=True),
        sa.Column("sector", sa.String(40), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("choices", sa.JSON, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.UniqueConstraint("poll_id", "voter_key", name="uq_poll_ballot_voter"),
    )
    op.create_index("ix_poll_ballot_poll_id", "poll_ballot", ["poll_id"])
    op.create_table(
        "poll_comment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("poll_id", sa.Integer, sa.ForeignKey("poll.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("redacted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_poll_comment_poll_id", "poll_comment", ["poll_id"])


def downgrade() -> None:
    for table in (
        "poll_comment",
        "poll_ballot",
        "poll_participation",
        "poll_recipient",
        "poll_option",
        "poll",
    ):
        op.drop_table(table)
