"""The slack-bolt AsyncApp: `/leaders`, buttons, the Home tab, DMs and @mentions, all into the core.

Every listener acknowledges first and hands its work to a background task (`Background`), so a slow
search never costs a leader Slack's 3-second timeout. bolt runs with `process_before_response=True`: it
answers Slack's HTTP request as soon as the listener returns, which is right after `ack()`. (bolt's other
mode runs the listener in a task and polls every 10 ms for `ack()` to have been called: each ack waited
for a poll, and under load for the event loop to win the GIL back from the turn threads at each one.) The
one exception is a modal's `view_submission`: its validation errors can only travel in the ack itself
(`response_action: "errors"`), so the core runs first there — a quick, single-row update. Slack
redelivers an event it thinks we missed, and a captured signed request could be sent again within its
five minutes; `redeliveries.py` makes sure neither repeats a side effect on any server process (bolt
itself has no de-duplication).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.bootstrap import Services
from adapters.slack import modals
from adapters.slack.admission import admission_middleware
from adapters.slack.forms import FORM_CALLBACK, field_errors, form_modal, submitted_values
from adapters.slack.identity import IdentityResolver
from adapters.slack.install import bolt_options, is_oauth
from adapters.slack.presses import replaces
from adapters.slack.redeliveries import DELIVERY, SeenRequests, redelivery_filter
from adapters.slack.render import ACTION_PREFIX, decode_action, post_message
from adapters.slack.turns import ResponseUrls, SlackTurns, call_api
from adapters.slack.uninstall import register_uninstall_listeners
from adapters.turn_processes import TurnRunner
from bot.grammar import expects_form

log = logging.getLogger("adapters.slack")


class Background:
    """The work listeners hand off after acking: started at once, kept referenced until done, and any
    failure logged — the place bolt's error handler would have caught it had the listener still been
    running. Work runs only if its delivery is new (`first_time`): a retry or a replay is dropped here."""

    def __init__(self, seen: SeenRequests | None = None) -> None:
        self.seen = seen
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None], context: Any = None) -> None:
        task = asyncio.create_task(self._if_new(work, context))
        self._tasks.add(task)  # the event loop keeps only a weak reference to a task
        task.add_done_callback(self._finished)

    async def first_time(self, context: Any) -> bool:
        """Claim this request's keys; False (and a log line) if any process took it already."""
        delivery = context.get(DELIVERY) if context is not None else None
        if self.seen is None or not delivery or not delivery[0]:
            return True
        keys, keep = delivery
        if await asyncio.to_thread(self.seen.first_time, keys, keep):
            return True
        log.info("skipping a repeated Slack delivery (%s)", keys[0].split(":")[1])
        return False

    async def _if_new(self, work: Coroutine[Any, Any, None], context: Any) -> None:
        if not await self.first_time(context):
            work.close()
            return
        await work

    async def drain(self, timeout: float) -> None:
        """At shutdown: let work already acknowledged finish (up to `timeout` seconds) — answers still
        owed to people who were told nothing but "received" — before the turn workers stop."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a Slack listener failed after acknowledging", exc_info=task.exception())


def not_installed_message(public_url: str) -> str:
    where = f" at {public_url}/slack/install" if public_url else ""
    return (":warning: Leaders Connect isn't installed in this Slack workspace any more (or its installation "
            f"was removed). Please ask your Slack admin to install it again{where}.")


def build_bolt_app(services: Services, response_urls: ResponseUrls, engine: TurnRunner,
                   background: Background | None = None) -> AsyncApp:
    settings = services.settings
    app = AsyncApp(name="leaders-connect", signing_secret=settings.slack_signing_secret,
                   process_before_response=True,  # see the module docstring
                   before_authorize=redelivery_filter(),
                   user_facing_authorize_error_message=not_installed_message(settings.public_url),
                   **bolt_options(settings, services.database))
    app.use(admission_middleware(is_oauth(settings), settings.allowed_slack_team_set))  # admission.py
    turns = SlackTurns(engine, IdentityResolver(services.database, services.turn_threads))
    register_listeners(app, turns, response_urls, background or Background(SeenRequests(services.database)))
    register_uninstall_listeners(app, services.database,
                                 settings.slack_client_id if is_oauth(settings) else "")
    return app


def register_listeners(app: AsyncApp, turns: SlackTurns, response_urls: ResponseUrls,
                       background: Background) -> None:
    @app.command("/leaders")
    async def leaders_command(ack: Any, body: dict, context: Any, client: Any) -> None:
        await ack()
        background.start(answer_command(body, context, client), context)

    async def answer_command(body: dict, context: Any, client: Any) -> None:
        text, trigger = str(body.get("text") or ""), str(body.get("trigger_id") or "")
        if trigger and expects_form(text):
            # trigger_id is good for 3 s from the command: the modal opens at once, loading (modals.py).
            loading = await modals.open_loading(client, trigger)
            reply = await turns.text(context, client, text)
            if loading is not None and await modals.show(client, loading, reply):
                return
        else:
            reply = await turns.text(context, client, text)
            if reply.form is not None and trigger and await call_api(
                    "views.open", client.views_open(trigger_id=trigger, view=form_modal(reply.form))):
                return
        await response_urls.send(str(body.get("response_url") or ""), reply)  # no modal: as a message

    @app.view(FORM_CALLBACK)
    async def form_submitted(ack: Any, view: dict, context: Any, client: Any) -> None:
        if not await background.first_time(context):  # the core runs before the ack here
            await ack()
            return
        neutral = str(view.get("private_metadata") or "")
        reply = await turns.submit(context, client, neutral, submitted_values(view))
        form = reply.form
        if form is not None and form.errors:
            await ack(response_action="errors", errors=field_errors(form))  # the modal stays open
            return
        await ack()  # closes the modal; the outcome goes to the person's DM with the bot
        await call_api("chat.postMessage", client.chat_postMessage(channel=context["user_id"],
                                                                   **post_message(reply)))

    @app.action(re.compile("^" + re.escape(ACTION_PREFIX) + r"\d+$"))
    async def button_pressed(ack: Any, body: dict, action: dict, context: Any, client: Any) -> None:
        await ack()
        neutral = decode_action(action)
        if neutral is not None:
            background.start(answer_button(neutral, body, context, client), context)

    async def answer_button(neutral: str, body: dict, context: Any, client: Any) -> None:
        trigger = str(body.get("trigger_id") or "")
        reply = await turns.action(context, client, neutral, urgent=bool(trigger))  # the trigger expires
        if reply.form is not None and trigger and await call_api(
                "views.open", client.views_open(trigger_id=trigger, view=form_modal(reply.form))):
            return  # a button that asks for input (a poll's free text, "Request introduction"): a modal
        if body.get("response_url"):  # in place of the pressed card, or as a new ephemeral (presses.py)
            await response_urls.send(str(body["response_url"]), reply, replace=replaces(reply, body))
        else:  # pressed in the Home tab or a modal: no response_url, so answer in the bot's DM
            await call_api("chat.postMessage", client.chat_postMessage(channel=context["user_id"],
                                                                       **post_message(reply)))

    # Events need no ack() call: bolt acknowledges them when the listener returns.
    @app.event("app_home_opened")
    async def home_opened(event: dict, context: Any, client: Any) -> None:
        if event.get("tab", "home") == "home":
            background.start(publish_home(context, client), context)

    async def publish_home(context: Any, client: Any) -> None:
        view = await turns.home(context, client)
        await call_api("views.publish", client.views_publish(user_id=context["user_id"], view=view))

    @app.event("message")
    async def direct_message(event: dict, context: Any, client: Any) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id") \
                or not event.get("user"):
            return  # edits, joins, bots (including ourselves): answering those would loop or spam
        background.start(answer_direct_message(event, context, client), context)

    async def answer_direct_message(event: dict, context: Any, client: Any) -> None:
        reply = await turns.text(context, client, str(event.get("text") or ""))
        await call_api("chat.postMessage",
                       client.chat_postMessage(channel=event["channel"], **post_message(reply)))

    @app.event("app_mention")
    async def mentioned(event: dict, context: Any, client: Any) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        background.start(answer_mention(event, context, client), context)

    async def answer_mention(event: dict, context: Any, client: Any) -> None:
        reply = await turns.text(context, client, str(event.get("text") or ""))
        # Ephemeral: a channel may include people who are not verified leaders.
        await call_api("chat.postEphemeral", client.chat_postEphemeral(
            channel=event["channel"], user=event["user"], **post_message(reply)))
