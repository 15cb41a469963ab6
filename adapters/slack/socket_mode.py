"""Socket Mode: Slack delivers over a WebSocket we open, so no public URL is needed.

`leaders serve` starts it when `SLACK_APP_TOKEN` (an `xapp-` app-level token) is set; the same bolt app
and listeners serve both transports, and bolt skips signature checks for Socket Mode by design (the
connection itself is authenticated by the app token).
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger("adapters.slack")
CONNECT_SECONDS = 30


async def start_socket_mode(bolt: AsyncApp, app_token: str,
                            timeout: float = CONNECT_SECONDS) -> AsyncSocketModeHandler:
    """Connect and return the handler; call `await handler.close_async()` on shutdown.

    slack-sdk's `connect()` retries every failure forever, a refused token included, so the WebSocket
    URL is asked for once here first (a wrong token raises `SlackApiError` instead of blocking startup)
    and the WebSocket itself gets a deadline. On failure the handler's session and task are closed."""
    handler = AsyncSocketModeHandler(bolt, app_token)  # uses bolt's client, so SLACK_API_URL applies
    try:
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
        await asyncio.wait_for(handler.connect_async(), timeout)
    except BaseException:
        await handler.close_async()
        raise
    log.info("Slack Socket Mode connected")
    return handler
