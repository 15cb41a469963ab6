"""One scheduler at a time: the APScheduler runs only in the process that holds the scheduler lock.

On PostgreSQL the lock is a session-level advisory lock held on a connection of its own, so it is let go
the moment that process dies (even by SIGKILL: the server sees the connection drop). A second
`leaders scheduler` (or an embedded one in another `serve`) waits as standby and takes over then. On
SQLite — one machine by definition — it is an exclusive `flock` on a file beside the database.
The lock is checked every few seconds; if its connection is lost, jobs stop before anyone else starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger("leaders.scheduler")
ADVISORY_LOCK_KEY = 0x4C43_5343  # "LCSC": Leaders Connect scheduler


class SchedulerLock:
    """try_acquire / still_held / release, on PostgreSQL or a SQLite file. Blocking: call in a thread."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._connection: Any = None
        self._engine: Any = None
        self._file: IO[str] | None = None

    @property
    def is_postgresql(self) -> bool:
        return self.database_url.startswith("postgresql")

    def try_acquire(self) -> bool:
        if self.is_postgresql:
            if self._engine is None:
                self._engine = create_engine(self.database_url, poolclass=NullPool)
            connection = self._engine.connect()
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                          {"key": ADVISORY_LOCK_KEY}).scalar())
            connection.commit()
            if got:
                self._connection = connection
            else:
                connection.close()
            return got
        path = self._lock_path()
        if path is None:
            return True  # an in-memory database cannot be shared: nothing to guard
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def _lock_path(self) -> Path | None:
        raw = self.database_url.split("///", 1)[1] if "///" in self.database_url else ""
        if not raw or raw == ":memory:":
            return None
        return Path(raw).with_name(Path(raw).name + ".scheduler.lock")

    def still_held(self) -> bool:
        if self._connection is None:
            return self._file is not None or not self.is_postgresql
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
            return True
        except Exception:
            return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                self._connection.commit()
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class SchedulerLeadership:
    """Waits for the lock, runs the scheduler while it holds it, stands by again if it is lost."""

    def __init__(self, database_url: str, build: Callable[[], AsyncIOScheduler],
                 check_seconds: float = 2.0) -> None:
        self.lock = SchedulerLock(database_url)
        self.build = build
        self.check_seconds = check_seconds
        self.scheduler: AsyncIOScheduler | None = None
        self.state = "stopped"
        self._announced = False

    def describe(self) -> dict[str, object]:
        body: dict[str, object] = {"state": self.state, "pid": os.getpid()}
        if self.scheduler is not None and self.scheduler.running:
            body["jobs"] = len(self.scheduler.get_jobs())
        return body

    async def step(self) -> None:
        """One look: take the lock and start jobs if free; if running, check the lock is still ours."""
        if self.state == "stopped":
            self.state = "standby"
        if self.scheduler is None:
            if await self._attempt():
                self.scheduler = self.build()
                self.scheduler.start()
                self.state = "running"
                log.info("scheduler lock taken: running jobs (pid %d)", os.getpid())
            elif not self._announced:
                log.info("another scheduler holds the lock: standing by")
                self._announced = True
        elif not await asyncio.to_thread(self.lock.still_held):
            log.error("scheduler lock lost (database connection dropped): stopping jobs")
            self._stop_scheduler()
            await asyncio.to_thread(self.lock.release)
            self.state = "standby"

    async def run(self, stop: asyncio.Event) -> None:
        """`step()` every few seconds until `stop` is set; then stop jobs and let the lock go."""
        try:
            while not stop.is_set():
                await self.step()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.check_seconds)
        finally:
            self._stop_scheduler()
            await asyncio.to_thread(self.lock.release)
            self.state = "stopped"

    async def _attempt(self) -> bool:
        try:
            return await asyncio.to_thread(self.lock.try_acquire)
        except Exception as error:  # database down: stay standby, try again
            log.warning("cannot reach the database for the scheduler lock: %s", type(error).__name__)
            return False

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None
