"""Pacing and retry arithmetic, on a controlled clock: sliding windows per lane and per conversation,
Retry-After blocks, hand-over between workers, and capped exponential backoff with jitter."""

from __future__ import annotations

import random

from scheduler.rate_limits import LaneLimits, LanePacer, Window, slack_limits, teams_limits
from scheduler.retry_policy import RetryPolicy, SendFailure


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def drain(pacer: LanePacer, clock: Clock, conversations: list[str]) -> list[float]:
    """Send to each conversation in turn as soon as the pacer allows; returns the send times."""
    times = []
    for conversation in conversations:
        while (wait := pacer.take(conversation)) > 0:
            clock.now += wait
        times.append(clock.now)
    return times


def max_in_window(times: list[float], seconds: float) -> int:
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


def test_a_lane_never_exceeds_its_window_and_keeps_close_to_it() -> None:
    clock = Clock()
    pacer = LanePacer(slack_limits(600, 100), headroom=1.0, clock=clock)
    times = drain(pacer, clock, [f"U{i}" for i in range(1500)])
    assert max_in_window(times, 60.0) == 600  # the whole budget, and never more
    assert times[-1] - times[0] < 121  # 1,500 messages in just over two windows


def test_headroom_stretches_every_window() -> None:
    clock = Clock()
    pacer = LanePacer(LaneLimits((Window(10, 1.0),), ()), headroom=0.8, clock=clock)
    times = drain(pacer, clock, ["x"] * 21)
    assert max_in_window(times, 1.25) == 10 and times[20] - times[0] >= 2.5


def test_one_slack_channel_gets_one_message_a_second_while_others_flow() -> None:
    clock = Clock()
    pacer = LanePacer(slack_limits(6000, 1), headroom=1.0, clock=clock)
    times = drain(pacer, clock, ["U1", "U1", "U2", "U3", "U1"])
    assert times == [1000.0, 1001.0, 1001.0, 1001.0, 1002.0]


def test_teams_conversation_windows_all_apply() -> None:
    clock = Clock()
    pacer = LanePacer(teams_limits(50, 7, 60, 1800), headroom=1.0, clock=clock)
    times = drain(pacer, clock, ["a:1"] * 70)
    assert max_in_window(times, 1.0) <= 7 and max_in_window(times, 2.0) <= 8
    assert max_in_window(times, 30.0) <= 60
    assert times[60] - times[0] >= 30.0


def test_teams_allows_eight_per_two_seconds_in_one_conversation() -> None:
    """Bot Connector's per-conversation windows include 8 in any 2 s: 7 may go at once, the 8th in the
    next second, the 9th only once the first is 2 s old."""
    clock = Clock()
    pacer = LanePacer(teams_limits(50, 7, 60, 1800), headroom=1.0, clock=clock)
    times = drain(pacer, clock, ["a:1"] * 9)
    start = times[0]
    assert [t - start for t in times] == [0.0] * 7 + [1.0, 2.0]
    assert max_in_window(times, 2.0) == 8


def test_retry_after_blocks_the_lane_until_it_is_over() -> None:
    clock = Clock()
    pacer = LanePacer(slack_limits(6000, 100), clock=clock)
    pacer.block(5)
    assert pacer.take("U1") == 5.0
    clock.now += 5
    assert pacer.take("U1") == 0.0


def test_a_successor_starts_from_the_saved_send_times_not_a_fresh_budget() -> None:
    clock = Clock()
    first = LanePacer(LaneLimits((Window(5, 10.0),), ()), headroom=1.0, clock=clock)
    drain(first, clock, ["x"] * 5)
    successor = LanePacer(LaneLimits((Window(5, 10.0),), ()), headroom=1.0, clock=clock)
    successor.restore(first.snapshot(), blocked_until=0.0)
    assert successor.take("x") == 10.0


def test_backoff_grows_exponentially_with_full_jitter_and_a_cap() -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=2.0, max_seconds=60.0)
    rng = random.Random(7)
    samples = {n: [policy.backoff(n, rng) for _ in range(500)] for n in (1, 3, 10)}
    assert min(samples[1]) >= 0 and max(samples[1]) <= 2.0
    assert max(samples[3]) <= 8.0 and max(samples[3]) > 6.0  # spread over the whole range
    assert max(samples[10]) <= 60.0 and len({round(s, 3) for s in samples[10]}) > 400
    assert policy.gives_up(5) and not policy.gives_up(4)


def test_retry_after_is_taken_from_the_platform_with_a_default() -> None:
    policy = RetryPolicy(default_retry_after=30.0)
    assert policy.retry_after(SendFailure("throttled", "429", 7.0)) == 7.0
    assert policy.retry_after(SendFailure("throttled", "429", None)) == 30.0
    assert policy.retry_after(SendFailure("throttled", "429", 10**9)) == 3600.0
