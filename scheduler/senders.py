"""What the delivery workers hand to a platform: an `Envelope`, to a `Sender` that adapters/ implements.

The workers know nothing of Slack or Teams; adapters/slack/sender.py and adapters/teams/delivery.py
implement `Sender` and translate their platform's refusals into `SendFailure` (scheduler/retry_policy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.replies import Reply


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
