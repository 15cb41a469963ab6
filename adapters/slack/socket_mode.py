"""Socket Mode: Slack delivers over a WebSocket we open, so no public URL is needed.

`leaders serve` starts it when `SLACK_APP_TOKEN` (an `xapp-` app-level token) is set; the same bolt app
and listeners serve both transports, and bolt skips signature checks for Socket Mode by design (the
connection itself is authenticated by the app token).
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger("adapters.slack")


async def start_socket_mode(bolt: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """Connect and return the handler; call `await handler.close_async()` on shutdown."""
    handler = AsyncSocketModeHandler(bolt, app_token)  # uses bolt's client, so SLACK_API_URL applies
    await handler.connect_async()
    log.info("Slack Socket Mode connected")
    return handler
