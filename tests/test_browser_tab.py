"""The Teams personal tab in real Chromium, framed by another site as Teams frames it.

Teams itself is not available to a test, so two things stand in for it. A host page on another site,
`http://localhost:<port>` (a second loopback server: a different site from the live server's 127.0.0.1,
so the tab is a third-party frame with a partitioned cookie jar, as under teams.microsoft.com; and
loopback, so Chromium's Local Network Access checks let it frame the tab). And, in place of
@microsoft/teams-js, a small stand-in with the same calls (`app.initialize`,
`authentication.getAuthToken`, `.authenticate` opening a pop-up, `.notifySuccess`) that hands over a
token the local Entra minted. Everything else is the real page, script, server and cookies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import escape
from urllib.parse import urlencode

import pytest
from aiohttp import web
from playwright.sync_api import BrowserContext, FrameLocator, Page, Route

from directory.accounts import ChatIdentity, resolve
from directory.clock import FakeClock
from tests.fake_entra import KIM, KIM_OID, FakeEntra, tab_settings
from tests.fakes_teams import TENANT, ThreadedServer
from tests.real_browser import Chromium, LiveSite, check_page, start_live_site
from tests.real_browser_fixtures import sign_in_with_microsoft
from tests.web_helpers import add_leader

STAND_IN = """
window.microsoftTeams = {
  app: {initialize: function () { return Promise.resolve(); }},
  authentication: {
    getAuthToken: function () {
      var token = %(token)s;
      return token ? Promise.resolve(token) : Promise.reject(new Error("resourceRequiresConsent"));
    },
    authenticate: function (request) {
      return new Promise(function (resolve) {
        var size = "width=" + request.width + ",height=" + request.height;
        var popUp = window.open(request.url, "teams-auth", size);
        window.addEventListener("message", function (event) {
          if (event.source === popUp) { resolve(event.data); }
        });
      });
    },
    notifySuccess: function (result) { window.opener.postMessage(result, "*"); window.close(); }
  }
};
"""


@pytest.fixture
def teams_host() -> Iterator[str]:
    """Teams' page: it frames whatever `?tab=` names. Served as http://localhost:<port>."""
    async def host(request: web.Request) -> web.Response:
        return web.Response(content_type="text/html", text=(
            "<!doctype html><html lang='en'><head><title>Teams</title></head><body><main>"
            f"<iframe src='{escape(request.query['tab'])}' title='Leaders Connect' width='320' height='700'>"
            "</iframe></main></body></html>"))

    app = web.Application()
    app.router.add_get("/", host)
    server = ThreadedServer(app).start()
    yield server.url.replace("127.0.0.1", "localhost")
    server.stop()


@pytest.fixture
def tab_site(database_url: str, clock: FakeClock, entra: FakeEntra, teams_host: str) -> Iterator[LiveSite]:
    site = start_live_site(database_url, **tab_settings(entra), tab_extra_frame_ancestors=teams_host)
    yield site
    site.stop()


def stand_in_for_teams(context: BrowserContext, token: str | None) -> None:
    """The client library's stand-in, in place of the real one wherever the site loads it."""
    def library(route: Route) -> None:
        route.fulfill(status=200, content_type="text/javascript",
                      body=STAND_IN % {"token": json.dumps(token)})

    context.route("**/static/microsoft-teams-*.min.js", library)


def open_in_teams(page: Page, teams_host: str, site: LiveSite) -> FrameLocator:
    page.goto(teams_host + "/?" + urlencode({"tab": site.url + "/tab"}))
    return page.frame_locator("iframe")


def link_kim_in_teams(site: LiveSite) -> None:
    add_leader(site.db, "Kim Lee", KIM)
    with site.db.session() as session:
        assert resolve(session, ChatIdentity("teams", TENANT, KIM_OID, email=KIM)) is not None


def test_sso_signs_kim_in_inside_the_tab_and_nowhere_else(tab_site: LiveSite, chromium: Chromium,
                                                          entra: FakeEntra, teams_host: str) -> None:
    link_kim_in_teams(tab_site)
    with chromium.page(js=True) as page:
        stand_in_for_teams(page.context, entra.mint(KIM_OID, KIM))
        tab = open_in_teams(page, teams_host, tab_site)
        tab.get_by_role("heading", name="Welcome, Kim Lee").wait_for()
        assert not page.frames[1].url.endswith("/tab")  # the tab moved on to the site's pages
        # The tab's cookie lives in the Teams site's partition: the site opened directly is signed out.
        page.goto(tab_site.url + "/")
        assert page.locator("h1").inner_text() == "Leaders Connect"


def test_without_sso_the_pop_up_signs_in_and_hands_the_tab_its_session(tab_site: LiveSite,
                                                                       chromium: Chromium,
                                                                       teams_host: str) -> None:
    link_kim_in_teams(tab_site)
    with chromium.page(js=True) as page:
        # Signed in on the site itself (top level) with Microsoft minutes ago: the pop-up hands over only
        # such a sign-in (a session from a chat link is sent through Microsoft first).
        sign_in_with_microsoft(tab_site, page, KIM)
        stand_in_for_teams(page.context, None)  # Teams gives no token (no consent yet)
        tab = open_in_teams(page, teams_host, tab_site)
        button = tab.get_by_role("button", name="Sign in with Microsoft")
        button.wait_for()
        assert "could not sign you in" in tab.get_by_role("status").inner_text()
        with page.expect_popup() as opened:
            button.click()
        pop_up = opened.value
        pop_up.wait_for_event("close")  # it handed the code back and closed, as Teams closes it
        tab.get_by_role("heading", name="Welcome, Kim Lee").wait_for()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_tab_page_itself(tab_site: LiveSite, chromium: Chromium, js: bool) -> None:
    """Opened on its own: with JavaScript and no token, Sign in with Microsoft is offered; without
    JavaScript the page says how to open the website instead."""
    with chromium.page(js=js) as page:
        stand_in_for_teams(page.context, None)
        page.goto(tab_site.url + "/tab")
        if js:
            page.get_by_role("button", name="Sign in with Microsoft").wait_for()
            assert page.get_by_text("which needs JavaScript").is_hidden()
        else:
            assert page.get_by_text("which needs JavaScript").is_visible()
            assert page.get_by_role("button", name="Sign in with Microsoft").is_hidden()
        check_page(page, f"tab page, JavaScript {'on' if js else 'off'}")

