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
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from bot.replies import Reply
from bot.reply_codec import ReplyDecodeError, reply_from_json
from directory.database import Database
from directory.models import utcnow
from scheduler import outbox_claims as claims
from scheduler.delivery_metrics import DeliveryMetrics
from scheduler.rate_limits import LaneLimits, LanePacer
from scheduler.retry_policy import RetryPolicy, SendFailure

log = logging.getLogger("leaders.delivery")


@dataclass(frozen=True)
class Envelope:
    """One message as a sender sees it: the recipient's platform identity and the neutral reply."""

    message_id: int
    dedupe_key: str
    platform: str
    workspace_id: str
    user_id: str
    conversation: str
    reply: Reply


class Sender(Protocol):
    """Delivers one message; returns the platform's id for it, or raises `SendFailure`."""

    async def send(self, envelope: Envelope) -> str: ...


@dataclass(frozen=True)
class DeliveryConfig:
    limits: dict[str, LaneLimits]  # by platform
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    headroom: float = 0.95
    lease_seconds: float = 30.0
    poll_seconds: float = 1.0
    concurrency: int = 16  # sends in flight per lane
    max_lanes: int = 16  # lanes one worker drains at once
    linger_seconds: float = 2.0  # keep an empty lane this long before giving it up
    drain_seconds: float = 10.0  # on shutdown, wait this long for in-flight sends


