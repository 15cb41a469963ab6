"""Digest preferences and what each leader was sent: when a digest is due, and what is new for them.

A leader without a preference row has the defaults — weekly, Monday 08:00, Europe/London, all topics —
so 10,000 leaders need no rows until they change something or get their first digest. The schedule is
kept in the leader's *local* time: 08:00 London is 08:00 UTC in winter and 07:00 UTC in summer, and
`latest_slot` turns the local schedule into the UTC moment of the most recent slot with zoneinfo, so a
daylight-saving change moves nothing the leader can see.

`digest_sent` is the one per-person record of content: (leader, item) pairs already sent, so nothing
repeats. It says nothing about what the leader did with an item except `answered` (they pressed Useful
or Not for me — not which), which keeps one person from counting twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.models import Base, utcnow
from directory.outbox import as_utc

DAILY, WEEKLY, OFF = "daily", "weekly", "off"
CADENCES = (DAILY, WEEKLY, OFF)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_TZ = "Europe/London"
DEFAULT_MINUTE = 8 * 60
# A slot missed by more than this (the scheduler was down all day) is not caught up: the next one is.
CATCH_UP = timedelta(hours=12)
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]?([0-5]\d)$")


class PreferenceError(ValueError):
    """A preference that cannot be set; the message says what is accepted."""


class DigestPreference(Base):
    __tablename__ = "digest_preference"

    leader_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True)
    cadence: Mapped[str] = mapped_column(String(10), default=WEEKLY)
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday (weekly only)
    minute: Mapped[int] = mapped_column(Integer, default=DEFAULT_MINUTE)  # local minute of the day
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TZ)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)  # [] = all topics
    last_slot: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the slot last handled
    welcomed: Mapped[bool] = mapped_column(Boolean, default=False)  # the first digest said how to change
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class DigestSent(Base):
    __tablename__ = "digest_sent"

    leader_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_item.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    message_key: Mapped[str] = mapped_column(String(200), default="")  # the outbox row it went out in
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class Preference:
    """A leader's digest preference, stored or default (plain values, detached from any session)."""

    cadence: str = WEEKLY
    weekday: int = 0
    minute: int = DEFAULT_MINUTE
    timezone: str = DEFAULT_TZ
    topics: tuple[str, ...] = ()
    last_slot: datetime | None = None
    welcomed: bool = False

    @classmethod
    def of(cls, row: DigestPreference | None) -> Preference:
        if row is None:
            return cls()
        return cls(row.cadence, row.weekday, row.minute, row.timezone, tuple(row.topics or ()),
                   as_utc(row.last_slot), row.welcomed)

    def describe(self) -> str:
        if self.cadence == OFF:
            return "off"
        clock = f"{self.minute // 60:02d}:{self.minute % 60:02d}"
        when = f"daily at {clock}" if self.cadence == DAILY \
            else f"weekly on {WEEKDAYS[self.weekday].title()} at {clock}"
        return f"{when} ({self.timezone})"

    def describe_topics(self) -> str:
        return ", ".join(self.topics) if self.topics else "all topics"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise PreferenceError(f"“{name[:60]}” is not a time zone; use a name such as Europe/London or "
                              "Europe/Dublin") from None


def check_timezone(name: str) -> str:
    name = name.strip()
    canonical = {tz.lower(): tz for tz in available_timezones()}.get(name.lower())
    if canonical is None:
        raise PreferenceError(f"“{name[:60]}” is not a time zone; use a name such as Europe/London or "
                              "Europe/Dublin")
    zone(canonical)
    return canonical


def parse_time(text: str) -> int:
    """`07:30`, `7:30`, `0730` → minutes after local midnight."""
    match = _TIME.match(text.strip())
    if not match:
        raise PreferenceError(f"“{text[:20]}” is not a time of day; use 24-hour HH:MM, e.g. 07:30")
    return int(match.group(1)) * 60 + int(match.group(2))


def parse_weekday(text: str) -> int:
    word = text.strip().lower()
    for index, day in enumerate(WEEKDAYS):
        if len(word) >= 3 and day.startswith(word):
            return index
    raise PreferenceError(f"“{text[:20]}” is not a day of the week; use e.g. monday")


def latest_slot(pref: Preference, now: datetime) -> datetime | None:
    """The UTC moment of the most recent scheduled digest at or before `now` (None when off)."""
    if pref.cadence == OFF:
        return None
    tz = zone(pref.timezone)
    local_today = now.astimezone(tz).date()
    for back in range(0, 8):
        day: date = local_today - timedelta(days=back)
        if pref.cadence == WEEKLY and day.weekday() != pref.weekday:
            continue
        local = datetime.combine(day, time(pref.minute // 60, pref.minute % 60), tzinfo=tz)
        moment = local.astimezone(now.tzinfo)
        if moment <= now:
            return moment
    return None


def due_slot(pref: Preference, now: datetime) -> datetime | None:
    """The slot to handle now, if one is due: the latest, not handled yet, not missed by too long."""
    slot = latest_slot(pref, now)
    if slot is None or now - slot > CATCH_UP:
        return None
    if pref.last_slot is not None and pref.last_slot >= slot:
        return None
    return slot


def preference(session: Session, leader_id: int) -> Preference:
    return Preference.of(session.get(DigestPreference, leader_id))


def preferences(session: Session) -> dict[int, Preference]:
    """Every stored preference by leader id (leaders without one have the defaults)."""
    return {row.leader_id: Preference.of(row) for row in session.scalars(select(DigestPreference))}


def row_for(session: Session, leader_id: int) -> DigestPreference:
    """The leader's stored row, created with the defaults if they had none."""
    row = session.get(DigestPreference, leader_id)
    if row is None:
        row = DigestPreference(leader_id=leader_id, cadence=WEEKLY, weekday=0, minute=DEFAULT_MINUTE,
                               timezone=DEFAULT_TZ, topics=[], welcomed=False)
        session.add(row)
        session.flush()
    return row


def sent_items(session: Session, leader_id: int) -> set[int]:
    return set(session.scalars(select(DigestSent.item_id).where(DigestSent.leader_id == leader_id)))


def wanted(pref: Preference, topics: Sequence[str]) -> bool:
    """Whether an item with `topics` is one the leader asked for (no topics chosen = all of them)."""
    return not pref.topics or bool(set(pref.topics) & set(topics))


def reach(session: Session) -> dict[int, tuple[int, int]]:
    """Per item: (leaders it was queued to, leaders it was delivered to) — counts only, never who."""
    from sqlalchemy import case, func

    from directory.outbox import SENT, OutboxMessage

    delivered = func.sum(case((OutboxMessage.status == SENT, 1), else_=0))
    rows = session.execute(
        select(DigestSent.item_id, func.count(), delivered)
        .outerjoin(OutboxMessage, OutboxMessage.dedupe_key == DigestSent.message_key)
        .group_by(DigestSent.item_id))
    return {item_id: (int(queued), int(sent or 0)) for item_id, queued, sent in rows}
