"""The website's security middleware: session, CSP nonce, headers, CSRF and HTML error pages.

Every site path (anything that is not an API path: Slack's and Teams' endpoints, /healthz, /metrics and
the older one-time-link pages keep their own answers) gets, on every response:
- a fresh CSP nonce and `Content-Security-Policy` with `script-src 'nonce-…' 'self'`: only our scripts run,
  and every inline `<script>` carries the nonce; `frame-ancestors 'none'` unless a route allows framing
  (the Teams tab, `allow_framing`); `X-Frame-Options: DENY` with it for old browsers;
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, and `Cache-Control: no-store` on
  any page shown to a signed-in leader (a shared computer's back button or cache shows nothing later);
- HTML 403/404/405/500 pages in the layout instead of aiohttp's plain text or the API's JSON.

POSTs are read through `posted`: the browser must say the form came from this site (`Origin` equal to
ours, or, without Origin, `Sec-Fetch-Site: same-origin`; neither header means refused), and a signed-in
form must carry the session's CSRF token. Anything else is a 403 page and nothing changes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from aiohttp import web

from adapters.request_bodies import SITE_FORM, UnreadableForm, read_form_pairs
from adapters.server import API_PREFIXES, SERVICES
from adapters.web import session_cookie
from adapters.web.web_context import ACTIVE, CSRF_FIELD, NONCE, VIEWER, WebViewer, render
from directory import web_sessions

log = logging.getLogger(__name__)
STATIC_PREFIX = "/static/"
CSP_OVERRIDES: web.RequestKey[dict[str, str]] = web.RequestKey("leaders_csp_overrides", dict)
BASE_CSP = {
    "default-src": "'self'",
    "script-src": "'nonce-{nonce}' 'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
ERRORS = {
    400: ("Sorry, there is a problem with that request", "The request could not be read. Go back and try "
          "again."),
    403: ("You cannot see this page", "You do not have permission to see this page."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted the web "
          "address, check you copied the entire address."),
    405: ("Sorry, that did not work", "This page cannot be used that way. Go back and try again."),
    413: ("Sorry, that was too long", "What you sent was too long. Go back, shorten it and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you sent was lost or "
          "saved twice: if it was not saved, send it again."),
}


class Refused(web.HTTPForbidden):
    """A POST refused before it was read (cross-site, or without the session's CSRF token)."""

    def __init__(self, explanation: str) -> None:
        super().__init__()
        self.explanation = explanation


def is_site_path(path: str) -> bool:
    return not path.startswith(API_PREFIXES)


def set_csp(request: web.Request, directive: str, value: str) -> None:
    """Change one directive of this response's CSP (e.g. the tab's frame-ancestors: `allow_framing`)."""
    request.setdefault(CSP_OVERRIDES, {})[directive] = value


def allow_framing(request: web.Request, ancestors: str) -> None:
    """Let these origins frame this page (the Teams tab: Teams' documented hosts), and no others."""
    set_csp(request, "frame-ancestors", ancestors)


def content_security_policy(request: web.Request) -> str:
    directives = {**BASE_CSP, **request.get(CSP_OVERRIDES, {})}
    nonce = request.get(NONCE, "")
    return "; ".join(f"{name} {value.replace('{nonce}', nonce)}" for name, value in directives.items())


async def _load_viewer(request: web.Request) -> bool:
    """Put the signed-in leader (if any) on the request; True if a cookie named no live session."""
    raw_id = session_cookie.cookie_value(request)
    if not raw_id:
        return False
    services = request.app[SERVICES]

    def look() -> web_sessions.ActiveSession | None:
        with services.database.session() as session:
            return web_sessions.lookup(session, raw_id, services.settings.staff_email_set)

    active = await asyncio.to_thread(look)
    if active is None:
        return True
    request[ACTIVE] = active
    request[VIEWER] = WebViewer(active.leader_id, active.full_name, active.is_staff, active.in_tab,
                                web_sessions.public_id(raw_id))
    return False


def error_page(request: web.Request, status: int, explanation: str = "") -> web.Response:
    title, message = ERRORS.get(status, ERRORS[400 if status < 500 else 500])
    try:
        return render(request, "error.html", {"title": title, "message": explanation or message,
                                              "status": status}, status=status)
    except Exception:  # the error page itself must not fail
        log.exception("could not render the %d page", status)
        return web.Response(text=f"{title}. {message}", status=status, content_type="text/plain")


def _route_of(request: web.Request) -> str:
    """The route's pattern (`/w/{token}`), not the path: a path may hold a one-time token or an id."""
    route = request.match_info.route
    return getattr(route.resource, "canonical", "?") if route.resource is not None else "(no route)"


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    if request.path.startswith(STATIC_PREFIX) and response.status == 200:
        headers.setdefault("X-Content-Type-Options", "nosniff")
        return
    headers["Content-Security-Policy"] = content_security_policy(request)
    if request.get(CSP_OVERRIDES, {}).get("frame-ancestors") is None:
        headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.get(VIEWER) is not None or session_cookie.sets_cookie(response):
        headers["Cache-Control"] = "no-store"
    else:
        headers.setdefault("Cache-Control", "no-cache")
        headers.setdefault("Vary", "Cookie")


@web.middleware
async def site_security(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """The site's session, nonce, headers and HTML errors (API paths pass straight through)."""
    if not is_site_path(request.path):
        return await handler(request)
    request[NONCE] = secrets.token_urlsafe(18)
    stale_cookie = False
    try:
        if not request.path.startswith(STATIC_PREFIX):
            stale_cookie = await _load_viewer(request)
        response = await handler(request)
    except Refused as refused:
        response = error_page(request, 403, refused.explanation)
    except web.HTTPException as error:
        if error.status < 400:
            _secure(request, error)
            raise
        response = error_page(request, error.status)
        if "Allow" in error.headers:  # a 405 says which methods the page takes
            response.headers["Allow"] = error.headers["Allow"]
    except Exception:
        log.exception("unhandled error serving site page %r %r", request.method[:20], _route_of(request))
        response = error_page(request, 500)
    if stale_cookie and not session_cookie.sets_cookie(response):
        session_cookie.clear_cookie(response)
    _secure(request, response)
    return response


def _own_origins(request: web.Request) -> set[str]:
    public = request.app[SERVICES].settings.base_url
    return {f"{request.scheme}://{request.host}", "/".join(public.split("/", 3)[:3])}


def check_origin(request: web.Request) -> None:
    """Refuse a POST a browser says came from elsewhere (or whose origin it does not say at all)."""
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise Refused("This form was sent from another website, so it was refused. Nothing was changed.")
    if origin == "null":
        # What a browser sends from a page whose Referrer-Policy is no-referrer (the one-time link's
        # page), as the Fetch standard asks: it names no origin, so only Sec-Fetch-Site can tell.
        origin = None
    if origin is not None:
        if origin not in _own_origins(request):
            raise Refused("This form was sent from another website, so it was refused. Nothing was changed.")
    elif fetch_site != "same-origin":
        raise Refused("Your browser did not say this form came from Leaders Connect, so it was refused. "
                      "Nothing was changed.")


async def _checked_pairs(request: web.Request) -> list[tuple[str, str]]:
    if request.method != "POST":
        raise web.HTTPMethodNotAllowed(request.method, ["POST"])
    check_origin(request)
    try:
        pairs = await read_form_pairs(request, SITE_FORM)
    except UnreadableForm:
        raise web.HTTPBadRequest() from None
    active = request.get(ACTIVE)
    token = next((value for name, value in pairs if name == CSRF_FIELD), "")
    if active is not None and not web_sessions.csrf_matches(active, token):
        raise Refused("This form has expired or did not come from this page. Go back, reload the page and "
                      "try again. Nothing was changed.")
    return [(name, value) for name, value in pairs if name != CSRF_FIELD]


async def posted(request: web.Request) -> dict[str, str]:
    """The fields of a POSTed form, after the origin and CSRF checks (403 page if either fails, 400 if it
    is not a URL-encoded form, 413 beyond 64 KiB). A repeated field keeps its last value.

    Signed out, there is no session to hold a token: the origin check alone guards the sign-in forms,
    whose own one-time tokens are the secret."""
    return dict(await _checked_pairs(request))


async def posted_all(request: web.Request) -> dict[str, list[str]]:
    """As `posted`, every value of each field in order (checkboxes: `{"sectors": ["health", "police"]}`)."""
    grouped: dict[str, list[str]] = {}
    for name, value in await _checked_pairs(request):
        grouped.setdefault(name, []).append(value)
    return grouped
