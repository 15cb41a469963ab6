"""The composition root: the one place that builds the store, the bot and the scheduler and wires them.

CLI commands (`serve`, `chat`, …) and tests ask for `Services` and get real parts; nothing else constructs
them, so how the application is assembled can be read in one screen.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from adapters.teams.config import BotFrameworkEndpoints
from bot.engine import Bot
from directory.database import Database
from directory.settings import Settings
from scheduler.service import build_scheduler


def turn_pool(threads: int) -> ThreadPoolExecutor:
    """The threads that run chat turns: the engine is synchronous SQLAlchemy, the server is asyncio.

    Deliberately few (LEADERS_TURN_THREADS, default 2 for two-core server processes): one thread can run
    Python while another waits in SQLite or PostgreSQL with the GIL released, but more threads than that
    only queue on the GIL — and the event loop's thread, which must win the GIL to acknowledge Slack's
    requests, queues with them. Under 20 concurrent slash commands asyncio's default pool (six threads
    here) gave ack p99 ~55 ms; two threads ~30 ms (docs/PERFORMANCE.md). A deployment whose PostgreSQL is
    slow or remote may raise it: turns then overlap more of their waiting, at some cost to ack latency.
    """
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="turn")


@dataclass
class Services:
    settings: Settings
    database: Database
    bot: Bot
    turn_threads: ThreadPoolExecutor  # engine work for chat turns (turn_pool)
    scheduler: AsyncIOScheduler | None = None
    teams_endpoints: BotFrameworkEndpoints | None = None  # None: Microsoft's public cloud (tests: local)


def build_services(settings: Settings, *, with_scheduler: bool = False) -> Services:
    database = Database(settings.database_url)
    database.ensure_ready()
    scheduler = build_scheduler(settings.database_url) if with_scheduler else None
    return Services(settings, database, Bot(database, settings), turn_pool(settings.turn_threads), scheduler)
