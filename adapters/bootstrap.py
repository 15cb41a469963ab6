"""The composition root: the one place that builds the store, the bot and the scheduler and wires them.

CLI commands (`serve`, `chat`, …) and tests ask for `Services` and get real parts; nothing else constructs
them, so how the application is assembled can be read in one screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from adapters.teams.config import BotFrameworkEndpoints
from bot.engine import Bot
from directory.database import Database
from directory.settings import Settings
from scheduler.service import build_scheduler


@dataclass
class Services:
    settings: Settings
    database: Database
    bot: Bot
    scheduler: AsyncIOScheduler | None = None
    teams_endpoints: BotFrameworkEndpoints | None = None  # None: Microsoft's public cloud (tests: local)


def build_services(settings: Settings, *, with_scheduler: bool = False) -> Services:
    database = Database(settings.database_url)
    database.ensure_ready()
    scheduler = build_scheduler(settings.database_url) if with_scheduler else None
    return Services(settings, database, Bot(database, settings), scheduler)
