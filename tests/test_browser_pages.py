"""The website's pages in real Chromium, JavaScript on and off, at 320 CSS px: every state passes axe
(WCAG 2.2 A/AA), reflows without sideways scrolling, and runs with no CSP refusal or script error.

Signed out: home, sign-in, accessibility, cookies, privacy, terms, a missing page. Then a leader signs in
from chat (the bot's one-time link) and sees the signed-in home, and signs out.
"""

from __future__ import annotations

import pytest

from tests.real_browser import LiveSite, check_page
from tests.real_browser_fixtures import sign_in_from_chat
from tests.web_helpers import add_leader

KIM = "kim.lee@nhs.net"
SIGNED_OUT_PAGES = [("/", "Leaders Connect"), ("/sign-in", "Sign in"), ("/accessibility", "Accessibility"),
                    ("/cookies", "Cookies"), ("/privacy", "Privacy"), ("/terms", "Terms"),
                    ("/no-such-page", "Page not found")]


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_signed_out_pages(live_site: LiveSite, chromium, js: bool) -> None:  # type: ignore[no-untyped-def]
    with chromium.page(js=js) as page:
        for path, heading in SIGNED_OUT_PAGES:
            page.goto(live_site.url + path)
            assert heading in page.locator("h1").inner_text()
            check_page(page, path)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_leader_signs_in_from_chat_and_out_again(live_site: LiveSite, chromium, js: bool) -> None:  # type: ignore[no-untyped-def]
    add_leader(live_site.db, "Kim Lee", KIM)
    with chromium.page(js=js) as page:
        page.goto(live_site.url + "/")
        sign_in_from_chat(live_site, page, KIM)
        assert page.locator("h1").inner_text() == "Welcome, Kim Lee"
        check_page(page, "home, signed in")
        open_menu(page)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(live_site.url + "/")
        assert page.get_by_role("link", name="Sign in").first.is_visible()
        check_page(page, "home, signed out again")


def open_menu(page) -> None:  # type: ignore[no-untyped-def]
    """At 320 px with JavaScript on, the service navigation folds behind "Menu": open it (and check the
    open state); without JavaScript every link is already shown."""
    menu = page.get_by_role("button", name="Menu")
    if menu.count() and menu.is_visible():
        menu.click()
        assert menu.get_attribute("aria-expanded") == "true"
        check_page(page, "menu open")
