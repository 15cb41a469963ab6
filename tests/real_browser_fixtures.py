"""Fixtures for the browser tests (tests/real_browser.py): one Chromium per test module, the live site
per test, and a leader signed in the way the bot signs one in.

Loaded through `pytest_plugins` in conftest.py. Page owners add cases in their own test modules:

    def test_my_page(live_site, chromium):
        add_leader(live_site.db, "Kim Lee", "kim.lee@nhs.net")
        with chromium.page(js=False) as page:
            sign_in_from_chat(live_site, page, "kim.lee@nhs.net")
            page.goto(live_site.url + "/my-page")
            check_page(page, "my page")
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, sync_playwright

from directory.clock import FakeClock
from tests.real_browser import Chromium, LiveSite, start_live_site


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    """One Chromium per test module. Not per session: Playwright's synchronous API keeps an event loop
    running in the main thread while it is started, and the suite's asyncio tests need that thread's
    loop free — pytest runs a module's tests together, so between modules nothing is left running."""
    with sync_playwright() as playwright:
        browser = Chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def live_site(database_url: str, clock: FakeClock) -> Iterator[LiveSite]:
    """The real application over HTTP on loopback, on the test database, the clock fixed."""
    site = start_live_site(database_url)
    yield site
    site.stop()


def sign_in_from_chat(site: LiveSite, page: Page, email: str) -> None:
    """The leader types `web` to the bot (on the console) and opens the one-time link it gives: the
    website's real sign-in from chat, pressing Continue in this browser."""
    from adapters.console.session import ConsoleConversation
    from bot.engine import Bot
    from bot.replies import Actions

    bot = Bot(site.db, site.services.settings)
    reply = bot.handle_text(ConsoleConversation(bot, email).identity, "web")
    (url,) = [b.url for block in reply.blocks if isinstance(block, Actions) for b in block.buttons if b.url]
    page.goto(url)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(site.url + "/")


def sign_in_with_microsoft(site: LiveSite, page: Page, email: str) -> None:
    """A session such as the site's Microsoft sign-in leaves behind: one that counts as a fresh sign-in
    (what staff approvals and the tab's pop-up hand-over ask for), its cookie set in this browser as the
    callback sets it. No fake Microsoft login page runs in the browser; the flow itself is tested over
    HTTP in tests/test_web_signin.py."""
    from sqlalchemy import select

    from adapters.web.session_cookie import COOKIE
    from directory import web_sessions
    from directory.models import Leader

    with site.db.session() as session:
        leader = session.scalars(select(Leader).where(Leader.email == email)).one()
        raw_id = web_sessions.start(session, leader, "microsoft")
    host = site.url.split("//", 1)[1].split(":", 1)[0]
    page.context.add_cookies([{"name": COOKIE, "value": raw_id, "domain": host, "path": "/", "secure": True,
                               "httpOnly": True, "sameSite": "Lax"}])
