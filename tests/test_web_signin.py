"""Signing in to the website with Microsoft, over real HTTP against the fake Microsoft of
tests/fake_microsoft_login.py (msal does the real redemption): the session starts, `next` is followed
only to a path on this site, the browser binding, tenant and directory checks of chat linking apply, no
session fixation, and re-authentication for staff sends them through Microsoft again."""

from __future__ import annotations

import html
import re
import ssl
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select
from yarl import URL

from adapters.web.site_kit import reauthenticate, recent_sign_in, render, staff_page
from adapters.web.web_signin import safe_next
from directory.clock import FakeClock
from directory.models import AuditEvent
from tests.browser import Browser
from tests.fake_microsoft_login import ALLOWED_TENANT, CLIENT_ID, CLIENT_SECRET, FakeMicrosoftLogin, Person
from tests.web_helpers import (
    Site,
    add_leader,
    put_cookie,
    session_cookie,
    sessions_of,
    sign_in,
    start_site,
    stop_site,
)

KIM = "kim.chen@manchester.gov.uk"
RECENT = timedelta(minutes=15)


@staff_page
async def approve_page(request: web.Request) -> web.Response:
    if not recent_sign_in(request, RECENT):
        reauthenticate(request)
    return render(request, "message.html", {"title": "Approve content", "paragraphs": []})


def mount(app: web.Application) -> None:
    app.router.add_get("/staff/content/7/approve", approve_page)


@pytest.fixture
def login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMicrosoftLogin]:
    fake = FakeMicrosoftLogin(tmp_path).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.cert_path)  # msal (requests) trusts the fake's certificate
    yield fake
    fake.stop()


@pytest.fixture
async def site(database_url: str, login: FakeMicrosoftLogin) -> AsyncIterator[Site]:
    running = await start_site(database_url, mount=mount, microsoft_app_id=CLIENT_ID,
                               microsoft_app_password=CLIENT_SECRET, allowed_tenants=ALLOWED_TENANT,
                               microsoft_app_tenant_id=ALLOWED_TENANT, microsoft_authority=login.authority)
    yield running
    await stop_site(running)


async def start(site: Site, browser: Browser, next_path: str = "/", again: bool = False) -> str:
    """Open /sign-in and press Continue: returns Microsoft's authorize URL."""
    query = {"next": next_path, **({"again": "1"} if again else {})}
    status, page, _ = await browser.get(str(URL(site.url + "/sign-in").with_query(query)))
    assert status == 200 and "Continue to Microsoft" in page, page
    fields = {n: html.unescape(v) for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page)}
    status, _, location = await browser.post(site.url + "/sign-in", fields)
    assert status == 303, (status, location)
    assert location.startswith(site.services.settings.microsoft_authority)
    return location


async def at_microsoft(browser: Browser, login: FakeMicrosoftLogin, authorize_url: str) -> dict[str, str]:
    trusted = ssl.create_default_context(cafile=login.cert_path)
    status, page, _ = await browser.get(authorize_url, ssl=trusted)
    assert status == 200
    return {name: html.unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page)}


async def finish(site: Site, browser: Browser, login: FakeMicrosoftLogin, form: dict[str, str]
                 ) -> tuple[int, str, str]:
    """Microsoft's page posts the answer back: a cross-site POST from the login origin."""
    return await browser.post(site.url + "/auth/microsoft/callback", form, from_site=login.server.url)


async def sign_in_with_microsoft(site: Site, browser: Browser, login: FakeMicrosoftLogin,
                                 next_path: str = "/", again: bool = False) -> tuple[int, str, str]:
    authorize = await start(site, browser, next_path, again)
    return await finish(site, browser, login, await at_microsoft(browser, login, authorize))


async def greeting(site: Site, browser: Browser) -> str:
    _, page, _ = await browser.get(site.url + "/")
    return page.split("Welcome, ", 1)[1].split("<", 1)[0].strip() if "Welcome, " in page else ""


