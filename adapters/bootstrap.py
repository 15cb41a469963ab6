"""The composition root: the one place that builds the store, the bot and the scheduler and wires them.

CLI commands (`serve`, `chat`, …) and tests ask for `Services` and get real parts; nothing else constructs
them, so how the application is assembled can be read in one screen.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from adapters.teams.config import BotFrameworkEndpoints
from bot.engine import Bot
from directory.database import Database
from directory.settings import Settings
from scheduler.service import build_scheduler

# Threads that run chat turns (the engine is synchronous SQLAlchemy). Two, for this deployment's two-core
# server processes: one thread can run Python while the other waits in SQLite or PostgreSQL with the GIL
# released. More threads add no throughput, they only queue on the GIL — and the event loop's thread, which
# must win the GIL to acknowledge Slack's requests, queues with them. With asyncio's default pool (six
# threads here) ack p99 was ~55 ms under 20 concurrent slash commands; with two, ~22 ms
# (docs/PERFORMANCE.md, "Slack slash command over HTTP").
TURN_THREADS = 2


def turn_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=TURN_THREADS, thread_name_prefix="turn")


@dataclass
class Services:
    settings: Settings
    database: Database
    bot: Bot
    scheduler: AsyncIOScheduler | None = None
    teams_endpoints: BotFrameworkEndpoints | None = None  # None: Microsoft's public cloud (tests: local)
    turn_threads: ThreadPoolExecutor = field(default_factory=turn_pool)  # engine work for chat turns


def build_services(settings: Settings, *, with_scheduler: bool = False) -> Services:
    database = Database(settings.database_url)
    database.ensure_ready()
    scheduler = build_scheduler(settings.database_url) if with_scheduler else None
    return Services(settings, database, Bot(database, settings), scheduler)
