"""Shared steps of the staff console tests: the real app on loopback, leaders (staff or not) signed in
to the website through real server-side sessions, and a browser-like client that sends the session
cookie, the page's CSRF token and an Origin header as a browser's form would."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html import unescape
from typing import Any

from aiohttp import ClientSession, web
from sqlalchemy import func, insert, select

from adapters.web.session_cookie import COOKIE
from directory import web_sessions
from directory.database import Database
from directory.models import AuditEvent, ChatAccount, Leader
from directory.staff import grant

_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


@dataclass
class Page:
    status: int
    text: str
    headers: Any

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Browser:
    """One signed-in (or signed-out, `cookie=""`) browser on the console."""

    base: str
    http: ClientSession
    cookie: str = ""

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Cookie": f"{COOKIE}={self.cookie}"} if self.cookie else {}
        return {**headers, **(extra or {})}

    async def get(self, path: str) -> Page:
        async with self.http.get(self.base + path, headers=self._headers(), allow_redirects=False) as answer:
            return Page(answer.status, await answer.text(), answer.headers)

    async def token(self) -> str:
        page = await self.get("/")
        found = _TOKEN.search(page.text)
        assert found, "a signed-in page carries the CSRF token"
        return unescape(found.group(1))

    async def post(self, path: str, form: dict[str, str], *, csrf: bool = True,
                   origin: str | None = None) -> Page:
        body = dict(form)
        if csrf:
            body["csrf_token"] = await self.token()
        headers = self._headers({"Origin": origin if origin is not None else self.base})
        async with self.http.post(self.base + path, data=body, headers=headers,
                                  allow_redirects=False) as answer:
            return Page(answer.status, await answer.text(), answer.headers)


def add_leaders(db: Database, count: int, *, sector: str = "health", region: str = "Wales",
                prefix: str = "l", chat: bool = True) -> list[int]:
    """`count` leaders (each with a Slack account if `chat`); returns their ids."""
    with db.session() as session:
        start = (session.scalar(select(func.max(Leader.id))) or 0) + 1
        rows = [{"id": start + i, "email": f"{prefix}{start + i}@example.gov.uk",
                 "email_key": f"{prefix}{start + i}@example.gov.uk", "full_name": f"Leader {start + i}",
                 "role": "Chief Executive", "organisation": "A Council", "sector": sector, "region": region,
                 "visibility": {}} for i in range(count)]
        session.execute(insert(Leader), rows)
        if chat:
            session.execute(insert(ChatAccount), [
                {"platform": "slack", "workspace_id": "T1", "user_id": f"U{start + i:05d}",
                 "leader_id": start + i, "linked_via": "test"} for i in range(count)])
        return [start + i for i in range(count)]


def sign_in(db: Database, leader_id: int, method: str = "microsoft") -> str:
    """A website session for the leader, as sign-in makes one; returns the cookie's value."""
    with db.session() as session:
        leader = session.get(Leader, leader_id)
        assert leader is not None
        return web_sessions.start(session, leader, method)


def make_staff(db: Database, leader_id: int) -> None:
    with db.session() as session:
        leader = session.get(Leader, leader_id)
        assert leader is not None
        grant(session, leader.email, "cli:test", frozenset())


def audit_actions(db: Database, prefix: str = "") -> list[tuple[str, str, str]]:
    """(actor, action, subject) of every audit entry, oldest first."""
    with db.session() as session:
        rows = session.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.subject)
                               .where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


@dataclass
class Console:
    """The running site with three browsers: staff, a leader without the role, and signed out."""

    db: Database
    base: str
    staff: Browser
    leader: Browser
    nobody: Browser
    staff_id: int
    leader_id: int
    services: Any

    def browser(self, cookie: str) -> Browser:
        return Browser(self.base, self.staff.http, cookie)


@asynccontextmanager
async def running_console(database_url: str, **settings: Any) -> AsyncIterator[Console]:
    from adapters.bootstrap import build_services
    from adapters.server import build_app
    from directory.settings import Settings

    services = build_services(Settings(_env_file=None, LEADERS_DATABASE_URL=database_url,  # type: ignore[call-arg]
                                       **settings))
    db = services.database
    staff_id, leader_id = add_leaders(db, 2, prefix="console")
    make_staff(db, staff_id)
    runner = web.AppRunner(build_app(services), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    http = ClientSession()
    try:
        yield Console(db, base, Browser(base, http, sign_in(db, staff_id)),
                      Browser(base, http, sign_in(db, leader_id)), Browser(base, http), staff_id, leader_id,
                      services)
    finally:
        await http.close()
        await runner.cleanup()
        db.dispose()
