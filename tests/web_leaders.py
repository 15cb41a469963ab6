"""The leader pages' test steps, on the foundation's (tests/web_helpers.py): the real server on loopback,
leaders in the directory, a browser signed in as one of them, and ways to read the HTML."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from directory.database import Database
from directory.introductions import Introduction
from directory.people import LeaderInput, by_email, update_own_profile, upsert_leaders
from tests.browser import Browser
from tests.web_helpers import Site, csrf_in, sign_in, start_site, stop_site


@dataclass
class LeaderSite:
    site: Site

    @property
    def url(self) -> str:
        return self.site.url

    @asynccontextmanager
    async def browser(self, leader_id: int) -> AsyncIterator[Browser]:
        """A browser signed in as `leader_id` (a session as the sign-in pages start one)."""
        browser = self.site.browser()
        sign_in(self.site, browser, leader_id)
        yield browser

    async def page(self, browser: Browser, path: str) -> tuple[int, str]:
        status, body, _ = await browser.get(self.url + path)
        return status, body

    async def submit(self, browser: Browser, path: str, fields: dict[str, str],
                     token: str | None = None) -> tuple[int, str, str]:
        """POST a form from our own page (the CSRF token the page carries unless given; "" sends none);
        returns (status, Location, page)."""
        if token is None:
            status, body = await self.page(browser, path)
            assert status == 200, body
            token = html.unescape(csrf_in(body))
        data = {**fields, "csrf_token": token} if token else dict(fields)
        status, body, location = await browser.post(self.url + path, data)
        return status, location, body


@asynccontextmanager
async def serving(database_url: str, **settings: Any) -> AsyncIterator[LeaderSite]:
    site = await start_site(database_url, **settings)
    try:
        yield LeaderSite(site)
    finally:
        await stop_site(site)


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
