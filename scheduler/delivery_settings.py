"""The delivery engine's configuration, read from Settings (LEADERS_SLACK_*, LEADERS_TEAMS_*, …)."""

from __future__ import annotations

from dataclasses import dataclass, field

from directory.settings import Settings
from scheduler.rate_limits import LaneLimits, slack_limits, teams_limits
from scheduler.retry_policy import RetryPolicy


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


def delivery_config(settings: Settings) -> DeliveryConfig:
    return DeliveryConfig(
        limits={
            "slack": slack_limits(settings.slack_workspace_per_minute, settings.slack_channel_per_second,
                                  settings.slack_workspace_window_seconds),
            "teams": teams_limits(settings.teams_tenant_per_second, settings.teams_conversation_per_second,
                                  settings.teams_conversation_per_30s, settings.teams_conversation_per_hour,
                                  settings.teams_conversation_per_2s),
        },
        retry=RetryPolicy(max_attempts=settings.delivery_max_attempts,
                          base_seconds=settings.delivery_backoff_seconds,
                          max_seconds=settings.delivery_backoff_max_seconds),
        headroom=settings.delivery_headroom,
        lease_seconds=settings.delivery_lease_seconds,
        poll_seconds=settings.delivery_poll_seconds,
        concurrency=settings.delivery_concurrency,
        linger_seconds=max(2.0, 2 * settings.delivery_poll_seconds),
    )
