"""The directory's tables as SQLAlchemy 2 typed models.

A *leader* is one person (unique email); a *chat account* is one identity on one platform that has been
linked to a leader. Search-only structures (full-text index, vocabulary) live in `search_index.py`
because their shape differs between SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from directory.privacy import DEFAULT_VISIBILITY


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Leader(Base):
    """One verified person in the shared directory, with a visibility level per profile field."""

    __tablename__ = "leader"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased: emails match case-free
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(40), index=True)  # canonical key from sectors.py
    region: Mapped[str] = mapped_column(String(100), default="")
    expertise: Mapped[str] = mapped_column(Text, default="")  # ';'-separated, as in the CSV
    bio: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    cohort: Mapped[str] = mapped_column(String(100), default="")
    slack_user_id: Mapped[str] = mapped_column(String(50), default="")
    teams_user_id: Mapped[str] = mapped_column(String(200), default="")
    # Folded copies for the search filters (see textfold.py); kept in step by directory.people.
    region_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    org_key: Mapped[str] = mapped_column(String(200), default="")
    cohort_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    visibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_VISIBILITY))
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    verified_by: Mapped[str] = mapped_column(String(40), default="staff import")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    accounts: Mapped[list[ChatAccount]] = relationship(back_populates="leader", cascade="all, delete-orphan",
                                                       passive_deletes=True)
    tags: Mapped[list[LeaderTag]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def expertise_list(self) -> list[str]:
        return [t.strip() for t in self.expertise.split(";") if t.strip()]


class LeaderTag(Base):
    """One expertise tag of a leader, folded, so `tag:` filters use an index instead of a scan."""

    __tablename__ = "leader_tag"

    leader_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (Index("ix_leader_tag_tag", "tag"),)


class ChatAccount(Base):
    """An identity on Slack, Teams or the console, linked to the leader it was verified to be."""

    __tablename__ = "chat_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))  # "slack" | "teams" | "console"
    workspace_id: Mapped[str] = mapped_column(String(200))  # Slack team/enterprise id; Teams tenant id
    user_id: Mapped[str] = mapped_column(String(200))
    leader_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), index=True)
    linked_via: Mapped[str] = mapped_column(String(40))  # how we know it is them, shown on profiles
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    leader: Mapped[Leader] = relationship(back_populates="accounts")

    __table_args__ = (UniqueConstraint("platform", "workspace_id", "user_id", name="uq_chat_account"),)
