"""Find: search the directory and answer with person cards the viewer is allowed to see."""

from __future__ import annotations

from bot.cards import summary_card
from bot.commands import Context, command
from bot.replies import Reply, Text
from bot.usecases.quota import allowance, cap_reached, exhausted
from directory.search import search
from directory.search_query import QueryError, parse_query


@command("find", "Search the directory by name, role, organisation or expertise",
         'find <words> [sector:… region:"…" org:… cohort:… tag:…]', aliases=("search", "f", "who"),
         examples=("find director of finance", 'find chief nurse region:"north west"',
                   "find tag:cyber sector:policing"))
def find(ctx: Context, args: str) -> Reply:
    try:
        query = parse_query(args)
    except QueryError as error:
        return Reply((Text(f"I can't search for that: {error}.", "error"),))
    if query.is_empty:
        return Reply((Text("Who are you looking for? Try `find director of finance` or "
                           "`find tag:cyber region:scotland`.", "muted"),))
    if exhausted(ctx):
        return Reply((cap_reached(ctx),))
    limit = ctx.settings.search_limit
    hits = search(ctx.session, query, limit=limit + 1)
    described = query.describe()
    if not hits:
        return Reply((Text(f"No leaders match “{described}”.", "heading"),
                      Text("Try fewer words, another spelling, or a broader filter "
                           "(sector: region: org: cohort: tag:).", "muted")))
    shown = hits[:limit]
    allowed = allowance(ctx, len(shown))
    if allowed == 0:
        return Reply((cap_reached(ctx),))
    title = (f"Top {limit} leaders for “{described}” — add words or filters to narrow it down"
             if len(hits) > limit else
             f"{len(shown)} leader{'s' if len(shown) != 1 else ''} found for “{described}”")
    cards = tuple(summary_card(ctx.viewer, hit.leader, hit.matched) for hit in shown[:allowed])
    return Reply((Text(title, "heading"), *cards, *((cap_reached(ctx),) if allowed < len(shown) else ())))
