"""The composition root: the one place that builds the store, the bot, the scheduler and delivery.

CLI commands (`serve`, `worker`, `scheduler`, `chat`, …) and tests ask for `Services` and get real parts;
nothing else constructs them, so how the application is assembled can be read in one screen.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from adapters.teams.config import BotFrameworkEndpoints
from bot.engine import Bot
from directory.database import Database
from directory.settings import Settings
from scheduler.delivery import DeliveryWorker
from scheduler.delivery_metrics import DeliveryMetrics
from scheduler.leadership import SchedulerLeadership
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
    leadership: SchedulerLeadership | None = None  # the scheduler, when this process may run it
    teams_endpoints: BotFrameworkEndpoints | None = None  # None: Microsoft's public cloud (tests: local)
    delivery: DeliveryWorker | None = None  # the outbox workers, when this process runs them
    metrics: DeliveryMetrics = field(default_factory=DeliveryMetrics)


def build_services(settings: Settings, *, with_scheduler: bool = False, with_workers: bool = False,
                   teams_endpoints: BotFrameworkEndpoints | None = None) -> Services:
    database = Database(settings.database_url)
    database.ensure_ready()
    leadership = SchedulerLeadership(settings.database_url, lambda: build_scheduler(settings.database_url)) \
        if with_scheduler else None
    services = Services(settings, database, Bot(database, settings), turn_pool(settings.turn_threads),
                        leadership, teams_endpoints)
    if with_workers:
        from adapters.delivery import build_worker  # loads the platform SDKs only where they send

        services.delivery = build_worker(services)
    return services
