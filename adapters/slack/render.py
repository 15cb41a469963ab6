"""Rendering a neutral Reply as Block Kit: a pure function, so what a leader sees is testable as JSON.

Slack rejects a whole message if one limit is broken, so every length and count is enforced here rather
than hoped for: long text is cut with an ellipsis, surplus blocks become "…and N more", and a button whose
neutral action cannot be carried is dropped instead of sent. Buttons get a per-message `lc:<n>` action_id
(Slack requires them unique in a message) and carry the neutral action id in `value`; `decode_action`
reverses that for `block_actions` payloads.

    >>> message(Reply((Text("Hello"),)))["blocks"][0]["text"]["text"]
    'Hello'
"""

from __future__ import annotations

from typing import Any

from bot.replies import Block, Button, Chart, Form, PersonCard, Reply, Text

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
CONTEXT_TEXT = 3000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BUTTON_URL = 3000  # Slack: a button url is at most 3,000 characters
ACTIONS_ELEMENTS = 25
MODAL_TITLE = 24
FALLBACK_TEXT = 3000
ACTION_PREFIX = "lc:"

Json = dict[str, Any]


def escape(text: str) -> str:
    """Slack mrkdwn control characters; user data must never form a link or an @channel mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int, *, mrkdwn: bool = True) -> str:
    """`text` escaped (for mrkdwn) and cut so the *escaped* result fits `limit`, ending in '…' if cut."""
    out = escape(text) if mrkdwn else text
    if len(out) <= limit:
        return out
    raw = text
    while len(out) > limit:
        raw = raw[: max(0, len(raw) - (len(out) - limit) - 1)]
        out = (escape(raw) if mrkdwn else raw) + "…"
    return out


def _cut_escaped(text: str, limit: int) -> str:
    """Cut already-escaped mrkdwn to `limit` without splitting an `&amp;`-style entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&", len(cut) - 5)
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _mrkdwn(text: str) -> Json:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> Json:
    return {"type": "section", "text": _mrkdwn(clip(text, SECTION_TEXT))}


def _text_blocks(block: Text) -> list[Json]:
    if block.style == "heading":
        if len(block.text) <= HEADER_TEXT:
            return [{"type": "header", "text": {"type": "plain_text", "text": block.text, "emoji": True}}]
        return [{"type": "section", "text": _mrkdwn("*" + clip(block.text, SECTION_TEXT - 2) + "*")}]
    if block.style == "muted":
        return [{"type": "context", "elements": [_mrkdwn(clip(block.text, CONTEXT_TEXT))]}]
    if block.style == "error":
        return [{"type": "section", "text": _mrkdwn(":warning: " + clip(block.text, SECTION_TEXT - 10))}]
    return [_section(block.text)]


class _Numbering:
    """Hands out `lc:1`, `lc:2`, … so action_ids are unique within one message or view."""

    def __init__(self) -> None:
        self.count = 0

    def button(self, button: Button) -> Json | None:
        if len(button.action) > min(BUTTON_VALUE, ACTION_ID) or len(button.url) > BUTTON_URL:
            return None  # cannot be carried faithfully: better no button than a broken one
        self.count += 1
        element: Json = {"type": "button", "action_id": f"{ACTION_PREFIX}{self.count}",
                         "text": {"type": "plain_text", "text": clip(button.label, BUTTON_TEXT, mrkdwn=False),
                                  "emoji": True}}
        if button.url:
            element["url"] = button.url  # opens in the browser; the click's block_actions is only acked
        else:
            element["value"] = button.action
        if button.style != "default":
            element["style"] = button.style
        return element


def _actions(buttons: tuple[Button, ...], numbering: _Numbering) -> list[Json]:
    elements = [e for e in (numbering.button(b) for b in buttons[:ACTIONS_ELEMENTS]) if e is not None]
    return [{"type": "actions", "elements": elements}] if elements else []


