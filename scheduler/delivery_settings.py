"""The delivery engine's configuration, read from Settings (LEADERS_SLACK_*, LEADERS_TEAMS_*, …)."""

from __future__ import annotations

from directory.settings import Settings
from scheduler.delivery import DeliveryConfig
from scheduler.rate_limits import slack_limits, teams_limits
from scheduler.retry_policy import RetryPolicy


def delivery_config(settings: Settings) -> DeliveryConfig:
    return DeliveryConfig(
        limits={
            "slack": slack_limits(settings.slack_workspace_per_minute, settings.slack_channel_per_second,
                                  settings.slack_workspace_window_seconds),
            "teams": teams_limits(settings.teams_tenant_per_second, settings.teams_conversation_per_second,
                                  settings.teams_conversation_per_30s, settings.teams_conversation_per_hour),
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
