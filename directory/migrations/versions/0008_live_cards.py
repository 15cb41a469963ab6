"""Live cards: sent messages are addressable, and a card sent earlier can be updated through the outbox.

- `outbox_message.sent_conversation`: where the platform put the message (Slack channel, Teams
  conversation id), beside `platform_message_id` (Slack `ts`, Teams activity id) — together what
  `chat.update` / `update_activity` need. Rows sent before this migration stored `<channel>:<ts>` on
  Slack (split here) and, on Teams' first-contact path, the conversation id where the activity id belongs
  (moved here; those few cards cannot be updated, and say so).
- `outbox_message.kind` (`send` | `update`) and `target_id`: an update row changes the message of the
  send row it targets. At most one update per card waits at a time (a partial unique index), so several
  updates in a moment collapse into one.
- `outbox_message.team_id` and `chat_account.team_id`: the Slack workspace inside an Enterprise Grid org
  that the account speaks from, so a workspace-level install's token can be found for it.

Revision ID: 0008
Revises: 0006 (written on 0005; re-chained after 0006 when merged)
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

_PENDING_UPDATE = sa.text("kind = 'update' AND status = 'pending'")


def upgrade() -> None:
    op.add_column("chat_account", sa.Column("team_id", sa.String(50), nullable=False, server_default=""))
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("kind", sa.String(10), nullable=False, server_default="send"))
        batch.add_column(sa.Column("target_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("sent_conversation", sa.String(500), nullable=False, server_default=""))
        batch.add_column(sa.Column("team_id", sa.String(50), nullable=False, server_default=""))
        batch.create_foreign_key("fk_outbox_message_target", "outbox_message", ["target_id"], ["id"],
                                 ondelete="CASCADE")
    op.create_index("ix_outbox_message_target_id", "outbox_message", ["target_id"])
    op.create_index("uq_outbox_message_pending_update", "outbox_message", ["target_id"], unique=True,
                    sqlite_where=_PENDING_UPDATE, postgresql_where=_PENDING_UPDATE)
    _split_addresses()


def _split_addresses() -> None:
    """Old rows: Slack kept `<channel>:<ts>` in one column; Teams' first contact kept the conversation id."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, platform, platform_message_id FROM outbox_message "
                                "WHERE platform_message_id <> ''")).all()
    for row_id, platform, stored in rows:
        conversation, message = "", stored
        if platform == "slack" and ":" in stored:
            conversation, message = stored.split(":", 1)
        elif platform == "teams" and stored.startswith(("a:", "19:", "29:")):
            conversation, message = stored, ""
        if conversation:
            bind.execute(sa.text("UPDATE outbox_message SET sent_conversation = :c, platform_message_id = :m "
                                 "WHERE id = :id"), {"c": conversation, "m": message, "id": row_id})


def downgrade() -> None:
    op.drop_index("uq_outbox_message_pending_update", "outbox_message")
    op.drop_index("ix_outbox_message_target_id", "outbox_message")
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM outbox_message WHERE kind = 'update'"))
    bind.execute(sa.text("UPDATE outbox_message SET platform_message_id = sent_conversation || ':' || "
                         "platform_message_id WHERE platform = 'slack' AND sent_conversation <> ''"))
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_constraint("fk_outbox_message_target", type_="foreignkey")
        batch.drop_column("team_id")
        batch.drop_column("sent_conversation")
        batch.drop_column("target_id")
        batch.drop_column("kind")
    with op.batch_alter_table("chat_account") as batch:
        batch.drop_column("team_id")
