"""The directory's tables as SQLAlchemy 2 typed models.

A *leader* is one person (unique email); a *chat account* is one identity on one platform that has been
linked to a leader. Search-only structures (full-text index, vocabulary) live in `search_index.py`
because their shape differs between SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from directory import clock
from directory.privacy import DEFAULT_VISIBILITY


def utcnow() -> datetime:
    """Now, aware UTC, by the application's clock (directory/clock.py): every default timestamp follows
    it, so tests that fix the clock fix every stamp."""
    return clock.now()


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
    # Folded copies for the search filters (see textfold.py); kept in step by directory.people. Empty
    # while the field is not visible to everyone: a filter must not reveal what a card would hide.
    sector_key: Mapped[str] = mapped_column(String(40), default="", index=True)
    region_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    org_key: Mapped[str] = mapped_column(String(200), default="")
    cohort_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    visibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_VISIBILITY))
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    verified_by: Mapped[str] = mapped_column(String(40), default="staff import")
    # The Microsoft Entra object id the leader signed in with, once they have: a later sign-in must match.
    microsoft_oid: Mapped[str] = mapped_column(String(64), default="", index=True)
    # The profile fields the leader has edited themselves (`me`): theirs from then on, so an import or
    # demo data leaves them alone unless staff say `--overwrite-self-edits` (directory/people.py).
    self_edited: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where proactive messages (polls, digests, introductions) go when the leader is linked on both
    # platforms: "slack", "teams", or "" for the most recently linked (directory/preferred_account.py).
    preferred_platform: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # When the leader last said "still right" (null: never; created_at is then the reference date).
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Set by `leaders leaver`: no longer found or shown anywhere; the row stays for the audit trail.
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    accounts: Mapped[list[ChatAccount]] = relationship(back_populates="leader", cascade="all, delete-orphan",
                                                       passive_deletes=True)
    tags: Mapped[list[LeaderTag]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def last_confirmed(self) -> datetime | None:
        """The date freshness is measured from: the last confirmation, else when the profile was made."""
        return self.confirmed_at or self.created_at

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
    # Set when the leader removed this link: the account then stays unlinked, and automatic linking by
    # email does not bring it back — only a fresh Sign in with Microsoft from that account does.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Slack in an Enterprise Grid org: the workspace (team) the account last spoke from. `workspace_id` is
    # the org, so one person is one account org-wide; a workspace-level install is found by both ids.
    team_id: Mapped[str] = mapped_column(String(50), default="")

    leader: Mapped[Leader] = relationship(back_populates="accounts")

    __table_args__ = (UniqueConstraint("platform", "workspace_id", "user_id", name="uq_chat_account"),)


class StaffMember(Base):
    """A leader granted the staff role from the CLI or chat (LEADERS_STAFF_EMAILS grants it too)."""

    __tablename__ = "staff_member"

    leader_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(200))  # an audit actor, e.g. "cli:alice" or "leader:7"
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """One line of the append-only audit log (the database refuses UPDATE and DELETE on it).

    `actor` and `subject` are references such as `leader:12` or `cli:alice`, never names or emails, so
    erasing a leader leaves the log intact and free of their personal data.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AccessLink(Base):
    """A one-time link the bot hands out: Sign in with Microsoft, or a leader's data export.

    Only a hash of the token is stored, so a database reader cannot use a live link. A link is bound to
    the chat account it was given to and is spent on first use.
    """

    __tablename__ = "access_link"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "signin" | "mydata"
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(200))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Sign-in only: msal's auth-code flow (state, nonce, PKCE verifier) between /start and /callback.
    state: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    flow: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Sign-in only: SHA-256 of the random cookie set in the browser that pressed Continue. The callback
    # must come from that browser, so an authorize URL handed to someone else links nothing.
    browser_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ErasureRequest(Base):
    """A leader's `forget me`: open until staff run `leaders erase`, which closes it without their data."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("leader.id", ondelete="SET NULL"), nullable=True,
                                                  index=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class UsageCounter(Base):
    """Profiles shown to one leader on one day: the anti-scraping cap counts against this."""

    __tablename__ = "usage_counter"

    leader_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    profiles_shown: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # unusual volume already audited today


class ErasureSuppression(Base):
    """Someone erased: a keyed hash of their email and when, nothing else, so an import of the staff's
    usual spreadsheet does not bring them back (directory/suppression.py). Staff lift it for a rejoiner."""

    __tablename__ = "erasure_suppression"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(String(40), default="their request")  # or "staff decision"


class AppSecret(Base):
    """A secret the service generates for itself once, when the environment gives none (e.g. the key
    the suppression list is hashed with, unless LEADERS_SUPPRESSION_KEY is set)."""

    __tablename__ = "app_secret"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class WebSession(Base):
    """One signed-in browser on the website (issue 17): the cookie holds a random id, this row its hash.

    Reading the table hands out no working session. A session ends at whichever comes first: `idle_expires_at`
    (pushed forward as the leader uses the site), `absolute_expires_at` (fixed at sign-in), sign-out, the
    leader leaving or being erased (cascade), or the chat account it was started from being unlinked.
    """

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), index=True)
    # How the browser proved who it is: "microsoft" (Sign in with Microsoft), "chat" (a one-time link the
    # bot gave a linked chat account), "tab" (Teams tab SSO). Only a fresh "microsoft" or "tab" sign-in
    # counts for re-authentication before staff approve content or send an announcement.
    method: Mapped[str] = mapped_column(String(20))
    # The chat account a "chat" session was started from: unlinking it ends the session.
    via_account_id: Mapped[int | None] = mapped_column(ForeignKey("chat_account.id", ondelete="CASCADE"),
                                                       nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    signed_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    idle_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    absolute_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    in_tab: Mapped[bool] = mapped_column(Boolean, default=False)
    csrf_secret: Mapped[str] = mapped_column(String(64))
