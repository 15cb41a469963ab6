"""Find: search the directory and answer with person cards the viewer is allowed to see.

Results say how many leaders matched (counted up to `COUNTED`; beyond that, "more than 30") and come a
page at a time (`LEADERS_SEARCH_LIMIT`, 10 by default) with a "Next 10" button. Each "View profile" from a
results page carries that page (its query and where it starts), so the profile it opens offers "Back to
results". The query travels in the button's action id, percent-encoded (no `:` or `~`, which action ids
use as separators), so nothing about a person's search is kept on the server; a query too long to carry
(over `MAX_CARRIED` characters encoded) gets no paging buttons rather than a broken one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from bot.actions import action
from bot.cards import summary_card
from bot.commands import Context, command
from bot.replies import Actions, Button, PersonCard, Reply, Text
from bot.usecases.quota import allowance, cap_reached, exhausted
from directory.ids import parse_id
from directory.models import Leader
from directory.privacy import Viewer
from directory.search import search
from directory.search_query import QueryError, parse_query

COUNTED = 30  # counted exactly; more is "more than 30" (counting further slows every find)
MAX_CARRIED = 600
PAGE = "find.page"
BACK = "find.back"  # the same as PAGE, named apart so the console can offer it as `[0]`
NO_RESULTS_HINT = ("Try fewer words, another spelling, or a broader filter "
                   "(sector: region: org: cohort: tag:).")
NARROW_HINT = "Add words or filters to narrow it down."


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


@dataclass(frozen=True)
class ResultPage:
    """One page of a search, decided once for every renderer: chat's cards and the web's results list.

    The cards are built by the caller's card function from what the viewer may see (bot/cards.py), and the
    daily cap is already charged for them; a renderer only chooses how they look.
    """

    query: str = ""  # the query as understood (SearchQuery.describe()); "" for an empty search
    problem: str = ""  # a query the person can fix (QueryError), one line
    cards: tuple[PersonCard, ...] = ()  # this page's results the cap allowed, best first
    shown: int = 0  # how many results belong on this page (more than len(cards) when the cap cut it)
    total: int = 0  # matches counted, up to COUNTED
    overflow: bool = False  # more than COUNTED matched
    offset: int = 0  # where this page starts (0-based), already brought inside the results
    limit: int = 10
    capped_out: bool = False  # today's cap was spent before the search: nothing about the query is known

    @property
    def capped(self) -> bool:
        """Today's cap stopped this page, or part of it."""
        return self.capped_out or len(self.cards) < self.shown

    @property
    def more(self) -> bool:
        return self.offset + self.limit < self.total

    def counted(self) -> str:
        """"3 leaders match" / "More than 30 leaders match", as every renderer says it."""
        if self.overflow:
            return f"More than {COUNTED} leaders match"
        return f"{plural(self.total)} {'matches' if self.total == 1 else 'match'}"


def result_page(ctx: Context, raw: str, offset: int,
                card: Callable[[Viewer, Leader, tuple[str, ...]], PersonCard] = summary_card) -> ResultPage:
    """Parse, search and charge the cap for one page of `raw` starting at `offset` (0-based)."""
    try:
        query = parse_query(raw)
    except QueryError as error:
        return ResultPage(problem=str(error))
    if query.is_empty:
        return ResultPage()
    if exhausted(ctx):
        return ResultPage(capped_out=True)
    limit = ctx.settings.search_limit
    hits = search(ctx.session, query, limit=COUNTED + 1)  # the same pool on every page: a stable order
    described = query.describe()
    if not hits:
        return ResultPage(described, limit=limit)
    total = min(len(hits), COUNTED)
    offset = max(0, min(offset, (total - 1) // limit * limit))
    shown = hits[offset:offset + limit]
    allowed = allowance(ctx, len(shown))
    viewer = ctx.viewer
    cards = tuple(card(viewer, hit.leader, hit.matched) for hit in shown[:allowed])
    return ResultPage(described, "", cards, len(shown), total, len(hits) > COUNTED, offset, limit)


def results(ctx: Context, raw: str, offset: int) -> Reply:
    """One page of results for `raw`, starting at `offset` (0-based)."""
    page = result_page(ctx, raw, offset)
    if page.problem:
        return Reply((Text(f"I can't search for that: {page.problem}.", "error"),))
    if not page.query and not page.capped:
        return Reply((Text("Who are you looking for? Try `find director of finance` or "
                           "`find tag:cyber region:scotland`.", "muted"),))
    if page.capped and not page.cards:
        return Reply((cap_reached(ctx),))
    if not page.total:
        return Reply((Text(f"No leaders match “{page.query}”.", "heading"),
                      Text(NO_RESULTS_HINT, "muted")))
    offset, limit, total = page.offset, page.limit, page.total
    span = f" — showing {offset + 1}–{offset + page.shown}" if total > page.shown else ""
    blocks: list = [Text(f"{page.counted()} “{page.query}”{span}", "heading")]
    here = carry(raw, offset)
    for card in page.cards:
        if here:  # "View profile" remembers this page, for "Back to results"
            card = _with_context(card, here)
        blocks.append(card)
    if page.capped:
        blocks.append(cap_reached(ctx))
    following = carry(raw, offset + limit) if page.more else ""
    if following and not page.capped:
        remaining = min(limit, total - offset - limit)
        blocks.append(Actions((Button(f"Next {remaining}", f"{PAGE}:{following}"),)))
    if page.overflow and not page.more:
        blocks.append(Text(NARROW_HINT, "muted"))
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
