"""The leader pages' test steps: the real server on loopback, leaders in the directory, a browser-like
client signed in as one of them (through the foundation's web session), and ways to read the HTML."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, web

from adapters.bootstrap import Services, build_services
from adapters.server import build_app
from directory.database import Database
from directory.introductions import Introduction
from directory.people import LeaderInput, by_email, update_own_profile, upsert_leaders
from directory.settings import Settings


@dataclass
class Site:
    url: str
    services: Services

    @asynccontextmanager
    async def browser(self, leader_id: int) -> AsyncIterator[ClientSession]:
        """A client session signed in as `leader_id`, as a browser would hold it."""
        from adapters.web import site_kit  # the local stand-in until the foundation lands

        session_id = site_kit.sign_in(leader_id)
        async with ClientSession(cookies={"stub_session": session_id}) as client:
            yield client

    async def page(self, client: ClientSession, path: str) -> tuple[int, str]:
        async with client.get(self.url + path, allow_redirects=False) as answer:
            return answer.status, await answer.text()

    async def form_token(self, client: ClientSession, path: str) -> str:
        status, body = await self.page(client, path)
        assert status == 200, body
        found = re.search(r'name="csrf_token" value="([^"]*)"', body)
        assert found, "the form carries a CSRF token"
        return html.unescape(found.group(1))

    async def submit(self, client: ClientSession, path: str, fields: dict[str, str],
                     token: str | None = None, follow: bool = False) -> tuple[int, str, str]:
        """POST a form as the page's own form would (the CSRF token from the page unless given)."""
        if token is None:
            token = await self.form_token(client, path)
        data = {**fields, "csrf_token": token} if token else dict(fields)
        async with client.post(self.url + path, data=data, allow_redirects=follow,
                               headers={"Origin": self.url}) as answer:
            return answer.status, answer.headers.get("Location", ""), await answer.text()


@asynccontextmanager
async def serving(database_url: str, **settings: Any) -> AsyncIterator[Site]:
    services = build_services(Settings(database_url=database_url, **settings))  # type: ignore[call-arg]
    app = build_app(services)
    _mount_until_the_foundation_does(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Site(f"http://127.0.0.1:{port}", services)
    finally:
        await runner.cleanup()
        services.database.dispose()


def _mount_until_the_foundation_does(app: web.Application) -> None:
    if any(getattr(r, "canonical", "") == "/find" for r in app.router.resources()):
        return
    from adapters.web import leader_pages, site_kit

    site_kit.setup(app)
    leader_pages.mount(app)


def add_leader(db: Database, email: str, full_name: str, visibility: dict[str, str] | None = None,
               **values: str) -> int:
    """A leader in the directory (imported as staff would), with `visibility` levels set as their own."""
    fields = {"role": "Chief Executive", "organisation": "Somewhere Council", "sector": "local-government",
              **values}
    with db.session() as session:
        upsert_leaders(session, [LeaderInput(email=email, full_name=full_name, **fields)])
        leader = by_email(session, email)
        assert leader is not None
        if visibility:
            update_own_profile(session, leader, {}, visibility)
        return leader.id


def introduce(db: Database, requester: int, recipient: int, status: str) -> None:
    with db.session() as session:
        session.add(Introduction(requester_id=requester, recipient_id=recipient, status=status,
                                 reason="We are both planning for winter."))


def text_of(body: str) -> str:
    """The page's readable text: tags dropped, entities decoded, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S))
    return " ".join(html.unescape(without_tags).split())
