"""The `announcement-reports` sweep: staff's live delivery reports redrawn in place as delivery proceeds.

Each report card (`announce:<id>:report:<account>`, bot/usecases/announce.py) is compared with the
report as it is now; only a changed one is updated (bot/live.py `update_card`, through the outbox), so a
finished announcement costs one comparison per sweep and no messages. Cards older than two days are left
alone.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.live import update_card
from bot.reply_codec import reply_to_json
from bot.usecases.announce import live_report
from directory import clock
from directory.announcements import Announcement
from directory.database import Database
from directory.outbox import SEND, OutboxMessage

WATCH_FOR = timedelta(days=2)


def refresh_reports(database: Database) -> int:
    """Update every live report whose figures changed; returns how many were updated."""
    updated = 0
    with database.session() as session:
        cards = session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.reply).where(
            OutboxMessage.kind == SEND, OutboxMessage.dedupe_key.like("announce:%:report:%"),
            OutboxMessage.created_at >= clock.now() - WATCH_FOR)).all()
        for key, stored in cards:
            announcement = session.get(Announcement, int(key.split(":")[1]))
            if announcement is None:
                continue
            card = live_report(session, announcement)
            if reply_to_json(card) != stored:
                update_card(session, key, card)
                updated += 1
    return updated


def run(database_url: str) -> None:
    database = Database(database_url)
    try:
        refresh_reports(database)
    finally:
        database.dispose()
