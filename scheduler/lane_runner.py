"""One lane, drained by the worker that holds it: claim due rows, pace them, send, record the outcome.

Sends within a lane overlap (the pacer, not the round trip, sets the pace) up to `concurrency` at a time.
A runner stops when its lane is empty for a while, when the worker stops, when the lane's lease is lost,
or when it cannot be sure its leases still hold (`fenced`) — and gives back whatever it claimed but did not
send.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.reply_codec import ReplyDecodeError, reply_from_json
from directory.models import utcnow
from directory.outbox import SENT
from scheduler import outbox_claims as claims
from scheduler.delivery_settings import DeliveryConfig
from scheduler.rate_limits import LanePacer
from scheduler.retry_policy import SendFailure
from scheduler.senders import Envelope, Sent

if TYPE_CHECKING:
    from scheduler.delivery import DeliveryWorker

log = logging.getLogger("leaders.delivery")


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
            task = asyncio.create_task(self._deliver(row, self.pacer.last_taken))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)

    async def _give_back(self, rows: list[claims.Claimed]) -> None:
        if rows:
            await asyncio.to_thread(claims.release_rows, self.worker.database, self.worker.worker_id,
                                    [r.id for r in rows])

    async def _deliver(self, row: claims.Claimed, paced_at: float) -> None:
        database, owner, metrics = self.worker.database, self.worker.worker_id, self.worker.metrics
        try:
            try:
                envelope = dataclasses.replace(self._envelope(row), paced_at=paced_at)
            except ReplyDecodeError as error:
                await asyncio.to_thread(claims.mark_failed, database, row.id, owner, str(error),
                                        attempted=False)
                return
            except SendFailure as failure:  # an update whose card never arrived: nothing to change
                await asyncio.to_thread(claims.mark_failed, database, row.id, owner, failure.reason,
                                        attempted=False)
                return
            started = time.perf_counter()
            try:
                sent = await self.worker.sender.send(envelope)
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
            await asyncio.to_thread(claims.mark_sent, database, row.id, sent.conversation, sent.message_id)
        except Exception as error:  # recording failed (database gone): the lease brings the row back
            log.error("could not record the outcome of message %s: %s", row.id, type(error).__name__)
        finally:
            self.slots.release()

    @staticmethod
    def _envelope(row: claims.Claimed) -> Envelope:
        """What the sender gets; an update carries the card's latest content and where the card is."""
        if row.target is None:
            return Envelope(row.id, row.dedupe_key, row.platform, row.workspace_id, row.user_id,
                            row.conversation, reply_from_json(row.reply), row.team_id)
        target = row.target
        if target.status != SENT:
            raise SendFailure("permanent", "the message this would update was not delivered"
                              + (f" ({target.last_error})" if target.last_error else ""))
        return Envelope(row.id, row.dedupe_key, row.platform, row.workspace_id, row.user_id, row.conversation,
                        reply_from_json(target.reply), row.team_id,
                        Sent(target.sent_conversation, target.platform_message_id))

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
