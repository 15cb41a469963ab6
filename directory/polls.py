"""Polls' tables: the poll, its options, who was asked, who has answered, and the anonymous ballots.

The shape is what makes "anonymous" true in storage rather than in the user interface:

- `poll_ballot` rows carry **no voter id**. A ballot is found again (to change an answer before close)
  by `voter_key`, an HMAC of the leader's id under the poll's own `secret`; at close the secret is
  destroyed and, for an anonymous poll, the ballots themselves are replaced by the published tallies
  (`poll.results`) and unattributed comments (`poll_comment`, written in random order).
- `poll_participation` is the separate ledger of *who has answered* (one row per leader per poll: the
  primary key is the one-vote rule, across platforms). Reminders read it; at close of an anonymous poll
  only its count survives.
- `poll_recipient` is who was asked (and on which account their card went): the audience at opening.

An attributed poll (`attributed`) keeps `poll_ballot.leader_id` and its ledger after close, because the
people asked were told their name goes with their answer. docs/PRIVACY.md says what each leaves behind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base, utcnow

SCHEDULED, OPEN, CLOSED, CANCELLED = "scheduled", "open", "closed", "cancelled"
STATUSES = (SCHEDULED, OPEN, CLOSED, CANCELLED)
KINDS = ("single", "multi", "scale", "text")
RESULTS_FOR = ("staff", "participants")
MAX_QUESTION = 500
MAX_OPTION = 75  # fits a Slack button's text
MAX_ANSWER = 2000


class Poll(Base):
    """One question to an audience, with its schedule and settings; `revision` for live cards."""

    __tablename__ = "poll"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    question: Mapped[str] = mapped_column(String(MAX_QUESTION))
    kind: Mapped[str] = mapped_column(String(10), default="single")
    audience: Mapped[str] = mapped_column(String(1000), default="")  # the query text; "" = everyone
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    reminders: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ISO UTC moments, sorted
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)  # how many of them have gone out
    attributed: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_comment: Mapped[bool] = mapped_column(Boolean, default=False)
    min_group: Mapped[int] = mapped_column(Integer, default=5)
    results_for: Mapped[str] = mapped_column(String(20), default="staff")
    status: Mapped[str] = mapped_column(String(10), default=SCHEDULED, index=True)
    secret: Mapped[str | None] = mapped_column(String(64))  # the voter-key secret; None once closed
    audience_size: Mapped[int] = mapped_column(Integer, default=0)  # people asked, fixed at opening
    responded: Mapped[int] = mapped_column(Integer, default=0)  # fixed at close
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # published at close (suppressed)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PollOption(Base):
    __tablename__ = "poll_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, …: what a button and a ballot name
    label: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("poll_id", "position", name="uq_poll_option_position"),)


class PollRecipient(Base):
    """A leader the poll was sent to at opening, and the one account their card went to."""

    __tablename__ = "poll_recipient"

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True)
    leader_id: Mapped[int] = mapped_column(
        ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    account_id: Mapped[int | None] = mapped_column(ForeignKey("chat_account.id", ondelete="SET NULL"))


class PollParticipation(Base):
    """The ledger: this leader has answered this poll. No time, no answer — only the fact."""

    __tablename__ = "poll_participation"

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True)


class PollBallot(Base):
    """One answer, with the voter's sector and region (for breakdowns) but not the voter."""

    __tablename__ = "poll_ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256(poll.secret, leader id)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("leader.id", ondelete="SET NULL"))  # attributed
    sector: Mapped[str] = mapped_column(String(40), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    choices: Mapped[list[Any]] = mapped_column(JSON, default=list)  # option positions
    answer: Mapped[str] = mapped_column(Text, default="")  # a free-text poll's answer
    comment: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("poll_id", "voter_key", name="uq_poll_ballot_voter"),)


class PollComment(Base):
    """A free-text answer or comment after close: no voter, no group; staff may redact it."""

    __tablename__ = "poll_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="comment")  # "answer" | "comment"
    text: Mapped[str] = mapped_column(Text)
    redacted: Mapped[bool] = mapped_column(Boolean, default=False)
