"""What a failed send means: wait for the platform (429), try again later (5xx), or give up now.

Senders (in adapters/) translate their platform's errors into a `SendFailure` of one of three kinds; the
policy here turns that into the message's next state. Backoff is exponential with full jitter (a random
wait between 0 and the capped exponential), so thousands of messages that failed together during an
outage do not all come back in the same second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

FailureKind = Literal["throttled", "retry", "permanent"]


class SendFailure(Exception):
    """A send that did not happen. `reason` is safe to store and show to staff: no token, no content."""

    def __init__(self, kind: FailureKind, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 2.0
    max_seconds: float = 600.0
    default_retry_after: float = 30.0  # a 429 without a usable Retry-After header
    max_retry_after: float = 3600.0  # a Retry-After beyond this is a platform bug; come back in an hour

    def backoff(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds before try number `attempts + 1`: full jitter over base · 2^(attempts − 1), capped."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return (rng or random).uniform(0.0, ceiling)

    def retry_after(self, failure: SendFailure) -> float:
        value = failure.retry_after
        if value is None or value < 0:
            return self.default_retry_after
        return min(float(value), self.max_retry_after)

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
