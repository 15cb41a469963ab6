"""Browser tests in real Chromium: the live site on loopback, and the checks every page state must pass.

Debian's Chromium (`/usr/bin/chromium`) is driven by Playwright for Python through its executable path —
no browser download. axe-core comes from `tests/browser_tools/` (`npm ci` there, pinned by its lock file);
neither is optional: without them these tests fail and say how to install them, rather than skip.

    def test_find_page(live_site, chromium):                     # fixtures: tests/real_browser_fixtures.py
        kim = add_leader(live_site.db, "Kim Lee", "kim.lee@nhs.net")
        for js in (True, False):
            with chromium.page(live_site, js=js) as page:
                sign_in_from_chat(live_site, page, "kim.lee@nhs.net")
                page.goto(live_site.url + "/find?q=nurse")
                check_page(page, "search results")               # axe, 320 px, no CSP or script errors

`check_page` runs on the page as it is now, so call it after each state change (a form with errors, an
open menu). With JavaScript off, axe still needs a script engine: the page's HTML as served is loaded
into a scripting page under the same URL with its own scripts removed and its <noscript> shown — what a
browser without JavaScript renders — and axe runs there.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Response, Route

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).with_name("browser_tools") / "node_modules" / "axe-core" / "axe.min.js"
# The flags the tests run Chromium with: no sandbox (containers run as root), no GPU, nothing phoning
# home (QUIC, background networking, component updates, sync), no first-run pages. Playwright starts
# each browser with a fresh temporary user-data directory and deletes it on close.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
NARROWEST = 320  # CSS px: WCAG 2.2 reflow (1.4.10) — 1280 px at 400 % zoom — with no sideways scrolling
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Best-practice rules we accept failing, each with its reason. WCAG A/AA rules have no exceptions.
ACCEPTED_BEST_PRACTICE: dict[str, str] = {}
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_NOSCRIPT = re.compile(r"</?noscript\b[^>]*>", re.IGNORECASE)


def require_tools() -> str:
    """axe-core's source; a clear failure (never a skip) when Chromium or axe-core is missing."""
    if not CHROMIUM.exists():
        raise RuntimeError("Chromium is not installed at /usr/bin/chromium: `apt-get install -y chromium` "
                           "(README, 'Test it')")
    if not AXE.exists():
        raise RuntimeError("axe-core is not installed for the browser tests: "
                           "`npm ci --prefix tests/browser_tools` (README, 'Test it')")
    return AXE.read_text("utf-8")


@dataclass
class LiveSite:
    """The real aiohttp app (adapters.server.build_app) on 127.0.0.1 in a thread of its own, so that
    Playwright's synchronous API can drive a browser against it from the test."""

    url: str
    services: Any
    runner: web.AppRunner
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread

    @property
    def db(self) -> Any:
        return self.services.database

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.services.database.dispose()


def start_live_site(database_url: str, **settings: Any) -> LiveSite:
    """Bind a loopback port first (so the URL is known before the settings are), then serve on it."""
    from adapters.bootstrap import build_services
    from adapters.server import build_app
    from directory.settings import Settings

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    services = build_services(Settings(database_url=database_url, public_url=url, _env_file=None,
                                       **settings))  # type: ignore[call-arg]
    app = build_app(services)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, listener).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True, name="live-site")
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("the live site did not start")
    return LiveSite(url, services, runner, loop, thread)


