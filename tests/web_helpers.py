"""Helpers for website tests (issue 17): the real app on loopback, browsers, signed-in sessions.

    site = await start_site(database_url)              # build_app over real HTTP, no Slack needed
    browser = site.browser()                           # tests/browser.py: cookies as a browser keeps them
    leader_id = add_leader(site.db, "Aine Byrne", "aine@example.gov.uk", staff=True)
    csrf = sign_in(site, browser, leader_id)           # a session as the sign-in pages would start it
    status, page, location = await browser.get(site.url + "/")
    status, page, location = await browser.post(site.url + "/sign-out", {"csrf_token": csrf})
    await stop_site(site)

`sign_in` writes the session straight into the table (directory/web_sessions.py) and puts its cookie in
the browser's jar, so page tests need no Microsoft; tests/test_web_signin.py covers the real sign-ins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any

from aiohttp import web
from yarl import URL

from adapters.web.session_cookie import COOKIE
from directory import web_sessions
from directory.database import Database
from directory.models import Leader, StaffMember
from directory.people import LeaderInput, by_email, upsert_leaders
from tests.browser import Browser

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_NONCE = re.compile(r"<script\b[^>]*\bnonce=\"([^\"]+)\"")


@dataclass
class Site:
    url: str
    services: Any
    runner: web.AppRunner
    browsers: list[Browser]

    @property
    def db(self) -> Database:
        return self.services.database

    def browser(self) -> Browser:
        made = Browser(self.url)
        self.browsers.append(made)
        return made


async def start_site(database_url: str, mount: Callable[[web.Application], None] | None = None,
                     **settings: Any) -> Site:
    """`mount`: adds a test's own routes (e.g. a page behind `staff_page`) before the app starts."""
    from adapters.bootstrap import build_services
    from adapters.server import build_app
    from directory.settings import Settings

    services = build_services(Settings(database_url=database_url, **settings))
    app = build_app(services)
    if mount is not None:
        mount(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    services.settings.public_url = url  # where browsers reach it: only known once it listens
    return Site(url, services, runner, [])


async def stop_site(site: Site) -> None:
    for browser in site.browsers:
        await browser.close()
    await site.runner.cleanup()
    site.services.database.dispose()


def add_leader(db: Database, full_name: str, email: str, *, staff: bool = False, **fields: Any) -> int:
    """A verified leader (and the staff role if asked); returns the id."""
    values = {"role": "Director", "organisation": "Cabinet Office", "sector": "central", **fields}
    with db.session() as session:
        upsert_leaders(session, [LeaderInput(email=email, full_name=full_name, **values)])
        leader = by_email(session, email)
        assert leader is not None
        if staff:
            session.add(StaffMember(leader_id=leader.id, granted_by="test"))
        return leader.id


def put_cookie(site: Site, browser: Browser, value: str) -> None:
    """Put a session cookie in the browser's jar as if the site had set it."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[COOKIE] = value
    cookie[COOKIE]["path"] = "/"
    cookie[COOKIE]["secure"] = True
    cookie[COOKIE]["httponly"] = True
    cookie[COOKIE]["samesite"] = "Lax"
    browser.jar.update_cookies(cookie, URL(site.url))


def sign_in(site: Site, browser: Browser, leader_id: int, *, method: str = "chat", in_tab: bool = False,
            via_account_id: int | None = None) -> str:
    """Sign `browser` in as the leader; returns the session's CSRF token (what its forms carry).

    `method="microsoft"` makes a session that counts as a fresh sign-in for `recent_sign_in`; the clock
    fixture moves it into the past."""
    with site.db.session() as session:
        leader = session.get(Leader, leader_id)
        assert leader is not None
        raw_id = web_sessions.start(session, leader, method, in_tab=in_tab, via_account_id=via_account_id)
        active = web_sessions.lookup(session, raw_id)
        assert active is not None
    put_cookie(site, browser, raw_id)
    return active.csrf_secret


def session_cookie(browser: Browser) -> str:
    """The browser's session cookie value ("" if none)."""
    return next((m.value for m in browser.jar if m.key == COOKIE), "")


def csrf_in(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(page)
    assert found is not None, "no csrf_token field on the page"
    return found.group(1)


def script_nonces(page: str) -> list[str]:
    return _NONCE.findall(page)


def sessions_of(db: Database, leader_id: int) -> int:
    from sqlalchemy import func, select

    from directory.models import WebSession

    with db.session(commit=False) as session:
        return int(session.scalar(select(func.count()).select_from(WebSession)
                                  .where(WebSession.leader_id == leader_id)) or 0)


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment)
