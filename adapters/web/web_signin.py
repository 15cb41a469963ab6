"""Signing in to the website, and out: `/sign-in`, `/w/<token>` (the one-time link from chat), `/sign-out`.

- `/sign-in` explains and shows one button. Its POST starts Microsoft's authorisation-code flow through
  adapters/web/signin.py (the same msal flow, browser-binding cookie and checks as linking a chat
  account: accepted tenants, the domains a tenant may vouch for, the same Microsoft account as before);
  the callback resolves the leader and starts a session, then goes to `next` — a path on this site only.
  `?again=1` is re-authentication before a staff action: Microsoft asks for the password again.
- `/w/<token>`: the link the bot's `web` command gives. GET shows Continue (a link scanner's GET uses
  nothing); POST spends the link — once, within 10 minutes, only while the chat account it was given to
  is still linked to the same leader — and starts a session tied to that account.
- `/sign-out` (POST, with the CSRF token) deletes the session.

Every sign-in makes a new session id and deletes the one the browser had: no session fixation.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from aiohttp import web

from adapters.server import SERVICES
from adapters.web import session_cookie
from adapters.web.signin import SIGNIN, SignInUnavailable, links
from adapters.web.site_kit import posted, render, viewer
from adapters.web.web_context import active_session
from adapters.web.web_security import set_csp
from bot.usecases.website import PATH as LINK_PATH
from bot.usecases.website import PURPOSE as LINK_PURPOSE
from directory import audit, web_sessions
from directory.accounts import account_for
from directory.models import AccessLink

MAX_NEXT = 2000
NOT_BACK_TO = ("/sign-in", "/sign-out", LINK_PATH)


def safe_next(value: str | None) -> str:
    """`next` only if it is a path on this site (else "/"): never another origin, so no open redirect.

    Refused: absolute URLs, scheme-relative `//host`, backslashes (browsers read `/\\host` as `//host`),
    control characters and whitespace (stripped by browsers before parsing), and the sign-in pages.
    """
    if not value or len(value) > MAX_NEXT or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(NOT_BACK_TO):
        return "/"
    return value


async def sign_in_page(request: web.Request) -> web.Response:
    sign_in = request.app[SIGNIN]
    next_path = safe_next(request.query.get("next"))
    again = request.query.get("again") == "1" and viewer(request) is not None
    if viewer(request) is not None and not again:
        raise web.HTTPSeeOther(next_path)
    # Chrome and Safari apply form-action to the redirect after the POST: Microsoft's origin must be named.
    set_csp(request, "form-action", f"'self' {sign_in.authority_origin}")
    return render(request, "sign_in.html", {"title": "Sign in again" if again else "Sign in",
                                            "configured": sign_in.settings.signin_configured,
                                            "next_path": next_path, "again": again})


async def sign_in_start(request: web.Request) -> web.Response:
    sign_in = request.app[SIGNIN]
    form = await posted(request)
    if not sign_in.settings.signin_configured:
        raise web.HTTPNotFound()
    next_path = safe_next(form.get("next"))
    raw = session_cookie.cookie_value(request) if active_session(request) else ""
    try:
        started = await asyncio.to_thread(sign_in.begin_web, next_path,
                                          web_sessions.id_hash(raw) if raw else "",
                                          form.get("again") == "1")
    except SignInUnavailable:
        return render(request, "message.html", {
            "title": "Microsoft could not be reached",
            "paragraphs": ["Sign-in could not be completed because Microsoft's sign-in service did not "
                           "answer. Try again in a few minutes."]}, status=502)
    response = web.Response(status=303, headers={"Location": started.authorize_url})
    response.set_cookie(started.cookie, started.secret, max_age=int(links.LINK_LIFETIME.total_seconds()),
                        path="/", secure=True, httponly=True, samesite="None")
    return response


async def sign_out(request: web.Request) -> web.Response:
    await posted(request)
    who = viewer(request)
    response = web.Response(status=303, headers={"Location": "/"})
    if who is not None:
        await session_cookie.end_session(request, response, who.in_tab)
    return response


def _peek_link(request: web.Request, token: str) -> None:
    with request.app[SERVICES].database.session(commit=False) as session:
        links.peek(session, LINK_PURPOSE, token)


def _spend_link(request: web.Request, token: str) -> tuple[int, int]:
    """(leader id, chat account id) of a live link, spent; LinkError if it cannot be used."""
    with request.app[SERVICES].database.session() as session:
        link: AccessLink = links.spend(session, LINK_PURPOSE, token)
        account = account_for(session, links.identity_of(link))
        # The account the link was given to must still be linked to that leader: unlinking a lost
        # account also stops a website link it had already been handed.
        if (account is None or account.revoked_at is not None or link.leader_id is None
                or account.leader_id != link.leader_id or account.leader.left_at is not None):
            session.commit()  # the link stays spent
            raise links.LinkError("This link belongs to a chat account that is no longer linked to a "
                                  "profile. Ask the bot for a new one.")
        audit.record(session, audit.leader_ref(link.leader_id), "web.signed_in",
                     audit.leader_ref(link.leader_id), method="chat", platform=link.platform)
        return link.leader_id, account.id


def _no_referrer(request: web.Request, response: web.Response) -> web.Response:
    """The token is in the URL: never send it on to another page as a referrer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _unusable(request: web.Request, message: str) -> web.Response:
    return _no_referrer(request, render(request, "message.html", {
        "title": "This link cannot be used", "paragraphs": [message],
        "action": ("/sign-in", "Sign in with Microsoft")}, status=400))


async def link_page(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    try:
        await asyncio.to_thread(_peek_link, request, token)
    except links.LinkError as error:
        return _unusable(request, str(error))
    return _no_referrer(request, render(request, "one_time_link.html", {
        "title": "Open Leaders Connect", "action_path": LINK_PATH + token}))


async def link_use(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    await posted(request)
    try:
        leader_id, account_id = await asyncio.to_thread(_spend_link, request, token)
    except links.LinkError as error:
        return _unusable(request, str(error))
    response = web.Response(status=303, headers={"Location": "/"})
    await session_cookie.start_session(request, response, leader_id, "chat", via_account_id=account_id)
    return _no_referrer(request, response)


def mount(app: web.Application) -> None:
    app.router.add_get("/sign-in", sign_in_page)
    app.router.add_post("/sign-in", sign_in_start)
    app.router.add_post("/sign-out", sign_out)
    app.router.add_get(LINK_PATH + "{token}", link_page)
    app.router.add_post(LINK_PATH + "{token}", link_use)
