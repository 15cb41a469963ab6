"""The Teams personal tab: `/tab`, its SSO (`/tab/session`) and the pop-up fallback (`/tab/auth/…`).

Teams shows `/tab` (the manifest's staticTabs contentUrl) in a frame. The page loads Microsoft's
`@microsoft/teams-js` and our `tab.js` from /static/; the script asks Teams for the person's Entra token
(`authentication.getAuthToken()`) and posts it to `/tab/session`. The server checks the token
(adapters/web/tab_token.py: Microsoft's keys, issuer, audience, time, tenant) and finds the leader through
the same account links as the bot (directory/tab_signin.py), then starts a tab session
(`SameSite=None; Secure; Partitioned`: the only cookie a browser sends to a third-party frame, and kept in
a jar for the Teams top-level site only) and the script opens the site's pages inside the tab.

When Teams cannot give a token, or the token's account is not linked to a leader, the page offers Sign in
with Microsoft through `authentication.authenticate()`: a pop-up window (a top-level page, where
Microsoft's login works — it refuses to be framed) runs the website's ordinary sign-in, then
`/tab/auth/end` hands a one-time code back to the tab (`notifySuccess`), and the tab exchanges it at
`/tab/session` for its own session. The pop-up's session cannot simply be shared: the tab's cookie jar is
partitioned by the Teams site, the pop-up's is not.

Framing: `/tab` may be framed by Teams' documented hosts, and so may every site page a tab session is
looking at (`tab_framing`, a middleware); every other page keeps `frame-ancestors 'none'`. Inside the
frame, a page that would send a signed-out visitor to /sign-in (which Microsoft's login cannot finish in a
frame) sends them to /tab instead, which signs them in again silently.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web
from yarl import URL

from adapters.server import SERVICES
from adapters.web import session_cookie
from adapters.web.site_kit import allow_framing, leader_page, posted, render, viewer
from adapters.web.tab_token import (
    TAB_PATH,
    KeysUnavailable,
    MicrosoftKeys,
    TabTokenRefused,
    TabTokenVerifier,
    resource_for,
)
from adapters.web.web_context import active_session
from adapters.web.web_security import set_csp
from adapters.web.web_signin import safe_next
from directory import clock, links
from directory.accounts import ChatIdentity, account_for
from directory.database import Database
from directory.models import Leader
from directory.settings import Settings
from directory.tab_signin import leader_for_tab

log = logging.getLogger(__name__)
SESSION_PATH, AUTH_START, AUTH_END = TAB_PATH + "/session", TAB_PATH + "/auth/start", TAB_PATH + "/auth/end"
HANDOFF = "tab_handoff"  # the one-time code the pop-up hands back to the tab (directory/links.py)
HANDOFF_FRESH = timedelta(minutes=10)  # how recent the pop-up's Microsoft sign-in must be to hand on
# Where Microsoft documents Teams and the Microsoft 365 hosts of a tab load it from (frame-ancestors):
# "Tab requirements", learn.microsoft.com/microsoftteams/platform/tabs/how-to/tab-requirements.
TEAMS_HOSTS = " ".join((
    "https://teams.microsoft.com", "https://*.teams.microsoft.com", "https://*.cloud.microsoft",
    "https://*.microsoft365.com", "https://*.office.com", "https://outlook.office.com",
    "https://outlook.office365.com", "https://outlook-sdf.office.com", "https://outlook-sdf.office365.com"))
# teams-js asks Microsoft's CDN for its current list of valid host origins (it falls back to a built-in list).
TEAMS_JS_CDN = "https://res.cdn.office.net"
VERIFIER: web.AppKey[TabTokenVerifier | None] = web.AppKey("tab_verifier")
ANCESTORS: web.AppKey[str] = web.AppKey("tab_frame_ancestors", str)
NOT_SET_UP = "The Teams tab is not set up on this Leaders Connect server."
NOT_LINKED = ("Your Teams account is not linked to a Leaders Connect profile yet. Sign in with Microsoft to "
              "link it, or message the Leaders Connect bot in Teams first.")
REFUSED = "Teams' sign-in could not be accepted. Sign in with Microsoft instead."
NOT_CHECKED = "Leaders Connect could not check your Teams sign-in just now. Try again in a minute."


def build_verifier(settings: Settings) -> TabTokenVerifier | None:
    """The tab's token checks, or None when the app registration or the admitted tenants are missing."""
    if not (settings.microsoft_app_id and settings.allowed_tenant_set):
        return None
    host = urlsplit(settings.base_url).netloc
    return TabTokenVerifier(settings.microsoft_app_id, resource_for(host, settings.microsoft_app_id),
                            settings.allowed_tenant_set, MicrosoftKeys(settings.tab_openid_metadata_url))


