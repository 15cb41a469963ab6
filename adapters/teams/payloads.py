"""Reading what Teams sends — pure functions over the activity's JSON, no SDK types.

A button press arrives two ways: `Action.Submit` as a message activity whose `value` is the button's
data, and `Action.Execute` as an `adaptiveCard/action` invoke whose `value.action.data` (or `verb`) holds
it. Both decode to the same neutral action id the Slack adapter produces from `block_actions`.
"""

from __future__ import annotations

from typing import Any

from bot.actions import MAX_ACTION_LENGTH


def _action_from_data(data: Any) -> str | None:
    if isinstance(data, dict):
        value = data.get("action")
        if isinstance(value, str) and 0 < len(value) <= MAX_ACTION_LENGTH:
            return value
    return None


def submitted_action(value: Any) -> str | None:
    """The neutral id in an `Action.Submit` message's `value`, if it is one of ours."""
    return _action_from_data(value)


def executed_action(value: Any) -> str | None:
    """The neutral id in an `adaptiveCard/action` invoke's `value` (data first, then the verb)."""
    if not isinstance(value, dict) or not isinstance(value.get("action"), dict):
        return None
    action = value["action"]
    found = _action_from_data(action.get("data"))
    verb = action.get("verb")
    if found is None and isinstance(verb, str) and 0 < len(verb) <= MAX_ACTION_LENGTH:
        found = verb
    return found


def executed_data(value: Any) -> Any:
    """An `adaptiveCard/action` invoke's `value.action.data`: the button's data and any form inputs."""
    if isinstance(value, dict) and isinstance(value.get("action"), dict):
        return value["action"].get("data")
    return None


def search_text(value: Any, parameter: str = "query") -> str:
    """The words typed into the messaging extension's search box (`composeExtension/query`)."""
    if not isinstance(value, dict):
        return ""
    for item in value.get("parameters") or []:
        if isinstance(item, dict) and item.get("name") == parameter and isinstance(item.get("value"), str):
            return item["value"].strip()[:500]
    return ""


def tenant_of(activity: dict[str, Any]) -> str:
    """The tenant id: `conversation.tenantId`, else `channelData.tenant.id` (Teams sends both)."""
    conversation = activity.get("conversation") or {}
    tenant = conversation.get("tenantId") if isinstance(conversation, dict) else None
    if not tenant:
        channel_data = activity.get("channelData") or {}
        tenant = ((channel_data.get("tenant") or {}) if isinstance(channel_data, dict) else {}).get("id")
    return str(tenant or "")
