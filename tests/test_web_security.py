"""The website's guards over real HTTP (issue 17): CSRF token and origin checks on every POST, page
guards for leaders and staff, and per-route CSP overrides. Every refusal is a 403 page and changes
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from yarl import URL

from adapters.web.site_kit import allow_framing, leader_page, posted, posted_all, render, staff_page, viewer
from tests.web_helpers import Site, add_leader, csrf_in, sessions_of, sign_in, start_site, stop_site

RECORDED: web.AppKey[list[str]] = web.AppKey("recorded", list)
SECRET_TITLE = "Poll 7: restructuring the Northern region"


@staff_page
async def staff_secret(request: web.Request) -> web.Response:
    return render(request, "message.html", {"title": SECRET_TITLE, "paragraphs": ["only staff"]})


@leader_page
async def leader_only(request: web.Request) -> web.Response:
    who = viewer(request)
    return render(request, "message.html", {"title": "For leaders",
                                            "paragraphs": [who.full_name if who else ""]})


@leader_page
async def record(request: web.Request) -> web.Response:
    """A state-changing form: writes one audit line with what was posted."""
    form = await posted(request)
    request.app[RECORDED].append(form.get("text", ""))
    raise web.HTTPSeeOther("/")


async def framed(request: web.Request) -> web.Response:
    allow_framing(request, "https://teams.microsoft.com")
    return render(request, "message.html", {"title": "Framed", "paragraphs": []})


@leader_page
async def record_all(request: web.Request) -> web.Response:
    form = await posted_all(request)
    request.app[RECORDED].extend(form.get("pick", []))
    raise web.HTTPSeeOther("/")


async def broken(request: web.Request) -> web.Response:
    raise RuntimeError("secret internals: /srv/leaders/db password=hunter2")


def mount(app: web.Application) -> None:
    app.router.add_get("/broken", broken)
    app.router.add_post("/record-all", record_all)
    app[RECORDED] = []
    app.router.add_get("/staff/secret/{id}", staff_secret)
    app.router.add_get("/for-leaders", leader_only)
    app.router.add_post("/record", record)
    app.router.add_get("/framed", framed)


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    running = await start_site(database_url, mount=mount)
    yield running
    await stop_site(running)


def posted_lines(site: Site) -> int:
    return len(site.runner.app[RECORDED])


async def test_a_form_with_the_right_token_from_our_origin_is_accepted(site: Site) -> None:
    browser = site.browser()
    csrf = sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    status, _, location = await browser.post(site.url + "/record", {"csrf_token": csrf, "text": "hello"})
    assert (status, location) == (303, "/") and posted_lines(site) == 1


@pytest.mark.parametrize("token", ["", "wrong", None])
async def test_a_missing_or_wrong_csrf_token_is_refused_and_nothing_changes(site: Site,
                                                                            token: str | None) -> None:
    browser = site.browser()
    sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    form = {"text": "hello"} if token is None else {"csrf_token": token, "text": "hello"}
    status, page, _ = await browser.post(site.url + "/record", form)
    assert status == 403 and "This form has expired" in page and "Nothing was changed" in page
    assert posted_lines(site) == 0


async def test_another_leaders_token_is_refused(site: Site) -> None:
    aine, bob = site.browser(), site.browser()
    sign_in(site, aine, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    bobs = sign_in(site, bob, add_leader(site.db, "Bob Bell", "bob@example.gov.uk"))
    status, _, _ = await aine.post(site.url + "/record", {"csrf_token": bobs})
    assert status == 403 and posted_lines(site) == 0


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # e.g. a sandboxed frame on another site
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
])
async def test_a_cross_origin_post_is_refused_even_with_the_token(site: Site,
                                                                  headers: dict[str, str]) -> None:
    browser = site.browser()
    csrf = sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    async with browser.session.post(site.url + "/record", data={"csrf_token": csrf}, headers=headers,
                                    allow_redirects=False) as answer:
        assert answer.status == 403 and "another website" in await answer.text()
    assert posted_lines(site) == 0


@pytest.mark.parametrize("headers", [{}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "null"}, {"Origin": "null", "Sec-Fetch-Site": "same-site"}])
async def test_without_origin_only_a_same_origin_fetch_is_accepted(site: Site,
                                                                   headers: dict[str, str]) -> None:
    """`Origin: null` names no origin: a browser sends it from a no-referrer page (the one-time link's,
    tests/test_browser_pages.py), so Sec-Fetch-Site decides, as when there is no Origin at all."""
    browser = site.browser()
    csrf = sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    async with browser.session.post(site.url + "/record", data={"csrf_token": csrf}, headers=headers,
                                    allow_redirects=False) as answer:
        assert answer.status == 403
    async with browser.session.post(site.url + "/record", data={"csrf_token": csrf},
                                    headers={"Sec-Fetch-Site": "same-origin"},
                                    allow_redirects=False) as answer:
        assert answer.status == 303
    async with browser.session.post(site.url + "/record", data={"csrf_token": csrf},
                                    headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
                                    allow_redirects=False) as answer:
        assert answer.status == 303
    assert posted_lines(site) == 2


async def test_the_same_site_sibling_origin_is_refused(site: Site) -> None:
    browser = site.browser()
    csrf = sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    sibling = site.url.replace("127.0.0.1", "localhost")
    status, _, _ = await browser.post(site.url + "/record", {"csrf_token": csrf}, headers={"Origin": sibling})
    assert status == 403 and posted_lines(site) == 0


async def test_sign_out_needs_the_token_too(site: Site) -> None:
    browser = site.browser()
    aine = add_leader(site.db, "Aine Byrne", "aine@example.gov.uk")
    csrf = sign_in(site, browser, aine)
    status, _, _ = await browser.post(site.url + "/sign-out", {})
    assert status == 403 and sessions_of(site.db, aine) == 1  # another site cannot sign you out
    status, _, _ = await browser.post(site.url + "/sign-out", {"csrf_token": csrf},
                                      from_site="https://evil.example")
    assert status == 403 and sessions_of(site.db, aine) == 1


async def test_a_form_that_is_not_urlencoded_is_a_400_page(site: Site) -> None:
    browser = site.browser()
    csrf = sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    async with browser.session.post(site.url + "/record", json={"csrf_token": csrf},
                                    headers={"Origin": site.url}, allow_redirects=False) as answer:
        assert answer.status == 400 and answer.content_type == "text/html"
    assert posted_lines(site) == 0


async def test_the_page_forms_carry_the_sessions_token(site: Site) -> None:
    browser = site.browser()
    csrf = sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    _, page, _ = await browser.get(site.url + "/")
    assert csrf_in(page) == csrf


async def test_signed_out_a_leader_page_sends_you_to_sign_in_and_back(site: Site) -> None:
    status, _, location = await site.browser().get(site.url + "/for-leaders?x=1&y=a%26b")
    assert status == 303 and URL(location).path == "/sign-in"
    assert URL(location).query["next"] == "/for-leaders?x=1&y=a%26b"


async def test_a_non_staff_leader_gets_a_403_that_reveals_nothing(site: Site) -> None:
    browser = site.browser()
    sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    real = await browser.get(site.url + "/staff/secret/7")
    missing = await browser.get(site.url + "/staff/secret/999")
    assert real[0] == missing[0] == 403
    assert "Poll 7" not in real[1] and "only staff" not in real[1]
    # The same page whether or not the id exists (apart from the per-response nonce and token).
    import re

    def strip(page: str) -> str:
        return re.sub(r'nonce="[^"]+"', "", page)

    assert strip(real[1]) == strip(missing[1])
    staff = site.browser()
    sign_in(site, staff, add_leader(site.db, "Sam Staff", "sam@example.gov.uk", staff=True))
    status, page, _ = await staff.get(site.url + "/staff/secret/7")
    assert status == 200 and SECRET_TITLE in page


async def test_signed_out_a_staff_page_sends_you_to_sign_in(site: Site) -> None:
    status, page, location = await site.browser().get(site.url + "/staff/secret/7")
    assert status == 303 and location.startswith("/sign-in?next=") and SECRET_TITLE not in page


async def test_a_route_may_allow_framing_and_only_that_route(site: Site) -> None:
    browser = site.browser()
    async with browser.session.get(site.url + "/framed") as answer:
        assert "frame-ancestors https://teams.microsoft.com" in answer.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in answer.headers
    async with browser.session.get(site.url + "/") as answer:
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"


async def test_an_unexpected_failure_is_an_html_500_without_details(site: Site) -> None:
    async with site.browser().session.get(site.url + "/broken") as answer:
        page = await answer.text()
        assert answer.status == 500 and answer.content_type == "text/html"
        assert "problem with the service" in page and "hunter2" not in page and "RuntimeError" not in page
        assert "Content-Security-Policy" in answer.headers


async def test_an_oversized_form_is_a_413_page_and_nothing_changes(site: Site) -> None:
    browser = site.browser()
    csrf = sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    status, page, _ = await browser.post(site.url + "/record", {"csrf_token": csrf, "text": "x" * 70_000})
    assert status == 413 and "too long" in page and posted_lines(site) == 0


async def test_posted_all_keeps_every_value_and_checks_the_same(site: Site) -> None:
    browser = site.browser()
    csrf = sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    async with browser.session.post(site.url + "/record-all", data=[("pick", "a"), ("pick", "b")],
                                    headers={"Origin": site.url}, allow_redirects=False) as answer:
        assert answer.status == 403  # no token
    async with browser.session.post(site.url + "/record-all", data=[("csrf_token", csrf), ("pick", "a"),
                                                                    ("pick", "b")],
                                    headers={"Origin": site.url}, allow_redirects=False) as answer:
        assert answer.status == 303
    assert site.runner.app[RECORDED] == ["a", "b"]
