"""Where the answer to a Slack button press goes: in place of the message it came from, or as a new one.

A use case answers a press with `replace` when the answer is the card itself, changed (bot/live.py).
Slack redraws the message through the press's `response_url` with `replace_original` — for our
ephemeral answers and for the app's DM with the person, which only they read. A message in a channel
others read is never replaced by one person's press: the answer goes to them alone (ephemeral), and a
card whose shared state changed is updated for everyone through the outbox (`chat.update`).
"""

from __future__ import annotations

from typing import Any

from bot.replies import Reply


def replaceable(body: dict[str, Any]) -> bool:
    """True if the pressed message is seen by the presser alone: ephemeral, or in their DM with the app."""
    container = body.get("container") or {}
    if container.get("is_ephemeral"):
        return True
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    return channel.startswith("D")


def replaces(reply: Reply, body: dict[str, Any]) -> bool:
    return reply.replace and replaceable(body)
