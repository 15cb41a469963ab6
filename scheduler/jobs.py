"""The recurring sweeps the scheduler runs: one registry that features add a line to.

Introductions (reminders, expiry), polls (open, remind, close), digests and freshness prompts each keep
their truth in their own tables and need only to be looked at every few minutes. So a feature registers
a *sweep* — a function that finds what is due and acts on it — rather than one APScheduler job per
poll or per leader: a sweep that missed its time while the service was down simply finds more to do
on its next run, which is the "caught up once, never twice" rule without per-job bookkeeping.

A sweep's function is named by text (`"package.module:function"`) because APScheduler's SQLAlchemy job
store pickles the reference; it is called with the database URL and must be idempotent (dedupe keys in
the outbox), since a run may be cut short by a restart and run again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    id: str
    func: str  # "package.module:function", called with the database URL
    every: timedelta


SWEEPS: list[Sweep] = []
# Features register their sweeps below this line, one line each:
SWEEPS.append(Sweep("freshness", "bot.freshness_sweep:run", timedelta(hours=1)))
SWEEPS.append(Sweep("intros", "bot.intro_sweep:run", timedelta(minutes=5)))  # reminders, expiry, follow-ups
SWEEPS.append(Sweep("polls", "bot.poll_lifecycle:run", timedelta(minutes=1)))  # open, remind, close
SWEEPS.append(Sweep("digests", "scheduler.digest_jobs:run", timedelta(minutes=5)))
SWEEPS.append(Sweep("announcement-reports", "scheduler.announcement_jobs:run", timedelta(seconds=30)))


def add_sweeps(scheduler: Any, database_url: str) -> None:
    """Schedule every registered sweep on `scheduler` (replacing the stored job of the same id)."""
    for sweep in SWEEPS:
        scheduler.add_job(sweep.func, "interval", seconds=sweep.every.total_seconds(), id=f"sweep:{sweep.id}",
                          args=[database_url], replace_existing=True)
        log.debug("sweep %s every %ss", sweep.id, int(sweep.every.total_seconds()))
