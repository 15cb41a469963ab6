"""What the delivery workers hand to a platform: an `Envelope`, to a `Sender` that adapters/ implements.

The workers know nothing of Slack or Teams; adapters/slack/sender.py and adapters/teams/delivery.py
implement `Sender` and translate their platform's refusals into `SendFailure` (scheduler/retry_policy.py).
An envelope either asks for a new message or, with `target` set, for the message sent earlier at that
address to be changed (Slack `chat.update`, Teams `update_activity`) — one method, so routing a message
to its platform is the same for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.replies import Reply


@dataclass(frozen=True)
class Sent:
    """Where a message is on its platform: Slack (channel, ts), Teams (conversation id, activity id)."""

    conversation: str
    message_id: str


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
    team_id: str = ""  # Slack Enterprise Grid: the workspace inside the org (workspace_id is the org)
    target: Sent | None = None  # set: change that message instead of posting a new one
    # The moment (the pacer's clock, epoch seconds) the lane's rate limit was spent on this send. A sender
    # may ignore it; it says when the worker let the message go, as opposed to when the platform saw it
    # (loopback or network jitter later), which is what the delivery tests judge the pacing by.
    paced_at: float = 0.0


class Sender(Protocol):
    """Delivers one message (or changes one sent before); returns where it is, or raises `SendFailure`."""

    async def send(self, envelope: Envelope) -> Sent: ...
