"""Per-lane pacing at the platforms' published limits, exact within the process that owns the lane.

A lane (one Slack workspace, one Teams tenant) is drained by one worker at a time (scheduler/lanes.py),
so its budget can be kept here, in memory, as sliding-window logs: "at most N sends in any T seconds",
for the lane as a whole and for each conversation in it. A sliding log is exact (a token bucket of the
same rate lets through up to twice N in some windows), and it allows the bursts the platforms allow.

Every window is stretched by `1 / headroom` (default 0.95): requests leave here at known times but reach
the platform a few milliseconds apart from how they left, and a limit met to the microsecond would be
broken by that jitter. The cost is the same fraction of throughput.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most `count` sends in any `seconds`."""

    count: int
    seconds: float


@dataclass(frozen=True)
class LaneLimits:
    """The windows one lane spends from (`lane`) and the ones each conversation in it does."""

    lane: tuple[Window, ...]
    conversation: tuple[Window, ...]


def slack_limits(workspace_per_minute: int, channel_per_second: float,
                 window_seconds: float = 60.0) -> LaneLimits:
    """`chat.postMessage`: about 1 per second per channel, and a workspace-wide budget per minute.

    The workspace budget is counted over `window_seconds` (pro rata): Slack's is a minute; a shorter
    window spends the same rate more evenly.
    """
    per_channel = Window(1, 1.0 / channel_per_second) if channel_per_second <= 1 else \
        Window(int(channel_per_second), 1.0)
    per_window = max(1, int(workspace_per_minute * window_seconds / 60.0))
    return LaneLimits((Window(per_window, window_seconds),), (per_channel,))


def teams_limits(tenant_per_second: int, per_second: int, per_30s: int, per_hour: int,
                 per_2s: int = 8) -> LaneLimits:
    """Bot Connector: per conversation 7/s, 8/2 s, 60/30 s, 1,800/h; per app per tenant 50 requests a
    second."""
    return LaneLimits((Window(tenant_per_second, 1.0),),
                      (Window(per_second, 1.0), Window(per_2s, 2.0), Window(per_30s, 30.0),
                       Window(per_hour, 3600.0)))


class SlidingLog:
    """The send times inside one window; `wait()` says how long until one more send fits."""

    def __init__(self, window: Window, stretch: float) -> None:
        self.count = max(1, window.count)
        self.seconds = window.seconds * stretch
        self.times: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()

    def wait(self, now: float) -> float:
        self._trim(now)
        if len(self.times) < self.count:
            return 0.0
        return self.times[len(self.times) - self.count] + self.seconds - now

    def record(self, now: float) -> None:
        self.times.append(now)


class LanePacer:
    """Decides when the next message of one lane may leave, and for how long the lane is blocked."""

    def __init__(self, limits: LaneLimits, headroom: float = 0.95,
                 clock: Callable[[], float] = time.time, max_conversations: int = 50_000) -> None:
        self.limits = limits
        self.stretch = 1.0 / headroom
        self.clock = clock
        self.lane_logs = [SlidingLog(w, self.stretch) for w in limits.lane]
        self.conversation_logs: dict[str, list[SlidingLog]] = {}
        self.blocked_until = 0.0
        self.last_taken = 0.0  # when the last send was let go (what `take` recorded)
        self.max_conversations = max_conversations

    def _logs_for(self, conversation: str) -> list[SlidingLog]:
        logs = self.conversation_logs.get(conversation)
        if logs is None:
            if len(self.conversation_logs) >= self.max_conversations:
                self._forget_idle()
            logs = self.conversation_logs[conversation] = [SlidingLog(w, self.stretch)
                                                           for w in self.limits.conversation]
        return logs

    def _forget_idle(self) -> None:
        now = self.clock()
        for key in [k for k, logs in self.conversation_logs.items()
                    if all(log.wait(now) == 0 and not log.times for log in logs)]:
            del self.conversation_logs[key]

    def delay(self, conversation: str) -> float:
        """Seconds until a send to `conversation` fits every window (0: now)."""
        now = self.clock()
        logs = self.lane_logs + self._logs_for(conversation)
        return max([self.blocked_until - now, *(log.wait(now) for log in logs), 0.0])

    def take(self, conversation: str) -> float:
        """Spend one send now if it fits, returning 0; otherwise spend nothing and return the wait."""
        wait = self.delay(conversation)
        if wait > 0:
            return wait
        now = self.last_taken = self.clock()
        for log in self.lane_logs + self._logs_for(conversation):
            log.record(now)
        return 0.0

    def block(self, seconds: float) -> None:
        """The platform said `Retry-After`: nothing leaves this lane until then."""
        self.blocked_until = max(self.blocked_until, self.clock() + seconds)

    # -- hand-over between workers (delivery_lane.recent_sends / blocked_until) ----------------------
    def snapshot(self) -> list[float]:
        """The lane-wide send times still inside their windows, for whoever drains the lane next."""
        now = self.clock()
        longest = max((log.seconds for log in self.lane_logs), default=0.0)
        busiest = max(self.lane_logs, key=lambda log: len(log.times), default=None)
        if busiest is None:
            return []
        return [round(t, 4) for t in busiest.times if t > now - longest]

    def restore(self, times: list[float], blocked_until: float) -> None:
        for log in self.lane_logs:
            log.times = deque(sorted(t for t in times if t > self.clock() - log.seconds))
        self.blocked_until = max(self.blocked_until, blocked_until)
