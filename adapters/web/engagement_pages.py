"""A leader's engagement pages: introductions, polls, the content library and digest settings.

Each page is drawn from the same use cases and the same neutral replies as chat (adapters/web/
html_render.py draws them), and each button or form on it posts the neutral action or submission a chat
card carries, run by the engine's web front door (bot/engine.py `handle_web_action`/`handle_web_submit`)
for the signed-in leader. So every rule is chat's: limits, who may answer, stale presses, double-clicks,
anonymity. A page only checks, before running anything, that what is posted belongs on that page and that
the thing it is about is the viewer's (else 404, the same page whether it exists or not).

The pages themselves live in intro_pages.py, poll_pages.py and digest_pages.py; this module holds what
they share and `mount`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web
from markupsafe import Markup

from adapters.web.html_render import render
from adapters.web.html_text import Page
from adapters.web.site_kit import SERVICES, WebViewer, viewer
from adapters.web.site_kit import render as render_page
from bot.actions import split_revision
from bot.commands import Context
from bot.engine import Bot
from bot.replies import Reply

T = TypeVar("T")


@dataclass(frozen=True)
class Drawn:
    """A reply ready for a template, drawn once the page's CSRF token is known: `{{ drawn(csrf_token) }}`.

    The foundation adds `csrf_token` to every page's context as it renders, so the reply is drawn there.
    """

    reply: Reply
    post_to: str
    site_url: str = ""
    heading_level: int = 2
    choices: frozenset[str] = frozenset()  # see html_render.Page.choices

    def __call__(self, csrf_token: str) -> Markup:
        return render(self.reply, Page(csrf_token, self.post_to, self.site_url, self.heading_level,
                                       choices=self.choices))


def bot_of(request: web.Request) -> Bot:
    return request.app[SERVICES].bot


def site_url(request: web.Request) -> str:
    return request.app[SERVICES].settings.public_url


def who(request: web.Request) -> WebViewer:
    """The signed-in leader (pages are wrapped in `leader_page`, so there always is one)."""
    found = viewer(request)
    if found is None:  # only if a page were mounted without leader_page
        raise web.HTTPForbidden()
    return found


async def in_thread(request: web.Request, work: Callable[[], T]) -> T:
    """Run engine work (synchronous SQLAlchemy) in the process's turn threads, as chat turns do."""
    services = request.app[SERVICES]
    return await asyncio.get_running_loop().run_in_executor(services.turn_threads, work)


async def as_leader(request: web.Request, run: Callable[[Context], T]) -> T | None:
    """`run` with the viewer's Context in one unit of work; None when the viewer has left the directory."""
    leader_id = who(request).leader_id
    return await in_thread(request, lambda: bot_of(request).as_leader(leader_id, run))


async def press(request: web.Request, action_id: str) -> Reply | None:
    leader_id = who(request).leader_id
    return await in_thread(request, lambda: bot_of(request).handle_web_action(leader_id, action_id))


async def submit(request: web.Request, action_id: str, values: dict[str, str]) -> Reply | None:
    leader_id = who(request).leader_id
    return await in_thread(request, lambda: bot_of(request).handle_web_submit(leader_id, action_id, values))


def action_on(action_id: str, names: frozenset[str], subject: int) -> bool:
    """Whether a posted neutral action is one this page offers, about this page's own subject (`id`)."""
    base, _ = split_revision(action_id)
    name, *args = base.split(":")
    return name in names and bool(args) and args[0] == str(subject)


def not_found(request: web.Request, what: str = "page") -> web.Response:
    """The same 404 whether the thing does not exist or is someone else's: nothing is revealed."""
    return render_page(request, "engagement/problem.html",
                       {"page_title": "Page not found", "problem": f"There is no such {what} for you."},
                       status=404)


def refused(request: web.Request, problem: str, status: int = 400) -> web.Response:
    return render_page(request, "engagement/problem.html",
                       {"page_title": "Sorry, that cannot be done", "problem": problem},
                       status=status)


def gone(request: web.Request) -> web.Response:
    """The viewer left the directory after signing in: their session opens nothing any more."""
    return refused(request, "Your Leaders Connect account is no longer active.", 403)


def parse_subject(request: web.Request) -> int | None:
    raw = request.match_info.get("id", "")
    return int(raw) if raw.isdigit() and len(raw) <= 12 and raw.isascii() else None


def mount(app: web.Application) -> None:
    """/intros…, /polls…, /library and /settings (the site's mount list calls this)."""
    from adapters.web import digest_pages, intro_pages, poll_pages

    intro_pages.mount(app)
    poll_pages.mount(app)
    digest_pages.mount(app)
