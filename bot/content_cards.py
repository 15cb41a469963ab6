"""Curated items as neutral blocks: a digest, the on-demand `digest`, the library, an announcement.

Every item shows its title, summary and topics, with a link button that opens the item (through our own
redirect when the service has a public URL, so opens are counted for the item — never for the person).
In a digest it also gets "Useful" / "Not for me", counted the same way.

A digest is split into several messages rather than break a platform's limit: each message holds at most
`ITEMS_PER_MESSAGE` items (four Block Kit blocks each, well inside Slack's 50; a few KB each, well inside
Teams' 80 KB), and each part is its own outbox row with its own dedupe key.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.replies import Actions, Block, Button, Reply, Text
from directory.content import ContentItem
from directory.digests import Preference
from directory.settings import Settings

ITEMS_PER_MESSAGE = 10
USEFUL, NOT_FOR_ME = "content.useful", "content.not_for_me"


def link_url(settings: Settings, item: ContentItem, *, on_site: bool = False) -> str:
    """Where the link button goes: `/r/<item token>` on our server when it has a public https URL (an
    open is counted for the item), else the item's own https link. `on_site`: the list is shown on our
    own website, where `/r/<token>` (relative, the same site) always works and is always counted."""
    if on_site:
        return f"/r/{item.link_token}"
    if settings.public_url.startswith("https://"):
        return f"{settings.public_url}/r/{item.link_token}"
    return item.url


def item_blocks(settings: Settings, item: ContentItem, *, feedback: bool,
                on_site: bool = False) -> tuple[Block, ...]:
    buttons = [Button("Open", url=link_url(settings, item, on_site=on_site), style="primary")]
    if feedback:
        buttons += [Button("Useful", f"{USEFUL}:{item.id}"), Button("Not for me", f"{NOT_FOR_ME}:{item.id}")]
    blocks: list[Block] = [Text(item.title, "heading")]
    if item.summary:
        blocks.append(Text(item.summary))
    blocks += [Text("Topics: " + ", ".join(item.topics), "muted"), Actions(tuple(buttons))]
    return tuple(blocks)


def welcome_text(pref: Preference) -> Text:
    return Text(f"This is your first digest. It comes {pref.describe()}, with {pref.describe_topics()}. "
                "To change that, type `settings digest daily 07:30`, `settings digest weekly monday 08:00`, "
                "`settings topics cyber, workforce` or `settings digest off` — or just `settings`.", "muted")


def digest_replies(settings: Settings, items: Sequence[ContentItem], more: int, pref: Preference, *,
                   first: bool) -> list[Reply]:
    """The digest's messages: a heading, the items (split by ITEMS_PER_MESSAGE), "more", the welcome."""
    parts = [items[start:start + ITEMS_PER_MESSAGE] for start in range(0, len(items), ITEMS_PER_MESSAGE)]
    replies = []
    for n, part in enumerate(parts):
        head = f"Your Leaders Connect digest: {len(items)} new item{'s' if len(items) != 1 else ''}" \
            if n == 0 else f"Your digest, continued ({n + 1} of {len(parts)})"
        blocks: list[Block] = [Text(head, "heading")]
        for item in part:
            blocks += item_blocks(settings, item, feedback=True)
        if n == len(parts) - 1:
            if more:
                blocks.append(Text(f"…and {more} more new for you: type `digest` to see the latest items.",
                                   "muted"))
            if first:
                blocks.append(welcome_text(pref))
        replies.append(Reply(tuple(blocks), private=True))
    return replies


def listing(settings: Settings, title: str, items: Sequence[ContentItem], empty: str,
            footer: str = "", *, on_site: bool = False) -> Reply:
    """Items on demand (`digest`, `library`): link buttons only — feedback belongs to digests sent."""
    if not items:
        return Reply((Text(title, "heading"), Text(empty, "muted")))
    blocks: list[Block] = [Text(title, "heading")]
    for item in items[:ITEMS_PER_MESSAGE]:
        blocks += item_blocks(settings, item, feedback=False, on_site=on_site)
    if footer:
        blocks.append(Text(footer, "muted"))
    return Reply(tuple(blocks))