@dataclass
class PageProblems:
    """What a page said went wrong while it ran: CSP refusals, script errors, failed requests."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            # Chrome logs every 4xx/5xx load as an error; responses are checked below, where a page's
            # own status (a 404 page is meant to be one) is told apart from a broken script or stylesheet.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                self.messages.append(f"console: {message.text}")

        def on_response(response: Response) -> None:
            if response.status >= 400 and response.request.resource_type != "document":
                self.messages.append(f"{response.status} for {response.request.resource_type} {response.url}")

        page.on("console", on_console)
        page.on("response", on_response)
        page.on("requestfailed", lambda request: self.messages.append(f"failed: {request.url}"))
        page.on("pageerror", lambda error: self.messages.append(f"script error: {error}"))


@dataclass(frozen=True)
class Opened:
    """What the harness knows about a page it opened."""

    chromium: Chromium
    problems: PageProblems
    js: bool


_OPENED: weakref.WeakKeyDictionary[Page, Opened] = weakref.WeakKeyDictionary()


class Chromium:
    """One Chromium (per test module); each `page()` is a fresh context (its own cookie jar)."""

    def __init__(self, playwright: Playwright) -> None:
        self.axe_source = require_tools()
        self.browser: Browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                           args=list(FLAGS))

    def close(self) -> None:
        self.browser.close()

    @contextmanager
    def context(self, *, js: bool = True, width: int = NARROWEST) -> Iterator[BrowserContext]:
        context = self.browser.new_context(java_script_enabled=js, viewport={"width": width, "height": 800},
                                           locale="en-GB")
        context.set_default_timeout(10_000)
        try:
            yield context
        finally:
            context.close()

    @contextmanager
    def page(self, *, js: bool = True, width: int = NARROWEST) -> Iterator[Page]:
        with self.context(js=js, width=width) as context:
            yield self.watch(context.new_page(), js)

    def watch(self, page: Page, js: bool = True) -> Page:
        """Record the page's problems and let `check_page` check it (pop-ups: call this on them)."""
        problems = PageProblems()
        problems.watch(page)
        _OPENED[page] = Opened(self, problems, js)
        return page


def check_page(page: Page, state: str, *, width: int = NARROWEST) -> None:
    """Every page state: zero axe WCAG 2.2 A/AA violations (best practice too, bar the named exceptions),
    no sideways scrolling at 320 CSS px, and no CSP refusal or script error so far."""
    opened = _OPENED[page]
    assert not opened.problems.messages, f"{state}: the page reported problems: {opened.problems.messages}"
    no_sideways_scroll(page, state)
    if opened.js:
        violations = run_axe(page, opened.chromium.axe_source)
    else:
        violations = axe_as_served(page, opened, width)
    unaccepted = [v for v in violations if v["id"] not in ACCEPTED_BEST_PRACTICE
                  or set(v["tags"]) & set(WCAG_TAGS)]
    assert not unaccepted, f"{state}: axe found {describe(unaccepted)}"


def no_sideways_scroll(page: Page, state: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{state}: scrolls sideways ({widths[0]} px of content in {widths[1]} px)"


def run_axe(page: Page, source: str) -> list[dict[str, Any]]:
    """axe-core on the page as it is now (injected through DevTools, so the page's CSP does not apply)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(source + "\n;0")
    result = page.evaluate("""tags => axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"]
    }).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, tags: v.tags,
        nodes: v.nodes.slice(0, 5).map(n => ({target: n.target, html: n.html.slice(0, 200),
                                              summary: n.failureSummary}))})))""",
                           [*WCAG_TAGS, "best-practice"])
    return list(result)


def axe_as_served(page: Page, opened: Opened, width: int) -> list[dict[str, Any]]:
    """axe for a page seen without JavaScript: its HTML (as this browser received it, scripts inert) in a
    scripting page at the same URL, with its scripts removed and <noscript> content shown."""
    html = page.content()
    inert = _NOSCRIPT.sub("", _SCRIPT.sub("", html))
    chromium = opened.chromium
    with chromium.context(js=True, width=width) as context:
        context.add_cookies(page.context.cookies())  # the same signed-in state for images and CSS
        copy = context.new_page()

        def serve_copy(route: Route) -> None:
            if route.request.url == page.url and route.request.resource_type == "document":
                route.fulfill(status=200, body=inert, content_type="text/html; charset=utf-8")
            else:
                route.continue_()

        copy.route("**/*", serve_copy)
        copy.goto(page.url)
        return run_axe(copy, chromium.axe_source)


def describe(violations: list[dict[str, Any]]) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}: {v['help']}) at "
                     + ", ".join(f"{n['target']} {n['html']!r}" for n in v["nodes"]) for v in violations)
