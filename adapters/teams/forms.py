"""A neutral Form as Adaptive Card 1.5 inputs, and a submitted card back into the form's neutral values.

Each input's `id` is the form field's name. Save is an `Action.Execute` (verb: the form's neutral submit
action) and Teams merges the inputs' values into its data, so a submission arrives as one
`adaptiveCard/action` invoke whose `value.action.data` is `{"action": "<neutral id>", "<name>": "<value>",
...}` — answered with the next card, which takes the form's place (the form again with errors under the
fields, or the saved profile). Cards sent before this used `Action.Submit`, which arrives as a message
activity with the same data in `value`; both decode with `submitted_values`. Pure functions, no SDK types.

Teams renders an input's `label` and `errorMessage` as Markdown, so no user text goes there: labels are
the core's own words, and a field's error — which may quote what was typed — is shown literally in a
RichTextBlock beneath the input (literal.py), with a fixed `errorMessage` for Teams' own validation.
An input's `value`, `placeholder` and a choice's `title` are shown as plain text by every client.
"""

from __future__ import annotations

from typing import Any

from adapters.teams.literal import rich_text
from bot.replies import Form, Input

MAX_LABEL = 200
MAX_INPUT = 10_000  # Adaptive Cards have no limit of their own; ours keeps a card well under 80 KB
ACTION_KEY = "action"
FIELD_ERROR = "Please check this field."

Json = dict[str, Any]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def input_element(field: Input) -> Json:
    element: Json
    if field.kind == "choice":
        element = {"type": "Input.ChoiceSet", "id": field.name, "label": _clip(field.label, MAX_LABEL),
                   "style": "compact", "isRequired": True, "value": field.value,
                   "choices": [{"title": _clip(label, MAX_LABEL), "value": value}
                               for value, label in field.options]}
    else:
        limit = min(field.max_length or MAX_INPUT, MAX_INPUT)
        element = {"type": "Input.Text", "id": field.name, "label": _clip(field.label, MAX_LABEL),
                   "value": field.value[:limit], "maxLength": limit, "isMultiline": field.kind == "multiline"}
        if field.hint:
            element["placeholder"] = _clip(field.hint, MAX_LABEL)
    if field.error:
        element["errorMessage"] = FIELD_ERROR  # the error itself is shown literally beneath (form_elements)
    return element


def form_elements(form: Form) -> list[Json]:
    """Title, hint, each input (with its error shown beneath it), and the submit button."""
    items: list[Json] = [rich_text(_clip(form.title, MAX_LABEL), "heading")]
    if form.hint:
        items.append(rich_text(_clip(form.hint, 1000), "muted"))
    for field in form.fields:
        items.append(input_element(field))
        if field.error:
            items.append(rich_text(_clip(field.error, 1000), {"color": "Attention", "size": "Small"},
                                   spacing="None"))
    items.append({"type": "ActionSet", "actions": [{
        "type": "Action.Execute", "title": _clip(form.submit_label, 80), "style": "positive",
        "verb": form.submit_action, "data": {ACTION_KEY: form.submit_action}}]})
    return items


def submitted_values(value: Any) -> dict[str, str]:
    """The inputs' values from a submission's data (everything but the action id): an `Action.Execute`
    invoke's `value.action.data`, or an older `Action.Submit` message's `value`."""
    if not isinstance(value, dict):
        return {}
    return {key: item for key, item in value.items()
            if key != ACTION_KEY and isinstance(key, str) and isinstance(item, str)}
