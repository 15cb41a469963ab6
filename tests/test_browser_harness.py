"""The browser harness catches what it is there to catch: a page state with an axe violation, sideways
scrolling at 320 px, a CSP refusal or a broken script fails `check_page`, JavaScript on and off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Route

from tests.real_browser import check_page

GOOD = ("<!doctype html><html lang='en'><head><title>Fine</title></head><body><main><h1>Fine</h1>"
        "<p>All well.</p></main></body></html>")
BAD = {
    "image without alt text": "<img src='data:,'>",
    "field without a label": "<input name='q'>",
    "wider than 320 px": "<div style='width:600px'>wide</div>",
    "low contrast": "<p style='color:#bbb;background:#fff'>faint</p>",
}


def serve(page, html: str, csp: str = "") -> None:  # type: ignore[no-untyped-def]
    headers = {"Content-Security-Policy": csp} if csp else {}

    def answer(route: Route) -> None:
        route.fulfill(status=200, body=html, content_type="text/html", headers=headers)

    page.route("http://harness.test/", answer)
    page.goto("http://harness.test/")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_good_page_passes(chromium, js: bool) -> None:  # type: ignore[no-untyped-def]
    with chromium.page(js=js) as page:
        serve(page, GOOD)
        check_page(page, "good")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("fault", sorted(BAD))
def test_a_bad_page_fails(chromium, js: bool, fault: str) -> None:  # type: ignore[no-untyped-def]
    with chromium.page(js=js) as page:
        serve(page, GOOD.replace("<p>All well.</p>", BAD[fault]))
        with pytest.raises(AssertionError):
            check_page(page, fault)


def test_a_script_the_csp_refuses_fails(chromium) -> None:  # type: ignore[no-untyped-def]
    with chromium.page(js=True) as page:
        serve(page, GOOD.replace("</main>", "</main><script>document.title = 'ran'</script>"),
              csp="script-src 'none'")
        with pytest.raises(AssertionError, match="Content Security Policy"):
            check_page(page, "refused script")


def test_a_script_error_fails(chromium) -> None:  # type: ignore[no-untyped-def]
    with chromium.page(js=True) as page:
        serve(page, GOOD.replace("</main>", "</main><script>undefinedFunction()</script>"))
        with pytest.raises(AssertionError, match="script error"):
            check_page(page, "broken script")
