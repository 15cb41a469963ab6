"""Sign in with Microsoft: msal's authorisation-code flow behind `/auth/microsoft/start` and `/callback`.

1. The bot gives an unlinked chat account a one-time link (directory/links.py).
2. GET /start shows a "Continue" button (a link scanner fetching the URL must not use the link up);
   POST /start spends the link, starts msal's flow (state, nonce, PKCE) and redirects to Microsoft.
   The flow is kept with the link in the database, so the callback may reach another server process.
3. POST /callback (form_post; GET also accepted): msal redeems the code and checks the ID token
   (issuer, audience, expiry, nonce); directory/signin.py checks the tenant and the email and links the
   chat account.

msal is synchronous (it uses `requests`), so every call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import msal
from aiohttp import web

from adapters.web.pages import page, posted_token
from directory import audit, links, signin
from directory.database import Database
from directory.settings import Settings

log = logging.getLogger(__name__)
START, CALLBACK = "/auth/microsoft/start", "/auth/microsoft/callback"
SIGNIN: web.AppKey[MicrosoftSignIn] = web.AppKey("signin")
UNAVAILABLE = "Sign in with Microsoft is not set up on this Leaders Connect server."


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

    def client(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._client is None:
                self._client = msal.ConfidentialClientApplication(
                    self.settings.microsoft_app_id, client_credential=self.settings.microsoft_app_password,
                    authority=self.settings.microsoft_authority)
            return self._client

    def begin(self, token: str) -> str:
        """Spend the link, start the flow, remember it; returns Microsoft's authorisation URL."""
        # form_post: the code comes back in a POST body, not in a URL that browsers keep in history and
        # proxies in their logs (RFC 9700 §4.3.1).
        flow = self.client().initiate_auth_code_flow(scopes=[], redirect_uri=self.redirect_uri,
                                                     prompt="select_account", response_mode="form_post")
        with self.database.session() as session:
            link = links.spend(session, "signin", token)
            links.attach_flow(link, flow)
            audit.record(session, f"{link.platform}:{link.workspace_id}:{link.user_id}", "signin.started")
        return str(flow["auth_uri"])

    def finish(self, query: dict[str, str]) -> str:
        """Redeem the code and link the account; returns the leader's name. LinkError says why not."""
        with self.database.session() as session:  # claim the state first: a replay is refused even if
            link = links.by_state(session, query.get("state", ""))  # the redemption below fails
            flow, actor = dict(link.flow or {}), f"{link.platform}:{link.workspace_id}:{link.user_id}"
        if "error" in query:
            raise links.LinkError("Microsoft did not sign you in: "
                                  f"{query.get('error_description') or query['error']}"[:300])
        try:
            result = self.client().acquire_token_by_auth_code_flow(flow, query)
        except ValueError as error:  # msal: the response does not belong to this flow
            log.info("sign-in refused by msal: %s", type(error).__name__)
            raise links.LinkError("This sign-in response does not match the one we started. "
                                  "Ask the bot for a new link.") from None
        if "error" in result or "id_token_claims" not in result:
            log.info("sign-in token redemption failed: %s", result.get("error", "no id token"))
            with self.database.session() as session:
                audit.record(session, actor, "signin.refused",
                             reason=str(result.get("error", "no_id_token"))[:60])
            raise links.LinkError("Microsoft did not confirm your sign-in. Ask the bot for a new link.")
        with self.database.session() as session:
            link = links.claimed_by_state(session, query.get("state", ""))
            try:
                leader = signin.complete(session, link, result["id_token_claims"],
                                         self.settings.allowed_tenant_set)
            except links.LinkError:
                session.commit()  # keep the audit line of the refusal; nothing else was changed
                raise
            return leader.full_name


async def start_page(request: web.Request) -> web.Response:
    sign_in = request.app[SIGNIN]
    if not sign_in.settings.signin_configured:
        return page("Sign-in unavailable", UNAVAILABLE, status=404)
    token = request.query.get("token", "")
    try:
        await asyncio.to_thread(_peek, sign_in.database, token)
    except links.LinkError as error:
        return page("Link not usable", str(error), status=400)
    return page("Sign in with Microsoft",
                "Sign in with your work Microsoft account to link your chat account to your Leaders Connect "
                "profile. We read only your name, work email address and organisation from Microsoft.",
                form_action=START, token=token, button="Continue to Microsoft")


def _peek(database: Database, token: str) -> None:
    with database.session(commit=False) as session:
        links.peek(session, "signin", token)


async def start(request: web.Request) -> web.Response:
    sign_in = request.app[SIGNIN]
    if not sign_in.settings.signin_configured:
        return page("Sign-in unavailable", UNAVAILABLE, status=404)
    try:
        target = await asyncio.to_thread(sign_in.begin, await posted_token(request))
    except links.LinkError as error:
        return page("Link not usable", str(error), status=400)
    raise web.HTTPFound(target)


async def callback(request: web.Request) -> web.Response:
    sign_in = request.app[SIGNIN]
    if not sign_in.settings.signin_configured:
        return page("Sign-in unavailable", UNAVAILABLE, status=404)
    source = await request.post() if request.method == "POST" else request.query
    query = {k: v for k, v in source.items() if isinstance(v, str) and len(v) < 20_000}
    try:
        name = await asyncio.to_thread(sign_in.finish, query)
    except links.LinkError as error:
        return page("Sign-in not completed", str(error), "Nothing was linked.", status=400)
    return page("You're signed in",
                f"Welcome, {name}. Your chat account is now linked to your Leaders Connect profile.",
                "Go back to Slack or Teams and message the bot again.")


def log_signin_state(settings: Settings) -> None:
    """Say at start-up whether unlinked leaders will be offered Sign in with Microsoft, and if not, why."""
    if settings.signin_configured:
        log.info("Sign in with Microsoft is on for %d tenant(s); redirect URI %s",
                 len(settings.allowed_tenant_set), settings.base_url + CALLBACK)
        if not settings.public_url:
            log.warning("LEADERS_PUBLIC_URL is not set: sign-in links point at %s, which only this machine "
                        "can open", settings.base_url)
    elif settings.allowed_tenant_set:
        log.warning("LEADERS_ALLOWED_TENANTS is set but MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD are not: "
                    "Sign in with Microsoft is off")


def mount(app: web.Application, settings: Settings, database: Database) -> None:
    app[SIGNIN] = MicrosoftSignIn(settings, database)
    app.router.add_get(START, start_page)
    app.router.add_post(START, start)
    app.router.add_get(CALLBACK, callback)  # an error, or a provider that answers in the query string
    app.router.add_post(CALLBACK, callback)  # Microsoft's form_post answer
