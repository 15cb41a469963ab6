"""Wiring delivery: one `Sender` that hands each outbox message to its platform's sender.

The workers in scheduler/ know only the `Sender` protocol; this is where Slack's and Teams' real senders
are built from the settings, once per process, and where a platform that is not configured fails its
messages with a reason staff can read instead of retrying them forever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.delivery import DeliveryWorker
from scheduler.delivery_settings import delivery_config
from scheduler.retry_policy import SendFailure
from scheduler.senders import Envelope, Sender, Sent

if TYPE_CHECKING:
    from adapters.bootstrap import Services


class PlatformSenders:
    """Routes by `envelope.platform`; `close()` releases the HTTP sessions."""

    def __init__(self, senders: dict[str, Sender]) -> None:
        self.senders = senders

    async def send(self, envelope: Envelope) -> Sent:
        sender = self.senders.get(envelope.platform)
        if sender is None:
            raise SendFailure("permanent", f"{envelope.platform} is not configured on this server")
        return await sender.send(envelope)

    async def close(self) -> None:
        for sender in self.senders.values():
            close = getattr(sender, "close", None)
            if close is not None:
                await close()


def build_senders(services: Services) -> PlatformSenders:
    settings, database = services.settings, services.database
    senders: dict[str, Sender] = {}
    if settings.slack_bot_token or settings.slack_client_id:
        from adapters.slack.sender import SlackSender, SlackTokens

        senders["slack"] = SlackSender(settings, SlackTokens(settings, database))
    from adapters.teams.config import is_configured

    if is_configured(settings):
        from adapters.teams.delivery import TeamsDeliverySender, build_teams_sender

        teams = build_teams_sender(settings, services.teams_endpoints)
        senders["teams"] = TeamsDeliverySender(teams, database, settings.allowed_tenant_set)
    return PlatformSenders(senders)


def build_worker(services: Services) -> DeliveryWorker:
    return DeliveryWorker(services.database, build_senders(services), delivery_config(services.settings),
                          services.metrics)
