"""A neutral Form as a Slack modal, and a `view_submission` back into the form's neutral values.

Pure functions, like render.py. Each input is an `input` block whose `block_id` is the form field's name,
so `state.values` decodes straight to `{name: value}` and a field's error can be shown under it
(`response_action: "errors"` is keyed by block_id). The neutral submit action travels in
`private_metadata`: the modal itself says what submitting it means, and no server-side state is needed.

    >>> from bot.replies import Form, Input
    >>> form = Form("f", "Edit", (Input("role", "Role", "Chief"),), "Save", "me.save")
    >>> form_modal(form)["private_metadata"]
    'me.save'
"""

from __future__ import annotations

from typing import Any

from adapters.slack.render import MODAL_TITLE, VIEW_BLOCKS, clip
from bot.replies import Form, Input

FORM_CALLBACK = "lc:form"
INPUT_ACTION = "value"
LABEL = 2000
HINT = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
TEXT_INPUT_MAX = 3000  # plain_text_input's max_length may not exceed this
BLOCK_ID = 255
PRIVATE_METADATA = 3000
ERROR_TEXT = 2000  # not documented; Slack shows errors under the field, so keep them readable

Json = dict[str, Any]


def _plain(text: str, limit: int) -> Json:
    return {"type": "plain_text", "text": clip(text, limit, mrkdwn=False) or " ", "emoji": True}


def _option(value: str, label: str) -> Json:
    return {"text": _plain(label, OPTION_TEXT), "value": value[:OPTION_VALUE]}


def _element(field: Input) -> Json:
    if field.kind == "choice":
        options = [_option(v, label) for v, label in field.options[:OPTIONS]]
        element: Json = {"type": "static_select", "action_id": INPUT_ACTION, "options": options}
        chosen = [o for o in options if o["value"] == field.value]
        if chosen:
            element["initial_option"] = chosen[0]
        return element
    limit = min(field.max_length or TEXT_INPUT_MAX, TEXT_INPUT_MAX)
    element = {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": field.kind == "multiline",
               "max_length": limit}
    if field.value:
        element["initial_value"] = field.value[:limit]
    return element


def _input_block(field: Input) -> Json:
    block: Json = {"type": "input", "block_id": field.name[:BLOCK_ID], "label": _plain(field.label, LABEL),
                   "optional": field.kind != "choice", "element": _element(field)}
    if field.hint:
        block["hint"] = _plain(field.hint, HINT)
    return block


def form_modal(form: Form) -> Json:
    """The `view` for `views.open`: the form's inputs (at most Slack's 100 blocks), Save and Cancel."""
    blocks: list[Json] = []
    if form.hint:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(form.hint, 3000)}]})
    blocks += [_input_block(field) for field in form.fields[:VIEW_BLOCKS - len(blocks)]]
    return {"type": "modal", "callback_id": FORM_CALLBACK, "title": _plain(form.title, MODAL_TITLE),
            "submit": _plain(form.submit_label, MODAL_TITLE), "close": _plain("Cancel", MODAL_TITLE),
            "private_metadata": form.submit_action[:PRIVATE_METADATA], "blocks": blocks}


def submitted_values(view: Json) -> dict[str, str]:
    """`{block_id: value}` from a `view_submission`'s `view.state.values` (an empty text input is '')."""
    values: dict[str, str] = {}
    state = (view.get("state") or {}).get("values") or {}
    if not isinstance(state, dict):
        return values
    for block_id, actions in state.items():
        element = actions.get(INPUT_ACTION) if isinstance(actions, dict) else None
        if not isinstance(element, dict):
            continue
        if element.get("type") == "static_select":
            value = (element.get("selected_option") or {}).get("value")
        else:
            value = element.get("value")
        values[str(block_id)] = value if isinstance(value, str) else ""
    return values


def field_errors(form: Form) -> dict[str, str]:
    """The `errors` of a `response_action: "errors"` answer: the message under each bad input."""
    return {name[:BLOCK_ID]: clip(message, ERROR_TEXT, mrkdwn=False) for name, message in form.errors.items()}
