"""What every staff console page shares: the store in a worker thread, the actor, error summaries,
the confirmation page before a destructive action, and re-authentication before approving or sending.

Staff act on the web as `leader:<id>` — the same audit reference chat uses for them — so the two-person
rule on content and every audit entry mean the same thing from chat, the web and (as `cli:<user>`) the
command line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from adapters.web.site_kit import SERVICES, recent_sign_in, render, sign_in_url, viewer
from directory import audit
from directory.ids import parse_id

T = TypeVar("T")
# Approving content and sending an announcement ask for a sign-in this recent (the issue's
# re-authentication): long enough to finish a form, short enough that an unlocked screen left for
# lunch cannot be used to publish to every leader.
REAUTH_WITHIN = timedelta(minutes=10)


def actor(request: web.Request) -> str:
    """The audit reference of the staff member making this request."""
    seen = viewer(request)
    assert seen is not None  # staff_page let the request through
    return audit.leader_ref(seen.leader_id)


async def in_store(request: web.Request, work: Callable[[Session], T], *, commit: bool = True) -> T:
    """Run `work` in one transaction on a worker thread (SQLAlchemy is synchronous; the loop is not)."""
    database = request.app[SERVICES].database

    def run() -> T:
        with database.session(commit=commit) as session:
            return work(session)

    return await asyncio.to_thread(run)


def settings(request: web.Request):  # type: ignore[no-untyped-def]
    return request.app[SERVICES].settings


def path_id(request: web.Request, name: str = "id") -> int:
    """The numeric id in the URL, or 404 (a typed or hostile id never reaches a query)."""
    number = parse_id(request.match_info.get(name, ""))
    if number is None:
        raise web.HTTPNotFound()
    return number


def error_list(errors: Mapping[str, str]) -> list[dict[str, str]]:
    """The GOV.UK error summary's items: each message links to its field (`#<name>`)."""
    return [{"text": message, "href": f"#{name}"} for name, message in errors.items()]


def page(request: web.Request, template: str, context: dict, status: int = 200) -> web.Response:
    """Render a console page: the staff section of the navigation, no caching of staff data."""
    response = render(request, template, {"section": "staff", "error_summary": bool(context.get("errors")),
                                          **context}, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def confirm(request: web.Request, *, title: str, lines: list[str], action: str, button: str,
            back: str, hidden: Mapping[str, str] | None = None, warning: str = "") -> web.Response:
    """The page between a destructive button and the change: says what will happen, asks again."""
    return page(request, "staff/confirm.html", {
        "title": title, "lines": lines, "action": action, "button": button, "back": back,
        "hidden": dict(hidden or {}), "warning": warning})


def needs_sign_in_again(request: web.Request, return_to: str) -> web.HTTPSeeOther | None:
    """None if the staff member signed in with Microsoft recently enough; else the redirect (to raise)
    through sign-in again that brings them back to `return_to` — the action's own confirmation page,
    as a form cannot be sent again after a redirect. Asked on that page and again on its POST."""
    if recent_sign_in(request, REAUTH_WITHIN):
        return None
    return web.HTTPSeeOther(sign_in_url(request, return_to, again=True))


def done(location: str) -> web.HTTPSeeOther:
    """Post/redirect/get (`raise done(…)`): after a change the browser shows a page that reloading does
    not repeat."""
    return web.HTTPSeeOther(location)
