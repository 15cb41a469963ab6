"""The website's session cookie: `__Host-leaders_session`, and starting or ending a session from a request.

`__Host-` makes browsers refuse the cookie unless it is `Secure`, has `Path=/` and no `Domain`, so a
sibling sub-domain or a plain-http network cannot plant or overwrite it (session fixation from outside).
`HttpOnly` keeps scripts from reading it; `SameSite=Lax` keeps other sites' forms from riding on it.
Inside the Teams tab the site is a third-party frame under teams.microsoft.com, where browsers send only
`SameSite=None` cookies, so a tab session's cookie is `SameSite=None; Secure; Partitioned` (CHIPS): the
browser keeps it in a jar for that one top-level site, so it is not a tracking cookie and is not sent
when our site is framed anywhere else.

Plain http on loopback (tests, `leaders serve` on a laptop): browsers treat http://localhost and
http://127.0.0.1 as secure contexts and accept `Secure` (and `__Host-`) cookies from them, so nothing
here changes for development. docs/WEB.md says how the tests' HTTP client does the same.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from adapters.server import SERVICES
from directory import web_sessions
from directory.models import Leader

COOKIE = "__Host-leaders_session"


def cookie_value(request: web.Request) -> str:
    """The session cookie by its exact name.

    Not `request.cookies`: aiohttp's parser strips Unicode whitespace in front of a name, so a cookie a
    browser stores as `<no-break space>__Host-leaders_session` (no prefix to the browser, so anyone on
    the network may set it) would arrive here as ours. Only RFC 6265's separators are taken off.
    """
    for header in request.headers.getall("Cookie", []):
        for pair in header.split(";"):
            name, equals, value = pair.strip(" \t").partition("=")
            if equals and name == COOKIE:
                return value.strip(" \t")
    return ""


def _partitioned(value: str, max_age: int) -> str:
    """The tab's Set-Cookie, written out: Python before 3.14 cannot put `Partitioned` on a cookie."""
    return f"{COOKIE}={value}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned"


def set_cookie(response: web.StreamResponse, raw_id: str, in_tab: bool) -> None:
    if in_tab:
        response.headers.add("Set-Cookie", _partitioned(raw_id, int(web_sessions.ABSOLUTE.total_seconds())))
    else:
        response.set_cookie(COOKIE, raw_id, max_age=int(web_sessions.ABSOLUTE.total_seconds()), path="/",
                            secure=True, httponly=True, samesite="Lax")


def sets_cookie(response: web.StreamResponse) -> bool:
    """Whether the response already sets a cookie (either way of setting one)."""
    return bool(response.cookies) or "Set-Cookie" in response.headers


def clear_cookie(response: web.StreamResponse, in_tab: bool = False) -> None:
    """Expire the cookie with the attributes it was set with (a browser keeps it otherwise)."""
    if in_tab:
        response.headers.add("Set-Cookie", _partitioned('""', 0))
    else:
        response.del_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="Lax")


async def start_session(request: web.Request, response: web.StreamResponse, leader_id: int, method: str,
                        *, via_account_id: int | None = None, in_tab: bool = False) -> None:
    """Sign the browser in as `leader_id`: a new session (the old one, if the request had any, deleted —
    no fixation), its cookie set on `response`.

    `method`: "microsoft", "chat" (a one-time link from chat; `via_account_id` is that chat account) or
    "tab" (Teams tab SSO; pass `in_tab=True`). The Teams tab calls this once it has verified the token.
    """
    services = request.app[SERVICES]
    replaces = cookie_value(request)

    def begin() -> str:
        with services.database.session() as session:
            leader = session.get(Leader, leader_id)
            if leader is None or leader.left_at is not None:
                raise web.HTTPForbidden(reason="not in the directory")
            return web_sessions.start(session, leader, method, via_account_id=via_account_id, in_tab=in_tab,
                                      replaces=replaces)

    raw_id = await asyncio.to_thread(begin)
    set_cookie(response, raw_id, in_tab)


async def end_session(request: web.Request, response: web.StreamResponse, in_tab: bool = False) -> None:
    """Sign-out: delete the browser's session and expire its cookie (`in_tab`: the tab's cookie)."""
    services = request.app[SERVICES]
    raw_id = cookie_value(request)
    if raw_id:
        def finish() -> None:
            with services.database.session() as session:
                web_sessions.end(session, raw_id)

        await asyncio.to_thread(finish)
    clear_cookie(response, in_tab)
