"""Trust: staff role, append-only audit log, one-time links, erasure requests, usage caps, link revocation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_APPEND_ONLY = "audit log is append-only"


def upgrade() -> None:
    op.add_column("leader", sa.Column("microsoft_oid", sa.String(64), nullable=False, server_default=""))
    op.create_index("ix_leader_microsoft_oid", "leader", ["microsoft_oid"])
    op.add_column("leader", sa.Column("sector_key", sa.String(40), nullable=False, server_default=""))
    op.create_index("ix_leader_sector_key", "leader", ["sector_key"])
    _fill_sector_key()
    op.add_column("chat_account", sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "staff_member",
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("actor", sa.String(200), nullable=False, index=True),
        sa.Column("action", sa.String(60), nullable=False, index=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_table(
        "access_link",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("workspace_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="CASCADE"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(100), nullable=True, unique=True),
        sa.Column("flow", sa.JSON, nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "erasure_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="SET NULL"), nullable=True,
                  index=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "usage_counter",
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("profiles_shown", sa.Integer, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
    )
    # The audit log is append-only in the database itself, not only by convention in the code.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                       f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END")
    else:
        op.execute("CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")


def _fill_sector_key() -> None:
    """Searchable sector: the sector, unless the leader has hidden it from other leaders. Leaders who hid
    any searchable field before this revision are re-indexed, so search and filters stop matching it."""
    bind = op.get_bind()
    op.execute("UPDATE leader SET sector_key = sector")
    hidden = [row.id for row in bind.execute(sa.text("SELECT id, visibility FROM leader"))
              if isinstance(_json(row.visibility), dict)
              and any(level != "everyone" for field, level in _json(row.visibility).items()
                      if field not in ("email", "phone"))]
    if hidden:
        from sqlalchemy.orm import Session, load_only

        from directory.models import Leader
        from directory.people import refresh_search
        from directory.search_index import BEFORE_0017

        session = Session(bind=bind)
        session.info[BEFORE_0017] = True  # leader_search as this revision knows it (0017 adds columns)
        columns = (Leader.id, Leader.full_name, Leader.role, Leader.organisation, Leader.sector,
                   Leader.region,
                   Leader.expertise, Leader.bio, Leader.cohort, Leader.visibility)
        for start in range(0, len(hidden), 1000):
            leaders = list(session.scalars(sa.select(Leader).options(load_only(*columns))
                                           .where(Leader.id.in_(hidden[start:start + 1000]))))
            refresh_search(session, leaders)
        session.flush()


def _json(value: object) -> object:
    import json

    return json.loads(value) if isinstance(value, str) else value


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    for table in ("usage_counter", "erasure_request", "access_link", "audit_event", "staff_member"):
        op.drop_table(table)
    op.drop_column("chat_account", "revoked_at")
    op.drop_index("ix_leader_microsoft_oid", "leader")
    op.drop_column("leader", "microsoft_oid")
    op.drop_index("ix_leader_sector_key", "leader")
    op.drop_column("leader", "sector_key")
