"""Slack's documented Block Kit limits — messages, views and modals built from forms — shared by the render
and end-to-end tests, so every card the bot sends is checked the same way."""

from __future__ import annotations

from typing import Any

from adapters.slack.render import (
    ACTION_ID,
    BUTTON_TEXT,
    BUTTON_URL,
    BUTTON_VALUE,
    MESSAGE_BLOCKS,
    MODAL_TITLE,
    SECTION_TEXT,
    VIEW_BLOCKS,
)


def check_modal(view: dict[str, Any]) -> None:
    """A `views.open` view Slack accepts: counts, lengths, and every input well formed."""
    assert view["type"] == "modal"
    for key in ("title", "submit", "close"):
        assert view[key]["type"] == "plain_text" and 0 < len(view[key]["text"]) <= MODAL_TITLE
    assert 0 < len(view["blocks"]) <= VIEW_BLOCKS
    assert len(view.get("private_metadata", "")) <= 3000 and len(view.get("callback_id", "")) <= 255
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)) and all(0 < len(i) <= 255 for i in block_ids)
    for block in view["blocks"]:
        assert block["type"] in {"input", "context", "section", "header", "divider"}
        if block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10 and all(len(e["text"]) <= 3000 for e in block["elements"])
        if block["type"] != "input":
            continue
        assert 0 < len(block["label"]["text"]) <= 2000 and len(block.get("hint", {}).get("text", "")) <= 2000
        element = block["element"]
        assert 0 < len(element["action_id"]) <= 255
        if element["type"] == "plain_text_input":
            assert 0 < element["max_length"] <= 3000
            assert len(element.get("initial_value", "")) <= element["max_length"]
        else:
            assert element["type"] == "static_select"
            assert 0 < len(element["options"]) <= 100
            for option in element["options"]:
                assert 0 < len(option["text"]["text"]) <= 75 and 0 < len(option["value"]) <= 150
            if "initial_option" in element:
                assert element["initial_option"] in element["options"]


def check_limits(blocks: list[dict[str, Any]], max_blocks: int) -> None:
    """Slack's documented Block Kit limits; a payload that passes these is one Slack accepts."""
    assert 0 < len(blocks) <= max_blocks
    action_ids: list[str] = []
    for block in blocks:
        kind = block["type"]
        assert kind in {"section", "header", "context", "actions", "divider"}
        if kind == "section":
            assert 0 < len(block["text"]["text"]) <= SECTION_TEXT
        if kind == "header":
            assert 0 < len(block["text"]["text"]) <= 150 and block["text"]["type"] == "plain_text"
        if kind == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
        buttons = block["elements"] if kind == "actions" else []
        if "accessory" in block:
            buttons = [block["accessory"]]
        assert len(buttons) <= 25
        for button in buttons:
            assert button["type"] == "button"
            assert 0 < len(button["text"]["text"]) <= BUTTON_TEXT
            if "url" in button:  # a link button: opens a page, carries no value
                assert button["url"].startswith("https://") and len(button["url"]) <= BUTTON_URL
                assert "value" not in button
            else:
                assert 0 < len(button["value"]) <= BUTTON_VALUE
            assert 0 < len(button["action_id"]) <= ACTION_ID
            action_ids.append(button["action_id"])
    assert len(action_ids) == len(set(action_ids)), "action_ids must be unique within a message"


def check_message(payload: dict[str, Any]) -> None:
    """A chat.postMessage / chat.update / response_url payload Slack accepts: fallback text and blocks."""
    assert 0 < len(payload["text"]) <= 3000
    check_limits(payload["blocks"], MESSAGE_BLOCKS)
