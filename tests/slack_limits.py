"""Slack's documented limits for modals built from forms, shared by the render and end-to-end tests."""

from __future__ import annotations

from typing import Any

from adapters.slack.render import MODAL_TITLE, VIEW_BLOCKS


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
