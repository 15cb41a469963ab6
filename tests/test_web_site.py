"""The website's foundation over real HTTP (issue 17): the layout, CSP with a fresh nonce on every
response, security headers, HTML error pages, the public pages, and hostile text escaped."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from adapters.web.static_files import asset_url, manifest
from tests.web_helpers import Site, add_leader, script_nonces, sign_in, start_site, stop_site


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    running = await start_site(database_url)
    yield running
    await stop_site(running)


async def test_the_home_page_signed_out_explains_and_offers_sign_in(site: Site) -> None:
    status, page, _ = await site.browser().get(site.url + "/")
    assert status == 200
    assert "<title>Leaders Connect – Leaders Connect</title>" in page or "Leaders Connect" in page
    assert 'href="/sign-in"' in page and "verified directory" in page
    assert 'href="#main-content"' in page  # the skip link
    for footer in ("/accessibility", "/cookies", "/privacy", "/terms"):
        assert f'href="{footer}"' in page
    assert "govuk-header__crown" not in page and "govuk-logo" not in page  # the Generic header, no crown
    assert 'href="/find"' not in page  # no sections while signed out


async def test_signed_in_the_home_page_searches_and_links_the_sections(site: Site) -> None:
    aine = add_leader(site.db, "Aine Byrne", "aine@example.gov.uk")
    browser = site.browser()
    sign_in(site, browser, aine)
    status, page, _ = await browser.get(site.url + "/")
    assert status == 200 and "Welcome, Aine Byrne" in page
    assert re.search(r'<form method="get" action="/find"', page) and 'name="q"' in page
    for path in ("/find", "/profile", "/intros", "/polls", "/library", "/settings"):
        assert f'href="{path}"' in page
    assert 'href="/staff"' not in page  # the Staff console is for staff
    assert 'action="/sign-out"' in page


async def test_staff_see_the_staff_console_in_the_navigation(site: Site) -> None:
    sam = add_leader(site.db, "Sam Staff", "sam@example.gov.uk", staff=True)
    browser = site.browser()
    sign_in(site, browser, sam)
    _, page, _ = await browser.get(site.url + "/")
    assert 'href="/staff"' in page


async def test_every_response_has_a_fresh_nonce_and_every_script_carries_it(site: Site) -> None:
    browser = site.browser()
    seen = set()
    for path in ("/", "/", "/accessibility", "/cookies", "/privacy", "/terms", "/sign-in", "/nowhere"):
        async with browser.session.get(site.url + path) as answer:
            page = await answer.text()
            csp = answer.headers["Content-Security-Policy"]
        nonce = re.search(r"script-src 'nonce-([^']+)' 'self'", csp)
        assert nonce is not None, csp
        assert nonce.group(1) not in seen
        seen.add(nonce.group(1))
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert len(scripts) >= 2  # govuk-frontend-supported, and initAll
        assert script_nonces(page) == [nonce.group(1)] * len(scripts)
        for directive in ("default-src 'self'", "style-src 'self'", "img-src 'self' data:",
                          "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
                          "object-src 'none'"):
            assert directive in csp
        assert 'style="' not in page  # style-src 'self': no inline styles


async def test_govuk_frontend_is_initialised_from_a_module_script(site: Site) -> None:
    _, page, _ = await site.browser().get(site.url + "/")
    assert "govuk-frontend-supported" in page
    module = re.search(r'<script type="module" nonce="[^"]+">\s*import \{ initAll \} from "([^"]+)";'
                       r"\s*initAll\(\);", page)
    assert module is not None and module.group(1) == asset_url("govuk-frontend.min.js")
    assert f'href="{asset_url("leaders.css")}"' in page


async def test_security_headers_on_site_pages(site: Site) -> None:
    browser = site.browser()
    async with browser.session.get(site.url + "/") as answer:
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert "no-store" not in answer.headers["Cache-Control"]
    sign_in(site, browser, add_leader(site.db, "Aine Byrne", "aine@example.gov.uk"))
    async with browser.session.get(site.url + "/") as answer:
        assert answer.headers["Cache-Control"] == "no-store"


async def test_static_files_are_served_by_hashed_name_with_a_long_cache(site: Site) -> None:
    browser = site.browser()
    for logical, hashed in manifest().items():
        async with browser.session.get(site.url + "/static/" + hashed) as answer:
            assert answer.status == 200, logical
            assert "immutable" in answer.headers["Cache-Control"] and "max-age=31536000" in answer.headers[
                "Cache-Control"]
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
    for missing in ("/static/manifest.json", "/static/build-stamp.json", "/static/..%2Fsite.py",
                    "/static/leaders.css"):
        async with browser.session.get(site.url + missing) as answer:
            assert answer.status == 404


async def test_site_paths_get_html_error_pages_and_api_paths_keep_json(site: Site) -> None:
    browser = site.browser()
    async with browser.session.get(site.url + "/no-such-page") as answer:
        assert answer.status == 404 and answer.content_type == "text/html"
        assert "Page not found" in await answer.text()
    async with browser.session.post(site.url + "/", headers={"Origin": site.url}) as answer:
        assert answer.status == 405 and answer.content_type == "text/html"
        assert "GET" in answer.headers["Allow"]
    async with browser.session.get(site.url + "/api/nothing") as answer:
        assert answer.status == 404 and answer.content_type == "application/json"


async def test_hostile_names_are_escaped(site: Site) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    leader = add_leader(site.db, hostile, "evil@example.gov.uk")
    browser = site.browser()
    sign_in(site, browser, leader)
    _, page, _ = await browser.get(site.url + "/")
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_the_cookies_page_lists_only_essential_cookies(site: Site) -> None:
    _, page, _ = await site.browser().get(site.url + "/cookies")
    text = page.replace("<wbr>", "")  # the cookie names may break there at 320 px
    assert "__Host-leaders_session" in text and "strictly necessary" in page
    assert "accept cookies" in page  # says why there is no banner


async def test_the_accessibility_statement_has_its_required_sections(site: Site) -> None:
    _, page, _ = await site.browser().get(site.url + "/accessibility")
    for heading in ("How accessible this website is", "Feedback and contact information",
                    "Enforcement procedure", "Compliance status",
                    "Preparation of this accessibility statement"):
        assert heading in page
