"""/library and /settings: the content library and a leader's digest settings, on the web.

The library is chat's `library` (search words, a topic) and, with neither, chat's `digest` (the latest for
you): the same items, the same audience rules, and each item's link through /r/<token> as in chat, so an
open is counted for the item and never for the person. The search is a GET form (nothing changes).

Settings are chat's settings form and its submission (`settings.save`): every field is checked before
anything is stored, and a bad one comes back in the GOV.UK error summary with nothing changed.
"""

from __future__ import annotations

from aiohttp import web

from adapters.web.engagement_pages import Drawn, as_leader, gone, refused, site_url, submit
from adapters.web.html_forms import error_summary
from adapters.web.site_kit import leader_page, posted, render
from bot.commands import Context
from bot.replies import PersonCard, Reply
from bot.usecases.digest import digest, library
from bot.usecases.preferences import SAVE, settings_form, summary
from directory.content import live_topics
from directory.digests import preference

MAX_WORDS = 200  # chat's `library` reads at most this much
SETTINGS_FIELDS = ("cadence", "weekday", "time", "timezone", "topics", "platform")


def _library(ctx: Context, words: str, topic: str) -> dict:
    topics = live_topics(ctx.session)
    errors: dict[str, str] = {}
    if len(words) > MAX_WORDS:
        errors["q"] = f"Search words must be {MAX_WORDS} characters or fewer (you wrote {len(words):,})"
    if topic and topic not in topics:
        errors["topic"] = "Choose a topic from the list"
    query = " ".join(part for part in (" ".join(words.split()), topic) if part)
    reply = Reply() if errors else library(ctx, query) if query else digest(ctx, "")
    return {"topics": topics, "field_errors": errors, "reply": reply}


@leader_page
async def show_library(request: web.Request) -> web.StreamResponse:
    words, topic = request.query.get("q", ""), request.query.get("topic", "")
    found = await as_leader(request, lambda ctx: _library(ctx, words, topic))
    if found is None:
        return gone(request)
    errors = found.pop("field_errors")
    return render(request, "engagement/library.html", {
        **found, "page_title": "Library", "q": words[:1000], "topic": topic, "errors": errors,
        "error_summary": bool(errors), "drawn": Drawn(found.pop("reply"), "/library", site_url(request))},
        status=400 if errors else 200)


def _settings(ctx: Context) -> Reply:
    pref = preference(ctx.session, ctx.leader.id)
    card = next(b for b in summary(ctx, pref).blocks if isinstance(b, PersonCard))
    return Reply((card, settings_form(ctx, pref)))


def _settings_page(request: web.Request, reply: Reply, *, saved: bool = False,
                   status: int = 200) -> web.Response:
    return render(request, "engagement/settings.html", {
        "page_title": "Digest settings", "saved": saved, "error_summary": error_summary(reply.form),
        "drawn": Drawn(reply, "/settings", site_url(request))}, status=status)


@leader_page
async def show_settings(request: web.Request) -> web.StreamResponse:
    reply = await as_leader(request, _settings)
    if reply is None:
        return gone(request)
    return _settings_page(request, reply, saved=request.query.get("saved") == "1")


@leader_page
async def save_settings(request: web.Request) -> web.StreamResponse:
    form = await posted(request)
    if form.get("submit") != SAVE:
        return refused(request, "That form is not on this page. Go back to your settings and try again.")
    reply = await submit(request, SAVE, {k: form[k] for k in SETTINGS_FIELDS if k in form})
    if reply is None:
        return gone(request)
    answered = reply.form
    if answered is None:
        raise web.HTTPSeeOther("/settings?saved=1")
    card = await as_leader(request, lambda ctx: _settings(ctx).blocks[0])
    return _settings_page(request, Reply(((card,) if card else ()) + (answered,)), status=400)


def mount(app: web.Application) -> None:
    app.router.add_get("/library", show_library)
    app.router.add_get("/settings", show_settings)
    app.router.add_post("/settings", save_settings)