def frame_ancestors(settings: Settings) -> str:
    """Teams' documented hosts, and any an operator adds (LEADERS_TAB_EXTRA_FRAME_ANCESTORS)."""
    extra = settings.tab_extra_frame_ancestors.replace(",", " ").split()
    return " ".join((TEAMS_HOSTS, *extra))


def _in_teams_frame(request: web.Request) -> bool:
    return request.headers.get("Sec-Fetch-Dest") == "iframe"


@web.middleware
async def tab_framing(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Teams may frame what a tab session looks at; and signed out in the frame means back to /tab.

    Inside site_security (which set the viewer): it only adds a CSP override and rewrites one redirect.
    A tab session's cookie is partitioned by the Teams site, so a page framed anywhere else is signed out
    and keeps `frame-ancestors 'none'`.
    """
    who = viewer(request)
    if who is not None and who.in_tab:
        allow_framing(request, request.app[ANCESTORS])
    try:
        return await handler(request)
    except web.HTTPSeeOther as redirect:
        target = URL(redirect.location)
        if _in_teams_frame(request) and target.path == "/sign-in" and not target.host:
            allow_framing(request, request.app[ANCESTORS])
            query = {"next": target.query.get("next", "/")}
            if "again" in target.query:
                query["again"] = "1"
            raise web.HTTPSeeOther(str(URL.build(path=TAB_PATH, query=query))) from None
        raise


async def tab_page(request: web.Request) -> web.Response:
    """The tab's page; a tab session already here goes straight on (unless re-authentication was asked)."""
    allow_framing(request, request.app[ANCESTORS])
    next_path = safe_next(request.query.get("next"))
    who = viewer(request)
    if who is not None and who.in_tab and request.query.get("again") != "1":
        raise web.HTTPSeeOther(next_path)
    set_csp(request, "connect-src", f"'self' {TEAMS_JS_CDN}")
    configured = request.app[VERIFIER] is not None
    return render(request, "tab.html", {"title": "Leaders Connect in Teams", "configured": configured,
                                        "next_path": next_path}, status=200 if configured else 404)


def _answer(status: int, message: str, **extra: object) -> web.Response:
    return web.json_response({"message": message, **extra}, status=status)


async def tab_session(request: web.Request) -> web.Response:
    """POST token=<getAuthToken's token> or code=<the pop-up's one-time code>: start the tab session."""
    verifier = request.app[VERIFIER]
    form = await posted(request)
    if verifier is None:
        return _answer(404, NOT_SET_UP)
    next_path = safe_next(form.get("next"))
    services = request.app[SERVICES]
    account_id: int | None = None
    if form.get("code"):
        leader_id = await asyncio.to_thread(_spend_handoff, services.database, form["code"])
        if leader_id is None:
            return _answer(400, "That sign-in has expired or was already used. Sign in again.", fallback=True)
    else:
        try:
            who = await verifier.verify(form.get("token", ""))
        except TabTokenRefused as refused:
            log.info("tab sign-in refused: %s", refused.reason)
            return _answer(401, REFUSED, fallback=True)
        except KeysUnavailable:
            return _answer(503, NOT_CHECKED, fallback=True)
        found = await asyncio.to_thread(_leader_for, services.database, services.settings, who.tenant,
                                        who.object_id, who.upn)
        if found is None:
            return _answer(403, NOT_LINKED, fallback=True)
        leader_id, account_id = found
    response = web.json_response({"next": next_path})
    try:
        await session_cookie.start_session(request, response, leader_id, "tab", in_tab=True,
                                           via_account_id=account_id)
    except web.HTTPForbidden:  # left the directory between the check and now
        return _answer(403, NOT_LINKED, fallback=True)
    return response


def _leader_for(database: Database, settings: Settings, tenant: str, object_id: str,
                upn: str) -> tuple[int, int | None] | None:
    """(leader id, the Teams account's id) behind a verified token, or None. The session is tied to that
    account, as a chat link's session is to its account: unlinking or revoking it ends the session."""
    with database.session() as session:
        leader = leader_for_tab(session, tenant, object_id, upn, settings.tenant_domain_map)
        if leader is None:
            return None
        account = account_for(session, ChatIdentity("teams", tenant.lower(), object_id.lower()))
        return leader.id, account.id if account is not None and account.leader_id == leader.id else None


def _spend_handoff(database: Database, code: str) -> int | None:
    with database.session() as session:
        try:
            link = links.spend(session, HANDOFF, code)
        except links.LinkError:
            return None
        leader = session.get(Leader, link.leader_id) if link.leader_id is not None else None
        return leader.id if leader is not None and leader.left_at is None else None


def _fresh_microsoft_sign_in(request: web.Request) -> bool:
    """Whether this browser signed in with Microsoft moments ago: the only session the pop-up hands on.

    The tab's session counts as a fresh sign-in (staff approvals, `recent_sign_in`), so the code must not
    turn a chat-link session, or a Microsoft sign-in from hours ago, into a new one."""
    active = active_session(request)
    return active is not None and active.method == "microsoft" and \
        clock.now() - active.signed_in_at <= HANDOFF_FRESH


def _through_sign_in(request: web.Request) -> web.HTTPSeeOther:
    query = {"next": AUTH_END, **({"again": "1"} if viewer(request) is not None else {})}
    return web.HTTPSeeOther(str(URL.build(path="/sign-in", query=query)))


async def auth_start(request: web.Request) -> web.Response:
    """The pop-up's first page: straight on if this browser has just signed in with Microsoft, else the
    sign-in (again, for a browser signed in some other way or long ago)."""
    if _fresh_microsoft_sign_in(request):
        raise web.HTTPSeeOther(AUTH_END)
    raise _through_sign_in(request)


@leader_page
async def auth_end(request: web.Request) -> web.Response:
    """The pop-up's last page: a one-time code for the tab, handed back by tab.js (`notifySuccess`)."""
    who = viewer(request)
    assert who is not None  # leader_page
    if not _fresh_microsoft_sign_in(request):
        raise _through_sign_in(request)

    def make() -> str:
        with request.app[SERVICES].database.session() as session:
            pop_up = ChatIdentity("web", "session", who.session_id)
            return links.create(session, HANDOFF, pop_up, who.leader_id)

    code = await asyncio.to_thread(make)
    return render(request, "tab_auth_end.html", {"title": "Signed in", "code": code})


def mount(app: web.Application) -> None:
    app[VERIFIER] = build_verifier(app[SERVICES].settings)
    app[ANCESTORS] = frame_ancestors(app[SERVICES].settings)
    app.middlewares.append(tab_framing)
    app.router.add_get(TAB_PATH, tab_page)
    app.router.add_post(SESSION_PATH, tab_session)
    app.router.add_get(AUTH_START, auth_start)
    app.router.add_get(AUTH_END, auth_end)
