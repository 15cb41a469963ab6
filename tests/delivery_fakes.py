"""A fake Slack Web API that enforces rate limits, for the delivery tests and the fan-out benchmark.

`chat.postMessage` is accepted only within the limits it is given — at most N per window per workspace
(the workspace is known from the bot token) and per channel — and answers `429` with `Retry-After`
otherwise, like Slack. Every accepted message is recorded with its arrival time, so a test can count
deliveries per recipient (duplicates, losses) and check the spacing itself. Failures can be scripted per
recipient (a permanent error code, or N server errors) or per workspace (a 429 storm).

**Judged at departure.** A test that wraps the worker's sender with `tests.delivery_helpers.stamped`
tells the fake, for each request, the moment the worker's pacer let it go (`Envelope.paced_at`); the fake
then counts its windows, and records `at`, by those moments rather than by arrival. Arrival on a loopback
shared with the test's own event loop, the database and a loaded machine comes tens to hundreds of
milliseconds late and bunched, which is noise the test cannot control; departure is what the worker
decides, so the same limits are asserted exactly and the tests do not depend on the machine's load.
(Real platforms see the jitter; the pacer's headroom is there for it.) Without stamps, arrival counts.

It is a plain aiohttp app guarded by a lock, so it can run on the test's event loop or, for tests that
drive worker subprocesses from synchronous code, in a background thread (tests.fakes_teams.ThreadedServer).
"""

from __future__ import annotations

import bisect
import json
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web


@dataclass
class Limit:
    count: int
    seconds: float


@dataclass
class Delivered:
    workspace: str
    channel: str
    text: str
    at: float


@dataclass
class LimitedSlack:
    tokens: dict[str, str] = field(default_factory=dict)  # bot token -> workspace (team) id
    workspace_limit: Limit | None = None
    channel_limit: Limit | None = None
    permanent: dict[str, str] = field(default_factory=dict)  # channel/user -> Slack error code
    server_errors: dict[str, int] = field(default_factory=dict)  # channel/user -> 5xx answers to give
    # workspace -> (seconds, Retry-After): from its first post, every post for `seconds` is answered 429
    throttle: dict[str, tuple[float, float]] = field(default_factory=dict)
    throttled_at: dict[str, float] = field(default_factory=dict)
    latency: float = 0.0  # seconds each accepted post takes (a slower, more realistic server)
    record: bool = True
    delivered: list[Delivered] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)  # reason -> count
    attempts: Counter[str] = field(default_factory=Counter)  # channel -> posts seen
    _windows: dict[tuple[str, str], deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _stamped_windows: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    departures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    delivered_count: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/stats", self._stats)  # for a benchmark running this in another process
        return app

    async def _stats(self, request: web.Request) -> web.Response:
        per_recipient = self.per_recipient()
        with self._lock:
            times = [d.at for d in self.delivered]
            refused = dict(self.refused)
        return web.json_response({
            "delivered": len(times), "recipients": len(per_recipient),
            "duplicates": sum(n - 1 for n in per_recipient.values()), "refused": refused,
            "first": min(times, default=0.0), "last": max(times, default=0.0)})

    def depart(self, channel: str, at: float) -> None:
        """The worker let a request to `channel` go at `at` (epoch seconds): judge that request by it."""
        with self._lock:
            self.departures[channel].append(at)

    def _moment(self, channel: str) -> tuple[float, bool]:
        stamps = self.departures.get(channel)
        if stamps:
            return stamps.popleft(), True
        return time.time(), False

    def _within(self, key: tuple[str, str], limit: Limit | None, now: float, stamped: bool = False) -> bool:
        if limit is None:
            return True
        if stamped:  # stamps may come in a little out of order: any `count + 1` inside `seconds` is too many
            times = self._stamped_windows[key]
            at = bisect.bisect(times, now)
            times.insert(at, now)
            for first in range(max(0, at - limit.count), min(at, len(times) - 1 - limit.count) + 1):
                if times[first + limit.count] - times[first] < limit.seconds:
                    del times[at]
                    return False
            return True
        times = self._windows[key]
        while times and times[0] <= now - limit.seconds:
            times.popleft()
        if len(times) >= limit.count:
            return False
        times.append(now)
        return True

    async def _api(self, request: web.Request) -> web.Response:
        raw = await request.text()
        body: dict[str, Any] = json.loads(raw) if request.content_type == "application/json" and raw \
            else dict(parse_qsl(raw))
        method = request.match_info["method"]
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if method != "chat.postMessage":
            return web.json_response({"ok": False, "error": "unknown_method"})
        workspace = self.tokens.get(token)
        if workspace is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        channel = str(body.get("channel", ""))
        with self._lock:
            now, stamped = self._moment(channel)
            self.attempts[channel] += 1
            if workspace in self.throttle:
                seconds, retry_after = self.throttle[workspace]
                first = self.throttled_at.setdefault(workspace, now)
                if now - first < seconds:
                    self.refused["scripted 429"] += 1
                    return _throttled(retry_after)
            if channel in self.permanent:
                return web.json_response({"ok": False, "error": self.permanent[channel]})
            if self.server_errors.get(channel, 0) > 0:
                self.server_errors[channel] -= 1
                return web.json_response({"ok": False, "error": "internal_error"}, status=500)
            if not self._within(("workspace", workspace), self.workspace_limit, now, stamped):
                self.refused["workspace limit"] += 1
                return _throttled(1)
            if not self._within(("channel", f"{workspace}/{channel}"), self.channel_limit, now,
                                stamped):
                self.refused["channel limit"] += 1
                return _throttled(1)
            self.delivered_count += 1
            if self.record:
                self.delivered.append(Delivered(workspace, channel, str(body.get("text", "")), now))
            ts = f"{int(time.time())}.{self.delivered_count:06d}"
        if self.latency:
            import asyncio

            await asyncio.sleep(self.latency)
        return web.json_response({"ok": True, "channel": f"D{channel}", "ts": ts})

    # -- what the tests read ------------------------------------------------------------------------
    def per_recipient(self) -> Counter[str]:
        with self._lock:
            return Counter(f"{d.workspace}/{d.channel}" for d in self.delivered)

    def texts(self) -> Counter[str]:
        with self._lock:
            return Counter(d.text for d in self.delivered)

    def max_in_window(self, workspace: str, seconds: float) -> int:
        """The most messages this workspace received in any `seconds` (a sliding window)."""
        with self._lock:
            times = sorted(d.at for d in self.delivered if d.workspace == workspace)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def delivered_at(self, workspace: str) -> list[float]:
        with self._lock:
            return [d.at for d in self.delivered if d.workspace == workspace]


def _throttled(retry_after: float) -> web.Response:
    value = str(int(retry_after) if retry_after >= 1 else retry_after)
    return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                             headers={"Retry-After": value})
