"""Delivery workers: drain the outbox lane by lane, at the platforms' speed, each message once.

A worker process runs one `DeliveryWorker`. It leases whole lanes (a Slack workspace, a Teams tenant) and
runs one `LaneRunner` per lane it holds: claim a few due rows, wait for the lane's pacer, hand each to the
platform `Sender` (implemented in adapters/), record the outcome. Sends within a lane overlap (the pacer,
not the round trip, sets the pace) up to `concurrency` at a time.

Crash safety comes from leases: a lane or a row whose worker died becomes claimable when its lease runs
out. A message is recorded as sent only after the platform accepted it, so a kill between the platform's
answer and our write is the one way to send something twice — only what that worker had in flight.
On SIGTERM (`stop` set) a worker stops claiming, lets in-flight sends finish, and gives back the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid

from directory.database import Database
from scheduler import outbox_claims as claims
from scheduler.delivery_metrics import DeliveryMetrics, lane_label
from scheduler.delivery_settings import DeliveryConfig
from scheduler.lane_runner import LaneRunner
from scheduler.senders import Sender

log = logging.getLogger("leaders.delivery")


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DeliveryWorker:
    """One process's delivery: finds lanes with due messages, holds up to `max_lanes`, drains them."""

    def __init__(self, database: Database, sender: Sender, config: DeliveryConfig,
                 metrics: DeliveryMetrics | None = None, worker_id: str | None = None) -> None:
        self.database = database
        self.sender = sender
        self.config = config
        self.metrics = metrics or DeliveryMetrics()
        self.worker_id = worker_id or new_worker_id()
        self.stopping = asyncio.Event()
        self.runners: dict[str, tuple[LaneRunner, asyncio.Task[None]]] = {}
        self.running = False

    async def sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when asked to stop."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)

    def describe(self) -> dict[str, object]:
        return {"state": "running" if self.running else "stopped", "worker": self.worker_id,
                "lanes": sorted(lane_label(lane) for lane in self.runners)}

    async def run(self) -> None:
        """Until `stop()`: find and drain lanes; then finish in-flight sends and give everything back."""
        self.running = True
        last_renew = time.monotonic()
        log.info("delivery worker %s started", self.worker_id)
        try:
            while not self.stopping.is_set():
                self._reap()
                if len(self.runners) < self.config.max_lanes:
                    await self._take_lanes()
                if time.monotonic() - last_renew >= self.config.lease_seconds / 3:
                    await self._renew()
                    last_renew = time.monotonic()
                await self.sleep(self.config.poll_seconds)
        finally:
            await self._shutdown()
            self.running = False
            log.info("delivery worker %s stopped", self.worker_id)

    def stop(self) -> None:
        self.stopping.set()

    def _reap(self) -> None:
        for lane, (_, task) in list(self.runners.items()):
            if task.done():
                del self.runners[lane]
                if not task.cancelled() and task.exception() is not None:
                    log.error("lane %s stopped on an error", lane, exc_info=task.exception())

    async def _take_lanes(self) -> None:
        """Take due lanes that nobody holds — one more per round once we hold some, so that workers
        started together share the lanes out instead of the quickest taking them all."""
        try:
            lanes = await asyncio.to_thread(claims.due_lanes, self.database, self.worker_id)
        except Exception as error:  # database down: say so, keep trying
            log.warning("delivery: cannot read the outbox: %s", type(error).__name__)
            return
        for lane in lanes:
            if lane in self.runners or len(self.runners) >= self.config.max_lanes:
                continue
            if lane.split(":", 1)[0] not in self.config.limits:
                continue
            state = await asyncio.to_thread(claims.acquire_lane, self.database, lane, self.worker_id,
                                            self.config.lease_seconds)
            if state is None:
                continue
            log.info("delivery worker %s took lane %s", self.worker_id, lane)
            runner = LaneRunner(self, lane, state)
            self.runners[lane] = (runner, asyncio.create_task(runner.run(), name=f"lane {lane}"))
            if len(self.runners) > 1:
                return

    async def _renew(self) -> None:
        """Extend the leases of our rows, then of each lane; a lane whose lease is gone is stopped."""
        started = time.monotonic()
        try:
            await asyncio.to_thread(claims.renew_rows, self.database, self.worker_id,
                                    self.config.lease_seconds)
        except Exception as error:
            log.warning("delivery: cannot renew message leases: %s", type(error).__name__)
            return
        for lane, (runner, _) in list(self.runners.items()):
            try:
                kept = await asyncio.to_thread(claims.renew_lane, self.database, lane, self.worker_id,
                                               self.config.lease_seconds, runner.pacer.snapshot())
            except Exception as error:
                log.warning("delivery: cannot renew lane %s: %s", lane, type(error).__name__)
                continue  # the runner fences itself if this goes on
            if kept:
                runner.renewed_at = started
            else:
                log.warning("delivery: lost the lease on lane %s; stopping it", lane)
                runner.lost = True

    async def _shutdown(self) -> None:
        tasks = [task for _, task in self.runners.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=self.config.drain_seconds + 5)
        released = await asyncio.to_thread(claims.release_rows, self.database, self.worker_id)
        if released:
            log.info("delivery: gave back %d claimed messages", released)
        self.runners.clear()
