"""Introductions: one leader asks to meet another, who accepts, declines or says not now.

- `introduction`: one request, its state (`requested` → `accepted` | `declined` | `snoozed` | `withdrawn` |
  `expired`), a `revision` bumped on every change (live cards, bot/live.py), when it was delivered to the
  recipient (NULL while they have no chat account yet), the reminder, snooze and follow-up moments, who
  answered (the recipient or their delegate) and each side's "did you meet?" answer. At most one open
  request per ordered pair (a partial unique index); the use case refuses the reverse pair too.
- `intro_block`: a recipient's block of a requester — further requests are refused as "not available".
- `intro_delegate`: a staff-approved private-office delegate who receives and answers on a leader's behalf.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_OPEN = sa.text("status IN ('requested', 'snoozed')")


def _leader(name: str, **options: object) -> sa.Column:
    ondelete = "SET NULL" if options.get("nullable") is True else "CASCADE"
    return sa.Column(name, sa.Integer, sa.ForeignKey("leader.id", ondelete=ondelete), **options)


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "introduction",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
        _leader("requester_id", nullable=False),
        _leader("recipient_id", nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="requested"),
        _moment("created_at", False),
        _moment("delivered_at"),
        _moment("decided_at"),
        _moment("reminded_at"),
        _moment("snoozed_until"),
        _moment("followed_up_at"),
        _leader("answered_by_id", nullable=True),
        sa.Column("met_requester", sa.String(8), nullable=False, server_default=""),
        sa.Column("met_recipient", sa.String(8), nullable=False, server_default=""),
    )
    # Each leader's requests by state (both columns: with status alone indexed, SQLite picked that index
    # and scanned every accepted request on each turn), and the sweep's "what is due" by state and age.
    op.create_index("ix_introduction_requester", "introduction", ["requester_id", "status"])
    op.create_index("ix_introduction_recipient", "introduction", ["recipient_id", "status"])
    op.create_index("ix_introduction_status_created", "introduction", ["status", "created_at"])
    op.create_index("uq_introduction_open_pair", "introduction", ["requester_id", "recipient_id"],
                    unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN)
    op.create_table(
        "intro_block",
        _leader("blocker_id", primary_key=True),
        _leader("blocked_id", primary_key=True),
        _moment("created_at", False),
    )
    op.create_table(
        "intro_delegate",
        _leader("leader_id", primary_key=True),
        _leader("delegate_id", primary_key=True),
        sa.Column("approved_by", sa.String(200), nullable=False),
        _moment("created_at", False),
    )
    op.create_index("ix_intro_delegate_delegate_id", "intro_delegate", ["delegate_id"])


def downgrade() -> None:
    op.drop_index("ix_intro_delegate_delegate_id", "intro_delegate")
    op.drop_table("intro_delegate")
    op.drop_table("intro_block")
    op.drop_index("uq_introduction_open_pair", "introduction")
    op.drop_index("ix_introduction_status_created", "introduction")
    op.drop_index("ix_introduction_recipient", "introduction")
    op.drop_index("ix_introduction_requester", "introduction")
    op.drop_table("introduction")
