"""Where the bot can speak to a leader first: stored Teams conversation references.

A proactive message (intro request, poll, digest) needs the conversation the user last talked to us in,
the service URL to post it to and the bot id it was addressed to. The Teams adapter saves one reference
per (tenant, user, conversation) on every turn; the delivery side loads the personal one. Plain
dataclasses only: the SDK's ConversationReference is built from this in adapters/teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.models import Base, ChatAccount, utcnow


class TeamsConversation(Base):
    __tablename__ = "teams_conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(200))  # AAD object id
    conversation_id: Mapped[str] = mapped_column(String(500))
    chat_account_id: Mapped[int | None] = mapped_column(ForeignKey("chat_account.id", ondelete="CASCADE"),
                                                        index=True)
    conversation_type: Mapped[str] = mapped_column(String(20))
    service_url: Mapped[str] = mapped_column(String(500))
    channel_id: Mapped[str] = mapped_column(String(40))
    bot_id: Mapped[str] = mapped_column(String(200))
    bot_name: Mapped[str] = mapped_column(String(200))
    user_channel_id: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "conversation_id",
                                       name="uq_teams_conversation"),
                      Index("ix_teams_conversation_user", "tenant_id", "user_id"))


@dataclass(frozen=True)
class ConversationRef:
    """Everything needed to post into a conversation later, without the SDK's types."""

    tenant_id: str
    user_id: str
    conversation_id: str
    conversation_type: str
    service_url: str
    bot_id: str
    user_channel_id: str = ""
    bot_name: str = ""
    channel_id: str = "msteams"


_FIELDS = ("conversation_type", "service_url", "channel_id", "bot_id", "bot_name", "user_channel_id")


def save_reference(session: Session, ref: ConversationRef) -> None:
    """Insert or refresh the reference; links it to the chat account when the user is linked."""
    account_id = session.scalar(select(ChatAccount.id).where(
        ChatAccount.platform == "teams", ChatAccount.workspace_id == ref.tenant_id,
        ChatAccount.user_id == ref.user_id))
    row = _find(session, ref)
    if row is None:
        row = TeamsConversation(tenant_id=ref.tenant_id, user_id=ref.user_id,
                                conversation_id=ref.conversation_id)
        _update(row, ref, account_id)
        try:
            with session.begin_nested():
                session.add(row)
            return
        except IntegrityError:  # the same user's concurrent turn inserted it first; refresh that row
            row = _find(session, ref)
            if row is None:
                raise
    _update(row, ref, account_id)


def _find(session: Session, ref: ConversationRef) -> TeamsConversation | None:
    return session.scalar(select(TeamsConversation).where(
        TeamsConversation.tenant_id == ref.tenant_id, TeamsConversation.user_id == ref.user_id,
        TeamsConversation.conversation_id == ref.conversation_id))


def _update(row: TeamsConversation, ref: ConversationRef, account_id: int | None) -> None:
    for name in _FIELDS:
        setattr(row, name, getattr(ref, name))
    row.chat_account_id = account_id
    row.updated_at = utcnow()


def load_reference(session: Session, tenant_id: str, user_id: str,
                   conversation_type: str = "personal") -> ConversationRef | None:
    """The user's most recently used conversation of this type (1:1 chat by default), if any."""
    row = session.scalar(select(TeamsConversation).where(
        TeamsConversation.tenant_id == tenant_id, TeamsConversation.user_id == user_id,
        TeamsConversation.conversation_type == conversation_type)
        .order_by(TeamsConversation.updated_at.desc(), TeamsConversation.id.desc()).limit(1))
    return None if row is None else _to_ref(row)


def references_for_leader(session: Session, leader_id: int) -> list[ConversationRef]:
    """Every personal Teams conversation of a leader's linked accounts (a leader may use two tenants)."""
    rows = session.scalars(select(TeamsConversation).join(
        ChatAccount, ChatAccount.id == TeamsConversation.chat_account_id).where(
        ChatAccount.leader_id == leader_id, TeamsConversation.conversation_type == "personal")
        .order_by(TeamsConversation.updated_at.desc()))
    return [_to_ref(row) for row in rows]


def _to_ref(row: TeamsConversation) -> ConversationRef:
    return ConversationRef(row.tenant_id, row.user_id, row.conversation_id, row.conversation_type,
                           row.service_url, row.bot_id, row.user_channel_id, row.bot_name, row.channel_id)
