"""What every website page module uses: who is looking, page guards, rendering, checked forms.

The shared contract of issue 17 (docs/WEB.md). A page module looks like:

    from adapters.web.site_kit import leader_page, posted, render, viewer

    @leader_page
    async def settings_page(request):
        return render(request, "settings.html", {"title": "Settings"})

    def mount(app):
        app.router.add_get("/settings", settings_page)

Business rules stay in bot/ and directory/; handlers call those use cases with `viewer(request).leader_id`
and show the result.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import NoReturn

from aiohttp import web
from yarl import URL

from adapters.server import SERVICES
from adapters.web.web_context import WebViewer, active_session, render, viewer
from adapters.web.web_security import allow_framing, posted, posted_all
from directory import clock

__all__ = ["SERVICES", "WebViewer", "allow_framing", "leader_page", "posted", "posted_all", "reauthenticate",
           "recent_sign_in", "render", "sign_in_url", "staff_page", "viewer"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REAUTH_METHODS = ("microsoft", "tab")  # a chat link proves the chat account, not a fresh Microsoft sign-in


def sign_in_url(request: web.Request, next_path: str | None = None, again: bool = False) -> str:
    """/sign-in?next=<this page>: where a signed-out visitor goes, and comes back from."""
    target = next_path if next_path is not None else request.rel_url.path_qs
    query = {"next": target, **({"again": "1"} if again else {})}
    return str(URL.build(path="/sign-in", query=query))


def leader_page(handler: Handler) -> Handler:
    """Signed out: 303 to /sign-in?next=<path>. Signed in: the handler runs (`viewer(request)` is set)."""
    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        if viewer(request) is None:
            raise web.HTTPSeeOther(sign_in_url(request) if request.method == "GET" else "/sign-in")
        return await handler(request)

    return guarded


def staff_page(handler: Handler) -> Handler:
    """As leader_page; a signed-in leader without the staff role gets the plain 403 page — the handler
    never runs, so nothing about the page (not even whether an id exists) is revealed."""
    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        who = viewer(request)
        if who is None:
            raise web.HTTPSeeOther(sign_in_url(request) if request.method == "GET" else "/sign-in")
        if not who.is_staff:
            raise web.HTTPForbidden()
        return await handler(request)

    return guarded


def recent_sign_in(request: web.Request, within: timedelta) -> bool:
    """True if this browser signed in with Microsoft (or the Teams tab's SSO) no longer than `within` ago.

    Staff approving content or sending an announcement must pass this; a session begun from a chat link
    never does (it proves the chat account, not the person at the keyboard now)."""
    active = active_session(request)
    if active is None or active.method not in REAUTH_METHODS:
        return False
    return clock.now() - active.signed_in_at <= within


def reauthenticate(request: web.Request, next_path: str | None = None) -> NoReturn:
    """Send the viewer through Microsoft sign-in again, then back to `next_path` (default: this page).

    Raises the 303. Use before an action, on its GET page and again on its POST, e.g.:
        if not recent_sign_in(request, timedelta(minutes=15)):
            reauthenticate(request)
    From a POST pass the page's own path: a form cannot be resent after a redirect.
    """
    raise web.HTTPSeeOther(sign_in_url(request, next_path, again=True))
