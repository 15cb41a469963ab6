"""Sign in with Microsoft: msal's authorisation-code flow behind `/auth/microsoft/start` and `/callback`.

1. The bot gives an unlinked chat account a one-time link (directory/links.py).
2. GET /start shows a "Continue" button (a link scanner fetching the URL must not use the link up);
   POST /start spends the link, starts msal's flow (state, nonce, PKCE) and redirects to Microsoft.
   The flow is kept with the link in the database, so the callback may reach another server process.
   It also sets a random `__Host-` cookie in that browser and keeps only the cookie's hash with the flow.
3. POST /callback (form_post; GET also accepted): the browser must present that cookie — a Microsoft page
   handed to someone else finishes in *their* browser, which does not have it, and links nothing. Then
   msal redeems the code and checks the ID token (issuer, audience, expiry, nonce); directory/signin.py
   checks the tenant and the email and links the chat account.

The cookie is `SameSite=None`: Microsoft's form_post answer is a cross-site POST (from
login.microsoftonline.com), on which browsers send neither `Lax` nor `Strict` cookies. Its value is
useless anywhere else (it only vouches for one ten-minute sign-in), and `Secure`, `HttpOnly`, `Path=/`
and the `__Host-` prefix keep other pages, sub-domains and plain-http networks from reading or planting
it.

msal is synchronous (it uses `requests`), so every call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import msal
from aiohttp import web
from sqlalchemy import select

from adapters.request_bodies import SIGNIN_CALLBACK
from adapters.web.pages import BadForm, page, posted_form, posted_token, same_origin
from bot.usecases.accounts import tell_other_accounts
from directory import audit, links, signin, web_sessions
from directory.accounts import PLATFORM_NAMES, ChatIdentity
from directory.database import Database
from directory.models import AccessLink
from directory.settings import Settings

log = logging.getLogger(__name__)
START, CALLBACK = "/auth/microsoft/start", "/auth/microsoft/callback"
SIGNIN: web.AppKey[MicrosoftSignIn] = web.AppKey("signin")
UNAVAILABLE = "Sign in with Microsoft is not set up on this Leaders Connect server."
COOKIE_PREFIX = "__Host-leaders-signin-"
OTHER_BROWSER = ("This sign-in was finished in a different browser from the one that started it. If you "
                 "asked the bot for a sign-in link yourself, ask for a new one and finish signing in in the "
                 "same browser. If someone sent you a Microsoft sign-in page, don't use it: tell the "
                 "Leaders Connect team.")


def cookie_name(state: str) -> str:
    """One cookie per sign-in (named after its state), so two sign-ins in one browser do not collide."""
    return COOKIE_PREFIX + hashlib.sha256(state.encode("utf-8", "replace")).hexdigest()[:16]


@dataclass(frozen=True)
class Started:
    """Where to send the browser, and the cookie that binds the sign-in to it."""

    authorize_url: str
    cookie: str
    secret: str


@dataclass(frozen=True)
class WebSignedIn:
    """A website sign-in finished: the new session's raw id (for the cookie) and where to go next."""

    session_id: str
    next_path: str


WEB_KEY = "leaders_web"  # kept beside msal's flow: where to go after a website sign-in, the old session
WEB_IDENTITY = ChatIdentity("web", "", "")  # a website sign-in's link belongs to no chat account


class SignInUnavailable(Exception):
    """Microsoft could not be reached (discovery or code redemption failed): a 502, never a 500."""


def attempt_ref(link: AccessLink) -> str:
    """The audit actor for a sign-in not yet tied to a leader: the attempt, not the chat account (a chat
    user id is an identifier that would outlive an erasure in the append-only log)."""
    return f"signin:{link.token_hash[:12]}"


def describe_account(link: AccessLink) -> str:
    where = PLATFORM_NAMES.get(link.platform, link.platform)
    return f"the {where} account {link.user_id} in workspace {link.workspace_id}"


