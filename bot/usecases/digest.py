"""`digest`, `library <words or topic>`, and the "Useful" / "Not for me" buttons of a digest.

`digest` shows the latest live items for the leader (their topics, items whose audience includes them),
whether or not a digest already brought them; `library` searches everything live by words or a topic.
Neither records anything about the leader.

A press of "Useful" or "Not for me" adds one to the item's counter — the item's, never the person's. The
only thing kept about the leader is that they answered (not what), on the record of what they were sent,
so one person's second press (or a double-click) does not count twice.
"""

from __future__ import annotations

from sqlalchemy import update

from bot.actions import action
from bot.commands import Context, command
from bot.content_cards import NOT_FOR_ME, USEFUL, listing
from bot.replies import Reply, Text
from directory import content
from directory.accounts import WEB
from directory.audience import matches, parse_audience
from directory.content import ContentItem
from directory.digests import DigestSent, preference, wanted
from directory.ids import parse_id
from directory.search_query import QueryError
from directory.textfold import fold

LATEST = 5


def visible_to(ctx: Context, item: ContentItem) -> bool:
    """Whether the leader is in the item's audience (staff see everything, to check what goes out)."""
    if ctx.is_staff:
        return True
    try:
        return matches(ctx.leader, parse_audience(item.audience))
    except QueryError:
        return False


@command("digest", "The latest curated items for you", "digest", examples=("digest",), private_only=True)
def digest(ctx: Context, args: str) -> Reply:
    pref = preference(ctx.session, ctx.leader.id)
    items = [item for item in content.live_items(ctx.session)
             if wanted(pref, item.topics) and visible_to(ctx, item)][:LATEST]
    return listing(ctx.settings, "The latest for you", items,
                   "Nothing has been curated for your topics yet. Type `library` to search everything.",
                   f"Your digest comes {pref.describe()}, with {pref.describe_topics()}: type `settings` to "
                   "change it, or `library <words>` to search everything curated.", on_site=_on_site(ctx))


def _search(ctx: Context, words: str) -> list[ContentItem]:
    terms = fold(words).split()
    found = []
    for item in content.live_items(ctx.session):
        if not visible_to(ctx, item):
            continue
        haystack = fold(" ".join((item.title, item.summary, " ".join(item.topics))))
        if all(term in haystack for term in terms) or fold(words).strip() in item.topics:
            found.append(item)
    return found


@command("library", "Search everything curated, by words or a topic", "library <words or topic>",
         examples=("library cyber", "library workforce planning"), private_only=True)
def library(ctx: Context, args: str) -> Reply:
    words = " ".join(args.split())[:200]
    if not words:
        topics = content.live_topics(ctx.session)
        return Reply((Text("Type `library <words or topic>`, e.g. `library cyber`.", "muted"),
                      Text("Topics: " + (", ".join(topics) or "none yet"), "muted")))
    found = _search(ctx, words)
    more = f"{len(found) - 10} more: add words to narrow it." if len(found) > 10 else ""
    return listing(ctx.settings, f"Library: {words}", found,
                   f"Nothing curated matches “{words}”. Try a topic: "
                   + (", ".join(content.live_topics(ctx.session)) or "none yet") + ".", more,
                   on_site=_on_site(ctx))


def _on_site(ctx: Context) -> bool:
    """Shown on our own website: its links are our /r/<token>, so every open there is counted."""
    return ctx.identity.platform == WEB


def _feedback(ctx: Context, args: list[str], counter: str, thanks: str) -> Reply:
    item_id = parse_id(args[0]) if args else None
    item = ctx.session.get(ContentItem, item_id) if item_id is not None else None
    if item is None:
        return Reply((Text("That item is no longer available.", "error"),))
    answered = ctx.session.execute(
        update(DigestSent).where(DigestSent.leader_id == ctx.leader.id, DigestSent.item_id == item.id,
                                 DigestSent.answered.is_(False))
        .values(answered=True).execution_options(synchronize_session=False)).rowcount
    if not answered:
        return Reply((Text(f"Your answer about “{item.title[:80]}” is already counted — thank you.",
                           "muted"),))
    content.count(ctx.session, item.id, counter)
    return Reply((Text(f"{thanks} “{item.title[:80]}”. Answers are counted for the item, never for you.",
                       "muted"),))


@action(USEFUL)
def useful(ctx: Context, args: list[str]) -> Reply:
    return _feedback(ctx, args, "useful", "Thanks — noted that you found useful")


@action(NOT_FOR_ME)
def not_for_me(ctx: Context, args: list[str]) -> Reply:
    return _feedback(ctx, args, "not_for_me", "Thanks — we'll send fewer like")
