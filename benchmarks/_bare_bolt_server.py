"""The bare slack-bolt app for `benchmarks/slash.py`, run in its own process like the real server.

    python benchmarks/_bare_bolt_server.py PORT

Reads SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_API_URL from the environment. Answers every
`/leaders` command with a constant in its ack, and acknowledges every button press (benchmarks/votes.py),
after bolt's signature check, through the same aiohttp conversion as `adapters.slack`; `/healthz` says
when it is listening. Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import os
import re
import sys

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def bare_bolt_app() -> web.Application:
    bolt = AsyncApp(name="bare", signing_secret=os.environ["SLACK_SIGNING_SECRET"],
                    client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                                          base_url=os.environ["SLACK_API_URL"]))

    @bolt.command("/leaders")
    async def constant(ack) -> None:  # type: ignore[no-untyped-def]
        await ack("Leaders Connect")

    @bolt.action(re.compile(".*"))
    async def pressed(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()  # a button press (benchmarks/votes.py): acknowledged, nothing else

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    web.run_app(bare_bolt_app(), host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
