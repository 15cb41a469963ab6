"""Running the real server for Teams tests: build_services + build_app on loopback, plus the fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import web

from adapters.bootstrap import Services, build_services
from adapters.server import build_app
from adapters.teams.config import BotFrameworkEndpoints
from directory.settings import Settings
from tests.fakes_teams import TENANT, FakeConnector, ThreadedServer

CLEAN_ENV = ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "MICROSOFT_APP_TYPE",
             "LEADERS_ALLOWED_TENANTS", "LEADERS_TENANT_DOMAINS", "LEADERS_TEAMS_INSECURE_LOCAL",
             "LEADERS_TEAMS_SERVICE_URL_HOSTS")
# The test tenant owns the sample directory's domains (tests/data/sample_leaders.csv), not example.com.
SAMPLE_DOMAINS = ("belfastcity.gov.uk", "scotland.police.uk", "nhs.net", "cardiff.gov.uk", "hmrc.gov.uk",
                  "gov.wales", "gmp.police.uk", "environment-agency.gov.uk", "nwas.nhs.uk",
                  "manchester.gov.uk", "defra.gov.uk", "westmidlands-fire.gov.uk")
TENANT_DOMAINS = ",".join(f"{TENANT}:{domain}" for domain in SAMPLE_DOMAINS)
# Local unauthenticated mode, as the Bot Framework Emulator would use it: loopback serviceUrls only.
LOCAL = {"LEADERS_TEAMS_INSECURE_LOCAL": True, "LEADERS_ALLOWED_TENANTS": TENANT,
         "LEADERS_TENANT_DOMAINS": TENANT_DOMAINS}


@asynccontextmanager
async def running(settings: Settings, endpoints: BotFrameworkEndpoints | None = None
                  ) -> AsyncIterator[tuple[str, Services, web.Application]]:
    services = build_services(settings)
    services.teams_endpoints = endpoints
    app = build_app(services)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", services, app
    finally:
        await runner.cleanup()
        services.database.dispose()


def connector_server() -> Iterator[tuple[FakeConnector, str]]:
    connector = FakeConnector()
    server = ThreadedServer(connector.app()).start()
    try:
        yield connector, server.url
    finally:
        server.stop()


async def post(base: str, activity: Any, token: str | None = None, *, raw: bytes | None = None,
               content_type: str = "application/json") -> tuple[int, Any]:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as session:
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": activity}
        async with session.post(base + "/api/messages", headers=headers, **kwargs) as response:
            text = await response.text()
            try:
                body = await response.json(content_type=None) if text else None
            except ValueError:
                body = text
            return response.status, body
