"""The aiohttp web server every platform adapter mounts its routes on.

Platform adapters (Slack, Teams) add their routes in later issues through `Services`; what lives here is
what every deployment needs: the application, health, and a JSON 404/405 instead of HTML error pages.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from sqlalchemy import text

from adapters.bootstrap import Services
from directory.outbox import depth
from scheduler.delivery_metrics import render_depth

log = logging.getLogger(__name__)
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
METRICS_ON_PUBLIC_PORT: web.AppKey[bool] = web.AppKey("metrics_on_public_port", bool)
# Paths with their own answers (JSON, or the self-contained pages of adapters/web/pages.py); every other
# path is the website's (adapters/web/web_security.py answers those with HTML pages).
API_PREFIXES = ("/healthz", "/metrics", "/slack/", "/api/", "/auth/microsoft/", "/mydata", "/r/")
SITE_MOUNTED: web.AppKey[bool] = web.AppKey("site_mounted", bool)  # build_app: the website is served too


async def healthz(request: web.Request) -> web.Response:
    """Liveness and readiness in one: the database answers and the schema is current.

    On the public port only the states, unless the caller shows LEADERS_METRICS_TOKEN: lane labels are
    digests of tenant and workspace ids, which are public, so they would tell anyone which organisations
    use the service — and the host name, process id and schema revision are no stranger's business.
    """
    services = request.app[SERVICES]
    database: dict[str, object]
    try:
        revision = await asyncio.to_thread(services.database.current_revision)
        database = {"state": "ok", "revision": revision, "dialect": services.database.dialect}
        await asyncio.to_thread(_ping, services)
    except Exception as error:  # health must report, not raise
        log.warning("health check: database unavailable: %s", type(error).__name__)
        database = {"state": "unavailable", "error": type(error).__name__}
    healthy = database["state"] == "ok"
    scheduler = services.leadership.describe() if services.leadership is not None else {"state": "disabled"}
    delivery = services.delivery.describe() if services.delivery is not None else {"state": "disabled"}
    body = {"status": "ok" if healthy else "degraded", "database": database, "scheduler": scheduler,
            "delivery": delivery}
    token = services.settings.metrics_token
    if request.app[METRICS_ON_PUBLIC_PORT] and not (token and _bearer_matches(request, token)):
        body = {"status": body["status"],
                **{part: {"state": body[part]["state"]} for part in ("database", "scheduler", "delivery")}}
    return web.json_response(body, status=200 if healthy else 503)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text: outbox depth by status and lane (from the database) and this process's sends.

    Only for a scraper that shows LEADERS_METRICS_TOKEN as a bearer token; on the public port nothing at
    all without one configured (a `--metrics-port` listener on a private network serves it openly).
    """
    services = request.app[SERVICES]
    token = services.settings.metrics_token
    if not token and request.app[METRICS_ON_PUBLIC_PORT]:
        return web.json_response({"error": "metrics are not served on this port: set LEADERS_METRICS_TOKEN, "
                                  "or use --metrics-port on a private network"}, status=404)
    if token and not _bearer_matches(request, token):
        return web.json_response({"error": "a bearer token is required"}, status=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="leaders-metrics"'})
    lines = services.metrics.render()
    try:
        lines += render_depth(await asyncio.to_thread(_depth, services))
        lines += ["# HELP leaders_database_up Whether the database answered this scrape.",
                  "# TYPE leaders_database_up gauge", "leaders_database_up 1"]
    except Exception as error:  # a scrape must answer even when the database does not
        log.warning("metrics: database unavailable: %s", type(error).__name__)
        lines += ["# TYPE leaders_database_up gauge", "leaders_database_up 0"]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain",
                        headers={"X-Content-Type-Options": "nosniff"}, charset="utf-8")


def _bearer_matches(request: web.Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _depth(services: Services) -> list[tuple[str, str, int]]:
    with services.database.session() as session:
        return depth(session)


def _ping(services: Services) -> None:
    with services.database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


@web.middleware
async def json_errors(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Malformed or unknown requests get a short JSON 4xx; an unexpected failure a 500 without details.

    Website paths pass through: web_security.site_security answers them with HTML pages."""
    if not request.path.startswith(API_PREFIXES) and request.app.get(SITE_MOUNTED, False):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return web.json_response({"error": error.reason}, status=error.status)
    except Exception:
        log.exception("unhandled error serving %r %r", request.method[:20], request.path[:200])
        return web.json_response({"error": "internal error"}, status=500)


def build_status_app(services: Services) -> web.Application:
    """Only `/healthz` and `/metrics`: what `--metrics-port N` serves (`leaders worker` and `serve`)."""
    app = web.Application(middlewares=[json_errors], client_max_size=4096)
    app[SERVICES] = services
    app[METRICS_ON_PUBLIC_PORT] = False
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


def build_app(services: Services) -> web.Application:
    from adapters.web.site import mount_site
    from adapters.web.web_security import site_security

    # json_errors answers API paths; site_security (inside it) answers the website's with HTML pages.
    app = web.Application(middlewares=[json_errors, site_security], client_max_size=1024 * 1024)
    app[SERVICES] = services
    app[METRICS_ON_PUBLIC_PORT] = True
    app[SITE_MOUNTED] = True
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if services.settings.slack_signing_secret:
        from adapters.slack.http import mount_slack, slack_configured  # only load slack-bolt when used

        if slack_configured(services):
            mount_slack(app, services)
        else:
            log.warning("SLACK_SIGNING_SECRET is set but neither SLACK_BOT_TOKEN nor SLACK_CLIENT_ID: "
                        "Slack is off")
    from adapters.web import mydata, redirect, signin

    mount_site(app, services)  # the website: /, /sign-in, /privacy, /terms, /static/… and the page modules
    signin.mount(app, services.settings, services.database)  # answers "not set up" when unconfigured
    mydata.mount(app, services.database, services.settings)
    redirect.mount(app, services.database)  # /r/<token>: curated links, opens counted per item
    from adapters.teams.config import is_configured

    if is_configured(services.settings):  # an app id, or the explicit LEADERS_TEAMS_INSECURE_LOCAL=1
        from adapters.teams.app import mount as mount_teams

        mount_teams(app, services)
    return app
