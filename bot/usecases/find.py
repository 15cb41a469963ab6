"""Find: search the directory and answer with person cards the viewer is allowed to see.

Results say how many leaders matched (counted up to `COUNTED`; beyond that, "more than 30") and come a
page at a time (`LEADERS_SEARCH_LIMIT`, 10 by default) with a "Next 10" button. Each "View profile" from a
results page carries that page (its query and where it starts), so the profile it opens offers "Back to
results". The query travels in the button's action id, percent-encoded (no `:` or `~`, which action ids
use as separators), so nothing about a person's search is kept on the server; a query too long to carry
(over `MAX_CARRIED` characters encoded) gets no paging buttons rather than a broken one.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from bot.actions import action
from bot.cards import summary_card
from bot.commands import Context, command
from bot.replies import Actions, Button, Reply, Text
from bot.usecases.quota import allowance, cap_reached, exhausted
from directory.ids import parse_id
from directory.search import search
from directory.search_query import QueryError, parse_query

COUNTED = 30  # counted exactly; more is "more than 30" (counting further slows every find)
MAX_CARRIED = 600
PAGE = "find.page"
BACK = "find.back"  # the same as PAGE, named apart so the console can offer it as `[0]`


def carry(raw: str, offset: int) -> str:
    """`<offset>:<query>` for an action id, or "" when the query is too long to carry."""
    encoded = quote(raw, safe="").replace("~", "%7E")
    return f"{offset}:{encoded}" if len(encoded) <= MAX_CARRIED else ""


def plural(count: int, word: str = "leader") -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@command("find", "Search the directory by name, role, organisation or expertise",
         'find <words> [sector:… region:"…" org:… cohort:… tag:…]', aliases=("search", "f", "who"),
         examples=("find director of finance", 'find chief nurse region:"north west"',
                   "find tag:cyber sector:policing"))
def find(ctx: Context, args: str) -> Reply:
    return results(ctx, args, 0)


def results(ctx: Context, raw: str, offset: int) -> Reply:
    """One page of results for `raw`, starting at `offset` (0-based)."""
    try:
        query = parse_query(raw)
    except QueryError as error:
        return Reply((Text(f"I can't search for that: {error}.", "error"),))
    if query.is_empty:
        return Reply((Text("Who are you looking for? Try `find director of finance` or "
                           "`find tag:cyber region:scotland`.", "muted"),))
    if exhausted(ctx):
        return Reply((cap_reached(ctx),))
    limit = ctx.settings.search_limit
    hits = search(ctx.session, query, limit=COUNTED + 1)  # the same pool on every page: a stable order
    described = query.describe()
    if not hits:
        return Reply((Text(f"No leaders match “{described}”.", "heading"),
                      Text("Try fewer words, another spelling, or a broader filter "
                           "(sector: region: org: cohort: tag:).", "muted")))
    total = min(len(hits), COUNTED)
    offset = max(0, min(offset, (total - 1) // limit * limit))
    shown = hits[offset:offset + limit]
    allowed = allowance(ctx, len(shown))
    if allowed == 0:
        return Reply((cap_reached(ctx),))
    counted = f"More than {COUNTED} leaders match" if len(hits) > COUNTED else \
        f"{plural(total)} {'matches' if total == 1 else 'match'}"
    span = f" — showing {offset + 1}–{offset + len(shown)}" if total > len(shown) else ""
    blocks: list = [Text(f"{counted} “{described}”{span}", "heading")]
    here = carry(raw, offset)
    for hit in shown[:allowed]:
        card = summary_card(ctx.viewer, hit.leader, hit.matched)
        if here:  # "View profile" remembers this page, for "Back to results"
            card = _with_context(card, here)
        blocks.append(card)
    if allowed < len(shown):
        blocks.append(cap_reached(ctx))
    more = offset + limit < total
    following = carry(raw, offset + limit) if more else ""
    if following and allowed == len(shown):
        remaining = min(limit, total - offset - limit)
        blocks.append(Actions((Button(f"Next {remaining}", f"{PAGE}:{following}"),)))
    if len(hits) > COUNTED and not more:
        blocks.append(Text("Add words or filters to narrow it down.", "muted"))
    return Reply(tuple(blocks))


def _with_context(card, here: str):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    buttons = tuple(replace(b, action=f"{b.action}:{here}") if b.action.startswith("profile.view:") else b
                    for b in card.buttons)
    return replace(card, buttons=buttons)


def decode(args: list[str]) -> tuple[str, int] | None:
    """(query, offset) from `<offset>:<query>` action arguments; None if they are not that."""
    if len(args) < 2:
        return None
    offset = parse_id(args[0]) if args[0] != "0" else 0
    if offset is None:
        return None
    return unquote(":".join(args[1:])), offset


@action(PAGE)
def page_pressed(ctx: Context, args: list[str]) -> Reply:
    carried = decode(args)
    if carried is None:
        return Reply((Text("That button has expired — search again with `find`.", "error"),))
    return results(ctx, *carried)


@action(BACK)
def back_pressed(ctx: Context, args: list[str]) -> Reply:
    return page_pressed(ctx, args)
