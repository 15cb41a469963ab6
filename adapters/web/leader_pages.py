"""The leader's own pages: search `/find`, a profile `/people/<id>`, and editing your profile `/profile`.

Every page runs the same use case as chat (bot/usecases/find.py, profile.py, me.py) in one unit of work
and renders what it decided: cards built by bot/cards.py from the fields the viewer may see, so these
templates are never handed a hidden field. The daily cap on profiles shown counts web pages as it counts
chat. An unknown profile id and a leaver's answer the same 404, so the address reveals nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar
from urllib.parse import urlencode

from aiohttp import web

from adapters.web import profile_form
from adapters.web.bidi import shown_text
from adapters.web.leader_context import leader_context
from adapters.web.site_kit import SERVICES, leader_page, posted, render, sign_in_url, viewer
from bot.cards import listing_card
from bot.commands import Context
from bot.replies import PersonCard
from bot.usecases.find import NARROW_HINT, NO_RESULTS_HINT, ResultPage, result_page
from bot.usecases.profile import CONTACT_LATER, profile_by_id
from bot.usecases.quota import cap_reached
from directory.ids import parse_id
from directory.search_query import FILTERS

T = TypeVar("T")
FILTER_HINT = ("Search by name, role, organisation or expertise. Narrow it down with filters: "
               + ", ".join(f"{name}:" for name in FILTERS)
               + ' — for example chief nurse region:"north west".')
PAGE_PROBLEM = "The page number must be a whole number, such as 2."


class SignedOut(Exception):
    """The session's leader is no longer in the directory: treated as signed out."""


async def in_context(request: web.Request, work: Callable[[Context], T]) -> T:
    """Run `work` with the signed-in leader's use-case context in one unit of work, off the event loop
    (on the threads chat turns use: the use cases are synchronous SQLAlchemy)."""
    services = request.app[SERVICES]
    who = viewer(request)
    signed_out = web.HTTPSeeOther(sign_in_url(request) if request.method == "GET" else "/sign-in")
    if who is None:  # leader_page has already sent them to sign in; never run a use case for nobody
        raise signed_out

    def run() -> T:
        with services.database.session() as session:
            ctx = leader_context(session, services.settings, who.leader_id)
            if ctx is None:
                raise SignedOut
            return work(ctx)
    try:
        return await asyncio.get_running_loop().run_in_executor(services.turn_threads, run)
    except SignedOut:
        raise signed_out from None


def shown_card(card: PersonCard) -> PersonCard:
    """The card with its text safe to show: bidi controls removed (HTML escaping is the template's)."""
    return replace(card, name=shown_text(card.name), headline=shown_text(card.headline),
                   verified=shown_text(card.verified),
                   fields=tuple(replace(f, value=shown_text(f.value)) for f in card.fields))


def card_rows(card: PersonCard) -> list[dict[str, dict[str, str]]]:
    """A card's fields as GOV.UK summary list rows; values go in as text, so the template escapes them."""
    return [{"key": {"text": field.label}, "value": {"text": field.value}} for field in card.fields]


def find_link(raw: str, number: int) -> str:
    return "/find?" + urlencode({"q": raw, "page": number})


def pagination(raw: str, page: ResultPage) -> dict | None:
    """GOV.UK pagination for the results' pages (counted up to COUNTED, as chat pages them)."""
    pages = -(-page.total // page.limit)
    if pages <= 1:
        return None
    current = page.offset // page.limit + 1
    shown: dict = {"items": [{"number": n, "href": find_link(raw, n), "current": n == current}
                             for n in range(1, pages + 1)]}
    if current > 1:
        shown["previous"] = {"href": find_link(raw, current - 1)}
    if current < pages:
        shown["next"] = {"href": find_link(raw, current + 1)}
    return shown


@leader_page
async def find_page(request: web.Request) -> web.Response:
    raw = request.query.get("q", "")
    number = parse_id(request.query.get("page", "1"))
    context: dict = {"query": raw, "filter_hint": FILTER_HINT, "problem": "", "result": None}
    if number is None:
        context.update(problem=PAGE_PROBLEM, error_summary=True)
        return render(request, "find.html", context, status=400)
    limit = request.app[SERVICES].settings.search_limit
    offset = min(number - 1, 10_000) * limit

    def search(ctx: Context) -> tuple[ResultPage, str]:
        return result_page(ctx, raw, offset, listing_card), cap_reached(ctx).text
    page, cap_message = await in_context(request, search)
    context.update(problem=page.problem, error_summary=bool(page.problem), result=page,
                   cap_message=cap_message, no_results=NO_RESULTS_HINT, narrow=NARROW_HINT,
                   pagination=pagination(raw, page),
                   results=[{"name": card.name, "href": f"/people/{card.leader_id}", "rows": card_rows(card)}
                            for card in map(shown_card, page.cards)])
    status = 400 if page.problem else 429 if page.capped_out else 200
    return render(request, "find.html", context, status=status)


@leader_page
async def person_page(request: web.Request) -> web.Response:
    leader_id = parse_id(request.match_info.get("leader_id", ""))

    def look(ctx: Context):  # type: ignore[no-untyped-def]
        return profile_by_id(ctx, leader_id), cap_reached(ctx).text
    shown, cap_message = await in_context(request, look)
    if shown == "missing":  # unknown, malformed or a leaver's: the site's one 404 page, revealing nothing
        raise web.HTTPNotFound()
    if shown == "capped":
        return render(request, "person_capped.html", {"cap_message": cap_message}, status=429)
    card = shown_card(shown.card)
    return render(request, "person.html", {
        "card": card, "rows": card_rows(card), "shown": shown, "contact_later": CONTACT_LATER,
        "intro_href": f"/intros/new?to={card.leader_id}"})


@leader_page
async def own_profile_page(request: web.Request) -> web.Response:
    saved = request.query.get("saved")
    page = await in_context(request, lambda ctx: profile_form.page(ctx.leader))
    return render(request, "profile.html", {**page, "banner": profile_form.banner(saved)})


@leader_page
async def save_own_profile(request: web.Request) -> web.StreamResponse:
    values = await posted(request)
    outcome = await in_context(request, lambda ctx: profile_form.save(ctx, values))
    if isinstance(outcome, dict):  # the form again, with what was wrong; nothing was saved
        return render(request, "profile.html", {**outcome, "banner": None, "error_summary": True}, status=400)
    raise web.HTTPSeeOther("/profile?saved=" + profile_form.saved_param(outcome))


def mount(app: web.Application) -> None:
    app.router.add_get("/find", find_page)
    app.router.add_get("/people/{leader_id}", person_page)
    app.router.add_get("/profile", own_profile_page)
    app.router.add_post("/profile", save_own_profile)
