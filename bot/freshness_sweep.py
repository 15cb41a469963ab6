"""The freshness sweep (scheduler/jobs.py): ask each leader whose profile is six months unconfirmed.

Idempotent: the question's dedupe key names the leader and the confirmation date it asks about, so a
second run (or a restart mid-run) queues nothing new, and after **Still right** the next question waits
for the next six months. The question goes to the leader's preferred chat account only, privately.
"""

from __future__ import annotations

from bot.outgoing import queue_reply
from bot.usecases.freshness import prompt
from directory import freshness
from directory.database import Database
from directory.preferred_account import preferred_account


def run(database_url: str) -> int:
    """Queue the question for everyone due; returns how many were newly queued."""
    database = Database(database_url)
    queued = 0
    try:
        with database.session() as session:
            for leader in freshness.due(session):
                account = preferred_account(session, leader)
                if account is not None and queue_reply(session, account, prompt(leader),
                                                       freshness.prompt_key(leader)):
                    queued += 1
    finally:
        database.dispose()
    return queued