async def test_a_leader_signs_in_with_microsoft_and_goes_where_they_were_going(
        site: Site, login: FakeMicrosoftLogin) -> None:
    kim = add_leader(site.db, "Kim Chen", KIM)
    login.person = Person(KIM, oid="oid-kim")
    browser = site.browser()
    status, _, location = await sign_in_with_microsoft(site, browser, login, "/profile?tab=visibility")
    assert (status, location) == (303, "/profile?tab=visibility")
    assert await greeting(site, browser) == "Kim Chen" and sessions_of(site.db, kim) == 1
    assert login.authorize_requests[0]["prompt"] == "select_account"
    assert not {n for n in browser.cookie_names() if n.startswith("__Host-leaders-signin-")}  # binding gone
    with site.db.session(commit=False) as session:
        actions = list(session.scalars(select(AuditEvent.action)))
    assert "web.signed_in" in actions


async def test_the_sign_in_page_lets_its_form_redirect_to_microsoft(site: Site) -> None:
    browser = site.browser()
    async with browser.session.get(site.url + "/sign-in") as answer:
        csp = answer.headers["Content-Security-Policy"]
    authority = "/".join(site.services.settings.microsoft_authority.split("/", 3)[:3])
    assert f"form-action 'self' {authority}" in csp


@pytest.mark.parametrize("hostile", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "javascript:alert(1)", "http:evil.example", " /x", "/\r\nSet-Cookie:x=1", "evil.example",
    "/sign-out", "/sign-in?next=//evil.example",
])
def test_next_is_only_ever_a_local_path(hostile: str) -> None:
    assert safe_next(hostile) == "/"


def test_next_keeps_an_honest_path() -> None:
    assert safe_next("/people/12?from=find") == "/people/12?from=find"
    assert safe_next(None) == safe_next("") == "/"


async def test_an_open_redirect_through_sign_in_is_refused(site: Site, login: FakeMicrosoftLogin) -> None:
    add_leader(site.db, "Kim Chen", KIM)
    login.person = Person(KIM, oid="oid-kim")
    browser = site.browser()
    status, _, location = await sign_in_with_microsoft(site, browser, login, "//evil.example/path")
    assert (status, location) == (303, "/")
    # Posting a hostile next straight to /sign-in (not through the page) is refused the same way.
    browser = site.browser()
    status, _, authorize = await browser.post(site.url + "/sign-in", {"next": "https://evil.example/"})
    assert status == 303
    status, _, location = await finish(site, browser, login, await at_microsoft(browser, login, authorize))
    assert location == "/"


async def test_a_cookie_planted_before_microsoft_sign_in_is_not_the_session_after(
        site: Site, login: FakeMicrosoftLogin) -> None:
    add_leader(site.db, "Kim Chen", KIM)
    login.person = Person(KIM, oid="oid-kim")
    browser = site.browser()
    planted = "planted-by-someone-else-0123456789abcdefghijklm"
    put_cookie(site, browser, planted)
    await sign_in_with_microsoft(site, browser, login)
    assert session_cookie(browser) not in ("", planted) and await greeting(site, browser) == "Kim Chen"
    other = site.browser()
    put_cookie(site, other, planted)
    assert await greeting(site, other) == ""


async def test_signing_in_again_deletes_the_session_it_replaces(site: Site,
                                                                 login: FakeMicrosoftLogin) -> None:
    """Microsoft's answer is a cross-site POST, which carries no Lax cookie: the old session's hash went
    with the flow, so it is deleted all the same."""
    kim = add_leader(site.db, "Kim Chen", KIM)
    login.person = Person(KIM, oid="oid-kim")
    browser = site.browser()
    sign_in(site, browser, kim)
    old = session_cookie(browser)
    await sign_in_with_microsoft(site, browser, login, again=True)
    assert session_cookie(browser) != old and sessions_of(site.db, kim) == 1