class MicrosoftSignIn:
    """One msal confidential client per process (it fetches the authority's metadata once)."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self._client: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    @property
    def redirect_uri(self) -> str:
        return self.settings.base_url + CALLBACK

    @property
    def authority_origin(self) -> str:
        return "/".join(self.settings.microsoft_authority.split("/", 3)[:3])

    def client(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._client is None:
                try:
                    settings = self.settings
                    self._client = msal.ConfidentialClientApplication(
                        settings.microsoft_app_id, client_credential=settings.microsoft_app_password,
                        authority=settings.microsoft_authority)
                except Exception as error:  # discovery: network or a bad authority
                    log.warning("cannot reach the Microsoft authority: %s", type(error).__name__)
                    raise SignInUnavailable from None
            return self._client

    def peek(self, token: str) -> str:
        """Which chat account a live link would link, for the confirmation page; LinkError if not usable."""
        with self.database.session(commit=False) as session:
            return describe_account(links.peek(session, "signin", token))

    def begin(self, token: str) -> Started:
        """Spend the link, start the flow, remember it bound to a new browser secret."""
        client = self.client()
        # form_post: the code comes back in a POST body, not in a URL that browsers keep in history and
        # proxies in their logs (RFC 9700 §4.3.1).
        flow = client.initiate_auth_code_flow(scopes=[], redirect_uri=self.redirect_uri,
                                              prompt="select_account", response_mode="form_post")
        secret = secrets.token_urlsafe(32)
        with self.database.session() as session:
            link = links.spend(session, "signin", token)
            links.attach_flow(link, flow, secret)
            audit.record(session, attempt_ref(link), "signin.started", platform=link.platform)
        return Started(str(flow["auth_uri"]), cookie_name(str(flow["state"])), secret)

    def begin_web(self, next_path: str, replaces_hash: str, again: bool) -> Started:
        """Start a website sign-in (no chat account): the same flow and browser binding as `begin`.

        `again`: re-authentication before a staff action, so Microsoft asks for the password again
        (`prompt=login`) rather than taking an existing Microsoft session as it is.
        """
        client = self.client()
        flow = client.initiate_auth_code_flow(scopes=[], redirect_uri=self.redirect_uri,
                                              prompt="login" if again else "select_account",
                                              response_mode="form_post")
        flow[WEB_KEY] = {"next": next_path, "replaces": replaces_hash}
        secret = secrets.token_urlsafe(32)
        with self.database.session() as session:
            token = links.create(session, "websignin", WEB_IDENTITY)
            link = links.spend(session, "websignin", token)
            links.attach_flow(link, flow, secret)
            audit.record(session, attempt_ref(link), "signin.started", platform="web")
        return Started(str(flow["auth_uri"]), cookie_name(str(flow["state"])), secret)

    def finish(self, query: dict[str, str], cookies: dict[str, str]) -> tuple[str, str] | WebSignedIn:
        """Redeem the code; for a chat account's link, link the account and return (leader's name,
        account); for a website sign-in, start a session (WebSignedIn). LinkError says why not.

        `cookies`: the browser's cookies; the one named for this sign-in's state must be the secret set
        when it started.
        """
        state = query.get("state", "")
        with self.database.session() as session:  # claim the state first: a replay is refused even if
            link = links.by_state(session, state)  # the redemption below fails
            flow, actor, account = dict(link.flow or {}), attempt_ref(link), describe_account(link)
            purpose, web_sign_in = link.purpose, flow.pop(WEB_KEY, None) or {}
            bound = links.same_browser(link, cookies.get(cookie_name(state), ""))
        if not bound:  # the sign-in is spent: whoever holds the other browser must start again
            self._refused(actor, "other_browser")
            raise links.LinkError(OTHER_BROWSER)
        if "error" in query:
            self._refused(actor, "cancelled_or_denied")
            raise links.LinkError("Microsoft did not sign you in: "
                                  f"{query.get('error_description') or query['error']}"[:300])
        try:
            result = self.client().acquire_token_by_auth_code_flow(flow, query)
        except ValueError as error:  # msal: the response does not belong to this flow
            log.info("sign-in refused by msal: %s", type(error).__name__)
            self._refused(actor, "flow_mismatch")
            raise links.LinkError("This sign-in response does not match the one we started. "
                                  "Ask the bot for a new link.") from None
        except Exception as error:  # the token endpoint could not be reached
            log.warning("sign-in code redemption failed: %s", type(error).__name__)
            self._refused(actor, "redemption_failed")
            raise SignInUnavailable from None
        if "error" in result or "id_token_claims" not in result:
            log.info("sign-in token redemption failed: %s", result.get("error", "no id token"))
            self._refused(actor, str(result.get("error", "no_id_token"))[:60])
            raise links.LinkError("Microsoft did not confirm your sign-in. Ask the bot for a new link.")
        if purpose == "websignin":
            return self._finish_web(result["id_token_claims"], actor, web_sign_in)
        with self.database.session() as session:
            link = links.claimed_by_state(session, query.get("state", ""))
            try:
                linked = signin.complete(session, link, result["id_token_claims"],
                                         self.settings.allowed_tenant_set, actor,
                                         self.settings.tenant_domain_map)
            except links.LinkError:
                session.commit()  # keep the audit line of the refusal; nothing else was changed
                raise
            # Committed with the link, delivered by the outbox.
            tell_other_accounts(session, linked.leader, linked)
            return linked.leader.full_name, account

    def _finish_web(self, claims: dict[str, object], actor: str, web: dict[str, str]) -> WebSignedIn:
        with self.database.session() as session:
            try:
                leader = signin.resolve_web(session, claims, self.settings.allowed_tenant_set, actor,
                                            self.settings.tenant_domain_map)
            except links.LinkError:
                session.commit()  # keep the audit line of the refusal; nothing else was changed
                raise
            raw_id = web_sessions.start(session, leader, "microsoft",
                                        replaces_hash=str(web.get("replaces", "")))
            return WebSignedIn(raw_id, str(web.get("next", "/")))

    def is_website_sign_in(self, state: str) -> bool:
        """Whether `state` belongs to a website sign-in (for wording a refusal: there is no chat link)."""
        if not state or len(state) > 100:
            return False
        with self.database.session(commit=False) as session:
            return session.scalar(select(AccessLink.purpose).where(AccessLink.state == state)) == "websignin"

    def _refused(self, actor: str, reason: str) -> None:
        with self.database.session() as session:
            audit.record(session, actor, "signin.refused", reason=reason)


async def start_page(request: web.Request) -> web.Response:
    sign_in = request.app[SIGNIN]
    if not sign_in.settings.signin_configured:
        return page("Sign-in unavailable", UNAVAILABLE, status=404)
    token = request.query.get("token", "")
    try:
        account = await asyncio.to_thread(sign_in.peek, token)
    except links.LinkError as error:
        return page("Link not usable", str(error), status=400)
    return page("Sign in with Microsoft",
                f"This link will link {account} to your Leaders Connect profile: that account will then "
                "act as you, see what you may see, and send introductions in your name.",
                "Continue only if you asked the bot for this link yourself, from that account, just now. "
                "If someone sent you this link, close this page and tell the Leaders Connect team.",
                "You'll sign in with your work Microsoft account. We read only your name, work email "
                "address and organisation from Microsoft.",
                form_action=START, token=token, button="Continue to Microsoft",
                redirect_origins=(sign_in.authority_origin,))


async def start(request: web.Request) -> web.Response:
    sign_in = request.app[SIGNIN]
    if not sign_in.settings.signin_configured:
        return page("Sign-in unavailable", UNAVAILABLE, status=404)
    if not same_origin(request, sign_in.settings.base_url):
        return page("Link not usable", "This sign-in was started from another website, so it was refused. "
                    "Open the link the bot gave you directly.", status=403)
    try:
        started = await asyncio.to_thread(sign_in.begin, await posted_token(request))
    except BadForm:
        return page("Link not usable", "That request could not be read.", status=400)
    except links.LinkError as error:
        return page("Link not usable", str(error), status=400)
    except SignInUnavailable:
        return _unreachable()
    redirect = web.HTTPFound(started.authorize_url, headers={"Cache-Control": "no-store"})
    redirect.set_cookie(started.cookie, started.secret, max_age=int(links.LINK_LIFETIME.total_seconds()),
                        path="/", secure=True, httponly=True, samesite="None")
    raise redirect


def _unreachable() -> web.Response:
    return page("Microsoft could not be reached", "Sign-in could not be completed because Microsoft's "
                "sign-in service did not answer. Nothing was linked. Ask the bot for a new link and try "
                "again in a few minutes.", status=502)


async def callback(request: web.Request) -> web.Response:
    sign_in = request.app[SIGNIN]
    if not sign_in.settings.signin_configured:
        return page("Sign-in unavailable", UNAVAILABLE, status=404)
    try:
        if request.method == "POST":
            source = await posted_form(request, SIGNIN_CALLBACK)
        else:
            source = dict(request.query)
    except BadForm:
        return page("Sign-in not completed", "That request could not be read.", "Nothing was linked.",
                    status=400)
    query = {k: v for k, v in source.items() if len(v) < 20_000}
    cookies = signin_cookies(request)
    try:
        finished = await asyncio.to_thread(sign_in.finish, query, cookies)
    except links.LinkError as error:
        if await asyncio.to_thread(sign_in.is_website_sign_in, query.get("state", "")):
            return _forget_binding(page("Sign-in not completed", str(error), "You are not signed in. To try "
                                        f"again, go to {sign_in.settings.base_url}/sign-in.", status=400),
                                   query)
        return _forget_binding(page("Sign-in not completed", str(error), "Nothing was linked.", status=400),
                               query)
    except SignInUnavailable:
        return _forget_binding(_unreachable(), query)
    if isinstance(finished, WebSignedIn):  # the website: signed in, back to the page that asked
        from adapters.web.session_cookie import set_cookie

        response = web.Response(status=303, headers={"Location": finished.next_path,
                                                     "Cache-Control": "no-store"})
        set_cookie(response, finished.session_id, in_tab=False)
        return _forget_binding(response, query)
    name, account = finished
    return _forget_binding(page(
        "You're signed in", f"Welcome, {name}. {account[0].upper() + account[1:]} is now linked to your "
        "Leaders Connect profile.", "Go back to Slack or Teams and message the bot again. If you didn't "
        "mean to link that account, type `accounts` to the bot from any of your accounts and remove it."),
        query)


def signin_cookies(request: web.Request) -> dict[str, str]:
    """The browser's sign-in cookies, by their exact names.

    Not `request.cookies`: aiohttp's parser strips Unicode whitespace in front of a name, so a cookie a
    browser stores as `<no-break space>__Host-leaders-signin-…` — no `__Host-` prefix to the browser, so a
    sibling sub-domain or a plain-http network may set it — would arrive here as the `__Host-` cookie.
    Only what RFC 6265 puts between cookies (`;`, space, tab) is taken off.
    """
    found: dict[str, str] = {}
    for header in request.headers.getall("Cookie", []):
        for pair in header.split(";"):
            name, equals, value = pair.strip(" \t").partition("=")
            if equals and name.startswith(COOKIE_PREFIX):
                found.setdefault(name, value.strip(" \t"))
    return found


def _forget_binding(response: web.Response, query: dict[str, str]) -> web.Response:
    """The sign-in is over either way: drop its cookie (same attributes, or a browser keeps it)."""
    if query.get("state"):
        response.del_cookie(cookie_name(query["state"]), path="/", secure=True, httponly=True,
                            samesite="None")
    return response


def log_signin_state(settings: Settings) -> None:
    """Say at start-up whether unlinked leaders will be offered Sign in with Microsoft, and if not, why."""
    if settings.signin_configured:
        log.info("Sign in with Microsoft is on for %d tenant(s); redirect URI %s",
                 len(settings.allowed_tenant_set), settings.base_url + CALLBACK)
        if not settings.public_url:
            log.warning("LEADERS_PUBLIC_URL is not set: sign-in links point at %s, which only this machine "
                        "can open", settings.base_url)
        elif not settings.public_url.startswith("https://") and not _is_loopback(settings.public_url):
            log.warning("LEADERS_PUBLIC_URL is not https: browsers will not keep the sign-in's Secure "
                        "cookie there, so every Sign in with Microsoft will be refused")
    elif settings.allowed_tenant_set:
        log.warning("LEADERS_ALLOWED_TENANTS is set but MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD are not: "
                    "Sign in with Microsoft is off")


def _is_loopback(url: str) -> bool:
    """Browsers treat http://localhost and 127.0.0.1 as secure contexts, so Secure cookies work there."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")


def mount(app: web.Application, settings: Settings, database: Database) -> None:
    app[SIGNIN] = MicrosoftSignIn(settings, database)
    app.router.add_get(START, start_page)
    app.router.add_post(START, start)
    app.router.add_get(CALLBACK, callback)  # an error, or a provider that answers in the query string
    app.router.add_post(CALLBACK, callback)  # Microsoft's form_post answer
