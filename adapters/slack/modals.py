"""Modals that open at once: a "loading" view on the fresh trigger_id, then the real one with views.update.

A `trigger_id` is good for three seconds. The answer to `/leaders me` needs a turn (who is asking, their
profile) that is usually quick but may not be — a cold database connection, a Slack lookup — and a
modal opened late is simply lost. So a command whose answer is a form opens a small loading modal the
moment it is acknowledged, and the form (or whatever the answer turns out to be: the welcome for someone
not yet verified) replaces it when ready; `views.update` has no such deadline.

    >>> loading_view()["blocks"][0]["elements"][0]["text"]
    ':hourglass_flowing_sand: One moment…'
"""

from __future__ import annotations

from typing import Any

from adapters.slack.forms import form_modal
from adapters.slack.render import modal_view
from adapters.slack.turns import call_api
from bot.replies import Reply

TITLE = "Leaders Connect"
Json = dict[str, Any]


def loading_view() -> Json:
    return {"type": "modal", "title": {"type": "plain_text", "text": TITLE},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "context", "elements": [
                {"type": "mrkdwn", "text": ":hourglass_flowing_sand: One moment…"}]}]}


def answer_view(reply: Reply) -> Json:
    """The modal for an answer: its form, or — when the answer is not a form — the answer to read."""
    return form_modal(reply.form) if reply.form is not None else modal_view(reply, TITLE)


async def open_loading(client: Any, trigger_id: str) -> str | None:
    """Open the loading modal; its view id, or None if Slack would not (an expired trigger)."""
    opened: dict[str, Any] = {}

    async def call() -> None:
        response = await client.views_open(trigger_id=trigger_id, view=loading_view())
        opened.update(response.get("view") or {})
    if not await call_api("views.open", call()):
        return None
    return str(opened.get("id") or "") or None


async def show(client: Any, view_id: str, reply: Reply) -> bool:
    """Put the answer in the modal `view_id` opened as loading."""
    return await call_api("views.update", client.views_update(view_id=view_id, view=answer_view(reply)))