def _card_blocks(card: PersonCard, numbering: _Numbering) -> list[Json]:
    lines = [f"*{escape(card.name)}*"]
    if card.headline:
        lines.append(escape(card.headline))
    lines += [f"*{escape(f.label)}:* {escape(f.value)}" for f in card.fields]
    blocks: list[Json] = [{"type": "section", "text": _mrkdwn(_cut_escaped("\n".join(lines), SECTION_TEXT))}]
    if len(card.buttons) == 1:
        button = numbering.button(card.buttons[0])
        if button is not None:
            blocks[0]["accessory"] = button
    else:
        blocks += _actions(card.buttons, numbering)
    if card.verified:
        blocks.append({"type": "context", "elements": [_mrkdwn(":white_check_mark: " +
                                                               clip(card.verified, CONTEXT_TEXT - 30))]})
    return blocks


def _form_blocks(form: Form) -> list[Json]:
    """A form in a message (a DM, or when a modal could not be opened): its current values, as text.

    Messages cannot hold a working form here; forms open as modals (forms.py), and the use case that
    sends one also says how to change the values by typing.
    """
    lines = [f"*{escape(f.label)}:* {escape(f.shown_value() or '—')}" for f in form.fields]
    blocks = [*_text_blocks(Text(form.title, "heading")),
              {"type": "section", "text": _mrkdwn(_cut_escaped("\n".join(lines), SECTION_TEXT))}]
    if form.hint:
        blocks += _text_blocks(Text(form.hint, "muted"))
    return blocks


def _render_block(block: Block, numbering: _Numbering) -> list[Json]:
    if isinstance(block, Text):
        return _text_blocks(block)
    if isinstance(block, PersonCard):
        return _card_blocks(block, numbering)
    if isinstance(block, Form):
        return _form_blocks(block)
    if isinstance(block, Chart):  # text bars: Block Kit has no chart
        return _text_blocks(Text(block.plain()))
    return _actions(block.buttons, numbering)


def _more_notice(hidden: int) -> Json:
    what = "item" if hidden == 1 else "items"
    return {"type": "context", "elements": [
        _mrkdwn(f"…and {hidden} more {what} not shown here. Add words or filters to narrow it down.")]}


def render_blocks(reply: Reply, limit: int = MESSAGE_BLOCKS) -> list[Json]:
    """The reply's blocks within `limit`: whole neutral blocks only, then a notice of what was left out."""
    numbering = _Numbering()
    out: list[Json] = []
    for index, block in enumerate(reply.blocks):
        rendered = _render_block(block, numbering)
        rest = len(reply.blocks) - index - 1
        room = limit - len(out) - (1 if rest else 0)
        if len(rendered) > room:
            out.append(_more_notice(len(reply.blocks) - index))
            break
        out += rendered
    return out


def message(reply: Reply) -> Json:
    """The message itself: for a `response_url`, `chat.update`, and the base of `post_message`."""
    fallback = clip(reply.summary, FALLBACK_TEXT) or "Leaders Connect"  # mrkdwn too: escaped like blocks
    return {"text": fallback, "blocks": render_blocks(reply, MESSAGE_BLOCKS)}


def post_message(reply: Reply) -> Json:
    """Keyword arguments for `chat.postMessage` / `chat.postEphemeral`: the message, never unfurled — a
    link in a profile must not become a preview card fetched from someone else's site."""
    return {**message(reply), "unfurl_links": False, "unfurl_media": False}


def home_view(reply: Reply) -> Json:
    return {"type": "home", "blocks": render_blocks(reply, VIEW_BLOCKS)}


def modal_view(reply: Reply, title: str, *, callback_id: str = "", submit: str = "",
               private_metadata: str = "") -> Json:
    view: Json = {"type": "modal",
                  "title": {"type": "plain_text", "text": clip(title, MODAL_TITLE, mrkdwn=False)},
                  "close": {"type": "plain_text", "text": "Close"},
                  "blocks": render_blocks(reply, VIEW_BLOCKS)}
    if callback_id:
        view["callback_id"] = callback_id
    if submit:
        view["submit"] = {"type": "plain_text", "text": clip(submit, MODAL_TITLE, mrkdwn=False)}
    if private_metadata:
        view["private_metadata"] = private_metadata[:3000]
    return view


def decode_action(action: Json) -> str | None:
    """The neutral action id behind one element of a `block_actions` payload, or None if not ours."""
    if not str(action.get("action_id", "")).startswith(ACTION_PREFIX):
        return None
    value = action.get("value")
    return value if isinstance(value, str) and value else None