def interleave(batch: list[claims.Claimed]) -> list[claims.Claimed]:
    """Everyone's first message, then everyone's second, …: three digests waiting for one person's
    1-per-second channel limit must not hold up the rest of the lane behind them."""
    seen: dict[str, int] = {}
    order = []
    for index, row in enumerate(batch):
        key = row.conversation or row.user_id
        order.append((seen.get(key, 0), index, row))
        seen[key] = seen.get(key, 0) + 1
    return [row for _, _, row in sorted(order, key=lambda item: (item[0], item[1]))]


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LaneRunner:
    """Drains one lane this worker holds, until it is empty, lost, or the worker stops."""

    def __init__(self, worker: DeliveryWorker, lane: str, state: claims.LaneState) -> None:
        self.worker = worker
        self.lane = lane
        platform = lane.split(":", 1)[0]
        self.platform = platform
        self.pacer = LanePacer(worker.config.limits[platform], worker.config.headroom)
        self.pacer.restore(state.recent_sends, state.blocked_until)
        self.in_flight: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(worker.config.concurrency)
        self.lost = False
        self.renewed_at = time.monotonic()  # when our leases were last known good

    @property
    def fenced(self) -> bool:
        """True when our leases may have run out (a stall, a database outage): send nothing more.

        Another worker may take the lane once the lease expires; stopping at three quarters of it keeps
        the two from ever sending at the same time (assuming clocks run at the same rate).
        """
        return time.monotonic() - self.renewed_at > self.config.lease_seconds * 0.75

    @property
    def config(self) -> DeliveryConfig:
        return self.worker.config

    async def run(self) -> None:
        idle_since: float | None = None
        try:
            while not self.worker.stopping.is_set() and not self.lost and not self.fenced:
                batch = await self._claim()
                if batch:
                    idle_since = None
                    await self._send_batch(batch)
                    continue
                idle_since = idle_since or time.monotonic()
                wait = await asyncio.to_thread(claims.next_due_in, self.worker.database, self.lane)
                nothing_soon = wait is None or wait > self.config.lease_seconds
                if nothing_soon and time.monotonic() - idle_since >= self.config.linger_seconds:
                    break  # give the lane up; it is found again when something in it falls due
                await self.worker.sleep(max(0.01, min(self.config.poll_seconds,
                                                      wait if wait is not None else 1e9)))
        finally:
            await self._finish()

    async def _claim(self) -> list[claims.Claimed]:
        blocked = self.pacer.blocked_until - time.time()
        if blocked > 0:
            await self.worker.sleep(min(blocked, self.config.poll_seconds))
            return []
        size = self._batch_size()
        return await asyncio.to_thread(claims.claim, self.worker.database, self.lane, self.worker.worker_id,
                                       size, self.config.lease_seconds)

    def _batch_size(self) -> int:
        """About two seconds of the lane's budget: small enough that a kill strands little."""
        per_second = min(w.count / w.seconds for w in self.pacer.limits.lane)
        return max(1, min(200, int(per_second * 2)))

    async def _send_batch(self, batch: list[claims.Claimed]) -> None:
        batch = interleave(batch)
        for index, row in enumerate(batch):
            # A free slot first, then the pacer: a send is timed when it really leaves, not before
            # waiting for a slot (which would bunch requests up at the platform).
            await self.slots.acquire()
            while True:
                if self.worker.stopping.is_set() or self.lost or self.fenced:
                    self.slots.release()
                    await self._give_back(batch[index:])
                    return
                wait = self.pacer.take(row.conversation or row.user_id)
                if wait == 0:
                    break
                await self.worker.sleep(min(wait, self.config.poll_seconds))
            task = asyncio.create_task(self._deliver(row))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)

    async def _give_back(self, rows: list[claims.Claimed]) -> None:
        if rows:
            await asyncio.to_thread(claims.release_rows, self.worker.database, self.worker.worker_id,
                                    [r.id for r in rows])

    async def _deliver(self, row: claims.Claimed) -> None:
        database, owner, metrics = self.worker.database, self.worker.worker_id, self.worker.metrics
        try:
            try:
                envelope = Envelope(row.id, row.dedupe_key, row.platform, row.workspace_id, row.user_id,
                                    row.conversation, reply_from_json(row.reply))
            except ReplyDecodeError as error:
                await asyncio.to_thread(claims.mark_failed, database, row.id, owner, str(error),
                                        attempted=False)
                return
            started = time.perf_counter()
            try:
                message_id = await self.worker.sender.send(envelope)
            except SendFailure as failure:
                metrics.observe_send(self.platform, time.perf_counter() - started)
                await self._failed(row, failure)
                return
            except Exception as error:  # a bug or an unexpected client error: retry, and say what it was
                log.exception("sender raised unexpectedly for message %s", row.id)
                await self._failed(row, SendFailure("retry", f"unexpected {type(error).__name__}"))
                return
            metrics.observe_send(self.platform, time.perf_counter() - started)
            metrics.count_sent(self.platform)
            await asyncio.to_thread(claims.mark_sent, database, row.id, owner, message_id)
        except Exception as error:  # recording failed (database gone): the lease brings the row back
            log.error("could not record the outcome of message %s: %s", row.id, type(error).__name__)
        finally:
            self.slots.release()

    async def _failed(self, row: claims.Claimed, failure: SendFailure) -> None:
        database, owner, policy = self.worker.database, self.worker.worker_id, self.config.retry
        metrics = self.worker.metrics
        now = utcnow()
        if failure.kind == "throttled":
            seconds = policy.retry_after(failure)
            self.pacer.block(seconds)
            metrics.count_failure(self.platform, "throttled")
            until = now + timedelta(seconds=seconds)
            log.info("lane %s throttled: waiting %.1fs", self.lane, seconds)
            await asyncio.to_thread(claims.block_lane, database, self.lane, until, failure.reason)
            await asyncio.to_thread(claims.reschedule, database, row.id, owner, failure.reason, until,
                                    attempted=False)
            return
        attempts = row.attempts + 1
        if failure.kind == "permanent":
            metrics.count_failure(self.platform, "permanent")
            await asyncio.to_thread(claims.mark_failed, database, row.id, owner, failure.reason)
        elif policy.gives_up(attempts):
            metrics.count_failure(self.platform, "gave_up")
            await asyncio.to_thread(claims.mark_failed, database, row.id, owner,
                                    f"gave up after {attempts} tries: {failure.reason}")
        else:
            metrics.count_failure(self.platform, "retry")
            at = now + timedelta(seconds=policy.backoff(attempts))
            await asyncio.to_thread(claims.reschedule, database, row.id, owner, failure.reason, at,
                                    attempted=True)

    async def _finish(self) -> None:
        if self.in_flight:
            _, pending = await asyncio.wait(set(self.in_flight), timeout=self.config.drain_seconds)
            for task in pending:  # still waiting on the platform: leave the row's lease to run out
                task.cancel()
        await asyncio.to_thread(claims.release_lane, self.worker.database, self.lane, self.worker.worker_id,
                                self.pacer.snapshot())


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
                "lanes": sorted(self.runners)}

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
