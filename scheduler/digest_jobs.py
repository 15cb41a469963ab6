"""Digest runs: for each leader whose digest is due, what is new for them, queued through the outbox.

The sweep (`run`, registered in scheduler/jobs.py) looks every few minutes; `leaders digest run` calls
`run_digests` at once (`force`: every leader whose cadence is not off counts as due). For each due leader:
the live items matching their topics and each item's audience that were not sent to them before; none →
nothing is sent (the slot is still marked handled). At most `LEADERS_DIGEST_MAX_ITEMS` items, newest
first, and "…and N more". The messages go to the leader's preferred chat account.

Leaders are handled in batches, one transaction each: the outbox rows (dedupe key
`digest:<leader>:<slot>:<part>`), the `digest_sent` rows and the slot marked handled commit together. A
run cut short by a restart has either done a leader's batch completely or not at all, and the next run
skips what was done — the slot is marked and the items are recorded, and the dedupe keys would refuse a
second copy anyway — so a digest is never doubled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.content_cards import ITEMS_PER_MESSAGE, digest_replies
from bot.outgoing import queue_replies
from directory import clock
from directory.audience import Audience, matches, parse_audience
from directory.content import ContentItem, live_items
from directory.database import Database
from directory.digests import (
    DEFAULT_MINUTE,
    DEFAULT_TZ,
    OFF,
    WEEKLY,
    DigestPreference,
    DigestSent,
    Preference,
    due_slot,
    preferences,
    wanted,
)
from directory.models import Leader
from directory.outbox import dialect_insert
from directory.people import by_email
from directory.preferred_account import preferred_accounts
from directory.search_query import QueryError
from directory.settings import Settings, load_settings

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class DigestRun:
    """What one run did (for the CLI, the log and the benchmark)."""

    due: int = 0
    sent: int = 0  # leaders who got a digest
    messages: int = 0
    empty: int = 0  # due, but nothing new for them
    unreachable: int = 0  # something new, but no chat account to send it to
    seconds: float = 0.0
    leaders: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Live:
    item: ContentItem
    audience: Audience | None  # None: a stored audience that no longer parses — sent to nobody


def _live(session: Session, now: datetime) -> list[_Live]:
    found = []
    for item in live_items(session, now):
        try:
            audience: Audience | None = parse_audience(item.audience)
        except QueryError:
            log.warning("content item %s has an audience that no longer parses; not sent", item.id)
            audience = None
        session.expunge(item)
        found.append(_Live(item, audience))
    return found


def slot_key(slot: datetime) -> str:
    """The slot in a dedupe key, to the microsecond: two `digest run --now` a few seconds apart are two
    digests (the second with only what is new since), never one refused as a duplicate of the other."""
    return slot.strftime("%Y%m%dT%H%M%S.%fZ")


def run_digests(database: Database, settings: Settings, *, now: datetime | None = None, force: bool = False,
                leader_email: str | None = None, batch: int = BATCH) -> DigestRun:
    """Send every due digest. `force`: everyone not off is due now; `leader_email`: only that leader."""
    started = time.monotonic()
    now = now or clock.now()
    result = DigestRun()
    with database.session() as session:
        live = _live(session, now)
        prefs = preferences(session)
        if leader_email is not None:
            leader = by_email(session, leader_email)
            if leader is None:
                raise LookupError(f"no leader with the email {leader_email[:80]!r}")
            ids = [leader.id]
        else:
            ids = list(session.scalars(select(Leader.id).order_by(Leader.id)))
    due: list[tuple[int, datetime]] = []
    for leader_id in ids:
        pref = prefs.get(leader_id, Preference())
        slot = (now if pref.cadence != OFF else None) if force else due_slot(pref, now)
        if slot is not None:
            due.append((leader_id, slot))
    result.due = len(due)
    for start in range(0, len(due), batch):
        with database.session() as session:
            _batch(session, settings, due[start:start + batch], live, prefs, result)
    result.seconds = time.monotonic() - started
    log.info("digest run: %d due, %d sent (%d messages), %d with nothing new, %d unreachable",
             result.due, result.sent, result.messages, result.empty, result.unreachable)
    return result


def _batch(session: Session, settings: Settings, due: Sequence[tuple[int, datetime]], live: Sequence[_Live],
           prefs: dict[int, Preference], result: DigestRun) -> None:
    """One transaction: pick each due leader's items, queue their digest, record it, mark the slot.

    Written in bulk (one INSERT of the missing preference rows, one of `digest_sent`, one of the outbox
    rows, one UPDATE by primary key of the slots), so 10,000 leaders take seconds, not minutes."""
    ids = [leader_id for leader_id, _ in due]
    leaders = {leader.id: leader for leader in session.scalars(select(Leader).where(Leader.id.in_(ids)))}
    sent: dict[int, set[int]] = {}
    for leader_id, item_id in session.execute(select(DigestSent.leader_id, DigestSent.item_id)
                                              .where(DigestSent.leader_id.in_(ids))):
        sent.setdefault(leader_id, set()).add(item_id)
    accounts = preferred_accounts(session, list(leaders.values()))
    messages, records, handled = [], [], []
    now = clock.now()
    for leader_id, slot in due:
        leader = leaders.get(leader_id)
        if leader is None:  # erased since the run began
            continue
        pref = prefs.get(leader_id, Preference())
        already = sent.get(leader_id, set())
        new = [entry.item for entry in live
               if entry.item.id not in already and entry.audience is not None
               and wanted(pref, entry.item.topics) and matches(leader, entry.audience)]
        mark = {"leader_id": leader_id, "last_slot": slot, "welcomed": pref.welcomed}
        handled.append(mark)
        if not new:
            result.empty += 1
            continue
        account = accounts.get(leader_id)
        if account is None:
            result.unreachable += 1
            continue
        shown, more = new[:settings.digest_max_items], max(0, len(new) - settings.digest_max_items)
        replies = digest_replies(settings, shown, more, pref, first=not pref.welcomed)
        keys = [f"digest:{leader_id}:{slot_key(slot)}:{n}" for n in range(len(replies))]
        messages += [(account, reply, key) for reply, key in zip(replies, keys, strict=True)]
        records += [{"leader_id": leader_id, "item_id": item.id, "message_key": keys[n // ITEMS_PER_MESSAGE],
                     "sent_at": now, "answered": False} for n, item in enumerate(shown)]
        mark["welcomed"] = True
        result.sent += 1
        result.leaders.append(leader_id)
    if not handled:
        return
    defaults = [{"leader_id": m["leader_id"], "cadence": WEEKLY, "weekday": 0, "minute": DEFAULT_MINUTE,
                 "timezone": DEFAULT_TZ, "topics": [], "welcomed": False, "updated_at": now}
                for m in handled if m["leader_id"] not in prefs]
    if defaults:  # leaders on the defaults get their row now, to hold the slot handled
        session.execute(dialect_insert(session)(DigestPreference).on_conflict_do_nothing(), defaults)
    session.execute(update(DigestPreference), handled)  # by primary key, one statement for the batch
    if records:
        session.execute(dialect_insert(session)(DigestSent).on_conflict_do_nothing(), records)
    result.messages += queue_replies(session, messages)


def run(database_url: str) -> None:
    """The scheduler's sweep: send the digests that are due (idempotent; safe to run twice)."""
    database = Database(database_url)
    try:
        run_digests(database, load_settings(LEADERS_DATABASE_URL=database_url))
    finally:
        database.dispose()