async def test_someone_not_in_the_directory_gets_no_session(site: Site, login: FakeMicrosoftLogin) -> None:
    login.person = Person("nobody@manchester.gov.uk", oid="oid-nobody")
    browser = site.browser()
    status, page, _ = await sign_in_with_microsoft(site, browser, login)
    assert status == 400 and "not in the Leaders Connect directory" in html.unescape(page)
    assert "You are not signed in" in page and "/sign-in" in page and "Nothing was linked" not in page
    assert session_cookie(browser) == ""


async def test_another_tenant_gets_no_session(site: Site, login: FakeMicrosoftLogin) -> None:
    add_leader(site.db, "Kim Chen", KIM)
    login.person = Person(KIM, oid="oid-kim", tid="11111111-2222-3333-4444-555555555555")
    browser = site.browser()
    status, page, _ = await sign_in_with_microsoft(site, browser, login)
    assert status == 400 and "not one Leaders Connect accepts" in html.unescape(page)
    assert session_cookie(browser) == ""


async def test_a_second_microsoft_account_for_a_profile_is_refused(site: Site,
                                                                   login: FakeMicrosoftLogin) -> None:
    kim = add_leader(site.db, "Kim Chen", KIM)
    login.person = Person(KIM, oid="oid-kim")
    await sign_in_with_microsoft(site, site.browser(), login)
    login.person = Person(KIM, oid="oid-impostor")
    browser = site.browser()
    status, page, _ = await sign_in_with_microsoft(site, browser, login)
    assert status == 400 and "different Microsoft account" in html.unescape(page)
    assert session_cookie(browser) == "" and sessions_of(site.db, kim) == 1


async def test_a_sign_in_finished_in_another_browser_signs_nobody_in(site: Site,
                                                                     login: FakeMicrosoftLogin) -> None:
    add_leader(site.db, "Kim Chen", KIM)
    login.person = Person(KIM, oid="oid-kim")
    mallory, kim = site.browser(), site.browser()
    authorize = await start(site, mallory, "/")
    answer = await at_microsoft(kim, login, authorize)  # Mallory hands Kim the Microsoft page
    status, _, _ = await finish(site, kim, login, answer)
    assert status == 400 and session_cookie(kim) == "" and session_cookie(mallory) == ""


async def test_staff_are_sent_through_microsoft_again_when_their_sign_in_is_stale(
        site: Site, login: FakeMicrosoftLogin, clock: FakeClock) -> None:
    sam = add_leader(site.db, "Sam Staff", "sam@manchester.gov.uk", staff=True)
    login.person = Person("sam@manchester.gov.uk", oid="oid-sam")
    browser = site.browser()
    sign_in(site, browser, sam, method="chat")  # from a chat link: never counts as a fresh sign-in
    status, _, location = await browser.get(site.url + "/staff/content/7/approve")
    assert status == 303 and URL(location).path == "/sign-in"
    assert URL(location).query["next"] == "/staff/content/7/approve" and URL(location).query["again"] == "1"
    _, page, _ = await browser.get(site.url + location)
    assert "Sign in again" in page and "password" in page
    status, _, back = await sign_in_with_microsoft(site, browser, login, URL(location).query["next"],
                                                   again=True)
    assert (status, back) == (303, "/staff/content/7/approve")
    assert login.authorize_requests[-1]["prompt"] == "login"
    status, page, _ = await browser.get(site.url + back)
    assert status == 200 and "Approve content" in page
    clock.advance(RECENT + timedelta(minutes=1))
    status, _, location = await browser.get(site.url + back)
    assert status == 303 and "again=1" in location


async def test_when_microsoft_is_not_configured_the_page_says_use_the_bot(database_url: str) -> None:
    bare = await start_site(database_url)
    try:
        browser = bare.browser()
        status, page, _ = await browser.get(bare.url + "/sign-in")
        assert status == 200 and "not set up" in page and "<code>web</code>" in page
        status, _, _ = await browser.post(bare.url + "/sign-in", {"next": "/"})
        assert status == 404
    finally:
        await stop_site(bare)


