"""The in-process scheduler: APScheduler 3 with its job store in our own database.

Keeping jobs in the same database (SQLAlchemyJobStore) means scheduled polls and digests survive a
restart. Missed runs are coalesced and caught up once within the grace period, never replayed twice.
Later issues add jobs (poll open/close, digests); only one process runs them at a time
(scheduler/leadership.py).
"""

from __future__ import annotations

import logging

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.jobs import add_sweeps

log = logging.getLogger(__name__)
MISFIRE_GRACE_SECONDS = 6 * 3600


def build_scheduler(database_url: str) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=database_url, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1},
        timezone="UTC",
    )
    add_sweeps(scheduler, database_url)  # the features' recurring sweeps (scheduler/jobs.py)
    return scheduler
