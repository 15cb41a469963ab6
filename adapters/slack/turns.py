"""One Slack turn through the core: who is asking, what the engine answers, and how it is delivered.

The engine is synchronous (SQLAlchemy), so it runs off the event loop: in one of a few worker processes
(adapters/turn_processes.py, `LEADERS_TURN_PROCESSES`), or with that set to 0 on the process's turn threads
(`Services.turn_threads`); either way the event loop stays free to ack other requests within Slack's 3
seconds. Who is asking is worked out here first, in the server (its Slack lookups are async calls).
Delivery failures are logged by Web API method and Slack's error code only — never the token, the message
or the profile it carried.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import log_api_error
from adapters.slack.identity import IdentityResolver, SlackLookupFailedError, team_of, workspace_of
from adapters.slack.render import home_view, message
from adapters.turn_processes import TurnLostError, TurnRunner
from bot.replies import Reply, Text
from bot.usecases.home import SHOW as HOME_ACTION

log = logging.getLogger("adapters.slack")

LOOKUP_FAILED = Reply((Text("I couldn't check your Slack account with Slack just now. Please try again in a "
                            "minute.", "error"),))
FAILED = Reply((Text("Sorry — something went wrong on our side. Please try again; if it keeps happening, "
                     "tell the Leaders Connect team.", "error"),))
INTERRUPTED = Reply((Text("Sorry — that was interrupted on our side before I could answer, so it may or may "
                          "not have been done. Please check, and try again if it was not.", "error"),))
HOME_FOOTER = (
    Text("Messages from Leaders Connect arrive here, in the Messages tab.", "muted"),
    Text("Type `/leaders help` anywhere, or message me here, to find other leaders and to see or change "
         "your own profile.", "muted"),
)


class SlackTurns:
    """`urgent` turns wait ahead of others for a worker: a modal's submission answers inside its ack, and a
    button press may open a modal with a `trigger_id` that is good for 3 seconds."""

    def __init__(self, engine: TurnRunner, resolver: IdentityResolver) -> None:
        self.engine = engine
        self.resolver = resolver

    async def text(self, context: Any, client: AsyncWebClient, text: str) -> Reply:
        return await self._turn(context, client, "handle_text", text)

    async def action(self, context: Any, client: AsyncWebClient, neutral_action: str, *,
                     urgent: bool = False) -> Reply:
        return await self._turn(context, client, "handle_action", neutral_action, urgent=urgent)

    async def submit(self, context: Any, client: AsyncWebClient, neutral_action: str,
                     values: dict[str, str]) -> Reply:
        return await self._turn(context, client, "handle_submit", neutral_action, values, urgent=True)

    async def home(self, context: Any, client: AsyncWebClient) -> dict[str, Any]:
        """The Home tab: the leader's own profile and digest settings with a button that opens the settings
        modal (bot/usecases/home.py) — or, for someone not linked, how to get verified — and what arrives
        here."""
        reply = await self.action(context, client, HOME_ACTION)
        return home_view(Reply((*reply.blocks, *HOME_FOOTER)))

    async def _turn(self, context: Any, client: AsyncWebClient, method: str, *args: Any,
                    urgent: bool = False) -> Reply:
        try:
            home = frozenset(i for i in (context.get("team_id"), context.get("enterprise_id")) if i)
            identity = await self.resolver.identify(client, workspace_of(context), str(context["user_id"]),
                                                    home, team_of(context))
        except SlackLookupFailedError:
            return LOOKUP_FAILED
        try:
            return await self.engine.run(method, identity, *args, urgent=urgent)
        except TurnLostError:
            log.error("a Slack turn was interrupted: its worker process died (the person is told)")
            return INTERRUPTED
        except Exception:
            log.exception("the engine failed on a Slack turn")
            return FAILED


async def call_api(method: str, coro: Any) -> bool:
    """Await one Web API call; True if it worked. Failures are logged and swallowed per request, so
    one workspace with a revoked token or a full rate limit never affects another's turns."""
    try:
        await coro
        return True
    except SlackApiError as error:
        log_api_error(method, error)
    except (TimeoutError, SlackClientError, OSError) as error:
        log.warning("Slack %s failed: %s", method, type(error).__name__)
    return False


class ResponseUrls:
    """Posts replies to `response_url`s over one shared HTTP session.

    bolt's `respond()` opens a new aiohttp session (and TCP/TLS connection) for every reply; under load that
    is most of a turn's cost, so replies share a keep-alive pool instead. Call `close()` at shutdown.
    """

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def send(self, response_url: str, reply: Reply, *, replace: bool = False) -> bool:
        """Ephemeral — seen only by the person who asked — or, with `replace`, in place of the message
        the press came from (presses.py says when). A response_url allows 5 uses in 30 minutes."""
        if not response_url.startswith(("https://", "http://")):
            return False
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        payload = {"replace_original": True, **message(reply)} if replace else \
            {"response_type": "ephemeral", "replace_original": False, **message(reply)}
        try:
            async with self._session.post(response_url, json=payload) as response:
                status = response.status
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            log.warning("Slack response_url failed: %s", type(error).__name__)
            return False
        if status != 200:
            log.warning("Slack response_url answered HTTP %s", status)
            return False
        return True

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
