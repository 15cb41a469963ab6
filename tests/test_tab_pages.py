"""The Teams personal tab over real HTTP: `/tab`, SSO at `/tab/session`, the pop-up fallback, framing.

Kim opens the tab; its script posts the token Teams gave it. A token Microsoft's (local) keys vouch for,
for our app and an admitted tenant, whose Teams account is linked to Kim — or whose sign-in name the
tenant may vouch for — starts a tab session as Kim (a partitioned `SameSite=None` cookie), and the site's
pages then let Teams frame them. Every forged, misdirected or unknown token starts nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from adapters.web.session_cookie import COOKIE
from adapters.web.tab import TEAMS_HOSTS
from directory.accounts import ChatIdentity, resolve
from directory.clock import FakeClock
from directory.models import AuditEvent, ChatAccount, WebSession
from tests.browser import Browser
from tests.fake_entra import KIM, KIM_OID, OTHER_TENANT, FakeEntra, tab_settings
from tests.fakes_teams import TENANT
from tests.web_helpers import Site, add_leader, csrf_in, sessions_of, sign_in, start_site, stop_site


@pytest.fixture
async def site(database_url: str, clock: FakeClock, entra: FakeEntra) -> AsyncIterator[Site]:
    running = await start_site(database_url, **tab_settings(entra))
    yield running
    await stop_site(running)


def link_teams_account(site: Site, email: str, oid: str, tenant: str = TENANT) -> None:
    """Kim has talked to the bot in Teams: her (tenant, object id) account is linked, as the bot links it."""
    with site.db.session() as session:
        assert resolve(session, ChatIdentity("teams", tenant, oid, email=email)) is not None


async def post_token(site: Site, browser: Browser, token: str, **extra: str) -> tuple[int, dict, list[str]]:
    async with browser.session.post(site.url + "/tab/session", data={"token": token, **extra},
                                    headers={"Origin": site.url, "Accept": "application/json"},
                                    allow_redirects=False) as answer:
        body = await answer.json(content_type=None) if answer.content_type == "application/json" else {}
        return answer.status, body, answer.headers.getall("Set-Cookie", [])


def all_sessions(site: Site) -> int:
    with site.db.session(commit=False) as session:
        return int(session.scalar(select(func.count()).select_from(WebSession)) or 0)


async def greeting(site: Site, browser: Browser) -> str:
    _, page, _ = await browser.get(site.url + "/")
    return page.split("Welcome, ", 1)[1].split("<", 1)[0].strip() if "Welcome, " in page else ""


async def test_a_good_token_starts_a_partitioned_tab_session_for_that_leader(site: Site,
                                                                             entra: FakeEntra) -> None:
    kim = add_leader(site.db, "Kim Lee", KIM)
    add_leader(site.db, "Ola Nowak", "ola.nowak@nhs.net")
    link_teams_account(site, KIM, KIM_OID)
    browser = site.browser()
    status, body, cookies = await post_token(site, browser, entra.mint(KIM_OID, KIM), next="/find?q=nurse")
    assert status == 200 and body == {"next": "/find?q=nurse"}
    (cookie,) = [c for c in cookies if c.startswith(COOKIE + "=")]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "partitioned", "path"} <= attributes and "samesite=none" in cookie.lower()
    assert sessions_of(site.db, kim) == 1 and all_sessions(site) == 1
    with site.db.session(commit=False) as session:
        row = session.scalar(select(WebSession))
        assert row is not None and row.in_tab and row.method == "tab"
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "web.signed_in")) is not None


async def test_the_tab_sessions_pages_may_be_framed_by_teams_and_no_one_else(site: Site) -> None:
    kim = add_leader(site.db, "Kim Lee", KIM)
    in_tab, plain = site.browser(), site.browser()
    sign_in(site, in_tab, kim, method="tab", in_tab=True)
    sign_in(site, plain, kim)
    async with in_tab.session.get(site.url + "/") as answer:
        assert f"frame-ancestors {TEAMS_HOSTS};" in answer.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in answer.headers
    async with plain.session.get(site.url + "/") as answer:
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"
    for host in ("https://teams.microsoft.com", "https://*.teams.microsoft.com", "https://*.cloud.microsoft",
                 "https://*.office.com", "https://*.microsoft365.com", "https://outlook.office.com"):
        assert host in TEAMS_HOSTS.split()


async def test_the_tab_page_loads_teams_js_from_our_own_static_files(site: Site) -> None:
    browser = site.browser()
    async with browser.session.get(site.url + "/tab") as answer:
        assert answer.status == 200
        csp = answer.headers["Content-Security-Policy"]
        page = await answer.text()
    assert f"frame-ancestors {TEAMS_HOSTS};" in csp and "X-Frame-Options" not in answer.headers
    assert "script-src 'nonce-" in csp and "'unsafe-inline'" not in csp
    assert '<script src="/static/microsoft-teams-' in page and '<script src="/static/tab-' in page
    assert "https://" not in "".join(line for line in page.splitlines() if "<script" in line)  # no CDN
    assert 'id="tab-no-script"' in page and 'id="tab-fallback" hidden' in page


@pytest.mark.parametrize("forgery", ["wrong_issuer", "wrong_audience", "expired", "other_tenant",
                                     "tampered", "alg_none", "other_key", "no_scope", "garbage"])
async def test_a_bad_token_is_refused_and_starts_no_session(site: Site, entra: FakeEntra, clock: FakeClock,
                                                             forgery: str) -> None:
    add_leader(site.db, "Kim Lee", KIM)
    link_teams_account(site, KIM, KIM_OID)
    link_teams_account(site, KIM, KIM_OID, tenant=OTHER_TENANT)  # linked there too: still not admitted
    tokens = {
        "wrong_issuer": lambda: entra.mint(KIM_OID, KIM, iss=f"https://sts.windows.net/{OTHER_TENANT}/"),
        "wrong_audience": lambda: entra.mint(KIM_OID, KIM, aud="api://someone-else.example/botid-x"),
        "expired": lambda: entra.mint(KIM_OID, KIM, exp=int(clock.now().timestamp()) - 3600),
        "other_tenant": lambda: entra.mint(KIM_OID, KIM, tid=OTHER_TENANT),
        "tampered": lambda: tamper(entra.mint("00000000-0000-4000-8000-000000000000", KIM),
                                   entra.mint(KIM_OID, KIM)),
        "alg_none": lambda: entra.unsigned(KIM_OID, KIM),
        "other_key": lambda: entra.mint(KIM_OID, KIM, key=entra.other_key),
        "no_scope": lambda: entra.mint(KIM_OID, KIM, scp=None),
        "garbage": lambda: "<script>alert(1)</script>",
    }
    browser = site.browser()
    status, body, cookies = await post_token(site, browser, tokens[forgery]())
    assert status == 401 and body["fallback"] is True and "Sign in with Microsoft" in body["message"]
    assert not [c for c in cookies if c.startswith(COOKIE + "=")] and all_sessions(site) == 0
    assert await greeting(site, browser) == ""


def tamper(victim_token: str, signed_token: str) -> str:
    """The claims of one token with the signature of another."""
    return ".".join((*victim_token.split(".")[:2], signed_token.split(".")[2]))


async def test_an_unknown_account_is_refused_and_offered_sign_in(site: Site, entra: FakeEntra) -> None:
    add_leader(site.db, "Kim Lee", KIM)
    browser = site.browser()
    stranger = entra.mint("77777777-0000-4000-8000-000000000000", "stranger@nhs.net")  # not in the directory
    status, body, _ = await post_token(site, browser, stranger)
    assert status == 403 and body["fallback"] is True and "not linked" in body["message"]
    assert all_sessions(site) == 0
    with site.db.session(commit=False) as session:
        refusal = session.scalar(select(AuditEvent).where(AuditEvent.action == "signin.refused"))
        assert refusal is not None and refusal.details["via"] == "teams_tab"
        assert "77777777" not in refusal.actor  # a hashed reference, never the object id


async def test_an_email_the_tenant_does_not_own_links_nobody(site: Site, entra: FakeEntra) -> None:
    """The token's sign-in name counts only where LEADERS_TENANT_DOMAINS says that tenant owns the domain."""
    add_leader(site.db, "Sam Okafor", "sam.okafor@cabinetoffice.gov.uk")
    token = entra.mint(KIM_OID, "sam.okafor@cabinetoffice.gov.uk")
    status, _, _ = await post_token(site, site.browser(), token)
    assert status == 403 and all_sessions(site) == 0


async def test_a_vouched_sign_in_name_links_the_teams_account_as_the_bot_would(site: Site,
                                                                                entra: FakeEntra) -> None:
    kim = add_leader(site.db, "Kim Lee", KIM)
    browser = site.browser()
    status, _, _ = await post_token(site, browser, entra.mint(KIM_OID, KIM.upper()))
    assert status == 200 and await greeting(site, browser) == "Kim Lee"
    with site.db.session(commit=False) as session:
        account = session.scalar(select(ChatAccount).where(ChatAccount.user_id == KIM_OID))
        assert account is not None and account.leader_id == kim and account.workspace_id == TENANT


async def test_an_account_its_leader_unlinked_stays_out(site: Site, entra: FakeEntra,
                                                        clock: FakeClock) -> None:
    add_leader(site.db, "Kim Lee", KIM)
    link_teams_account(site, KIM, KIM_OID)
    with site.db.session() as session:
        account = session.scalar(select(ChatAccount).where(ChatAccount.user_id == KIM_OID))
        assert account is not None
        account.revoked_at = clock.now()
    status, _, _ = await post_token(site, site.browser(), entra.mint(KIM_OID, KIM))
    assert status == 403 and all_sessions(site) == 0


async def test_a_cross_site_post_is_refused(site: Site, entra: FakeEntra) -> None:
    add_leader(site.db, "Kim Lee", KIM)
    link_teams_account(site, KIM, KIM_OID)
    browser = site.browser()
    status, _, _ = await browser.post(site.url + "/tab/session", {"token": entra.mint(KIM_OID, KIM)},
                                      from_site="https://evil.example")
    assert status == 403 and all_sessions(site) == 0


async def test_the_pop_up_signs_in_on_the_site_and_hands_a_one_time_code_to_the_tab(site: Site) -> None:
    kim = add_leader(site.db, "Kim Lee", KIM)
    pop_up, tab = site.browser(), site.browser()
    status, _, location = await pop_up.get(site.url + "/tab/auth/start")
    assert status == 303 and location == "/sign-in?next=/tab/auth/end"
    sign_in(site, pop_up, kim, method="microsoft")  # what Sign in with Microsoft then does
    status, _, location = await pop_up.get(site.url + "/tab/auth/start")
    assert (status, location) == (303, "/tab/auth/end")
    status, page, _ = await pop_up.get(site.url + "/tab/auth/end")
    assert status == 200
    code = page.split('data-code="', 1)[1].split('"', 1)[0]
    status, body, _ = await post_token(site, tab, "", code=code)
    assert status == 200 and body == {"next": "/"} and await greeting(site, tab) == "Kim Lee"
    with site.db.session(commit=False) as session:
        assert session.scalar(select(func.count()).select_from(WebSession)
                              .where(WebSession.in_tab.is_(True), WebSession.leader_id == kim)) == 1
    again, _, _ = await post_token(site, site.browser(), "", code=code)
    assert again == 400  # once only


async def test_signed_out_inside_the_teams_frame_goes_back_to_the_tab_not_to_microsoft(site: Site) -> None:
    """Microsoft's login refuses to be framed: a framed page that needs a sign-in goes to /tab, whose
    SSO is silent."""
    browser = site.browser()
    framed = {"Sec-Fetch-Dest": "iframe"}
    async with browser.session.get(site.url + "/tab/auth/end", headers=framed,
                                   allow_redirects=False) as answer:
        assert answer.status == 303 and answer.headers["Location"] == "/tab?next=/tab/auth/end"
        assert f"frame-ancestors {TEAMS_HOSTS}" in answer.headers["Content-Security-Policy"]
    async with browser.session.get(site.url + "/tab/auth/end", allow_redirects=False) as answer:
        assert answer.headers["Location"].startswith("/sign-in?next=")  # top level: the usual sign-in


async def test_a_tab_session_opening_the_tab_again_goes_straight_on(site: Site) -> None:
    kim = add_leader(site.db, "Kim Lee", KIM)
    browser = site.browser()
    sign_in(site, browser, kim, method="tab", in_tab=True)
    status, _, location = await browser.get(site.url + "/tab?next=/profile")
    assert (status, location) == (303, "/profile")
    status, page, _ = await browser.get(site.url + "/tab?next=/profile&again=1")  # re-authentication
    assert status == 200 and csrf_in(page)


async def test_without_an_app_registration_the_tab_says_it_is_not_set_up(database_url: str,
                                                                          clock: FakeClock) -> None:
    site = await start_site(database_url)
    try:
        browser = site.browser()
        status, page, _ = await browser.get(site.url + "/tab")
        assert status == 404 and "not set up" in page and "microsoft-teams-" not in page
        status, body, _ = await post_token(site, browser, "x")
        assert status == 404 and "not set up" in body["message"]
    finally:
        await stop_site(site)



async def test_unlinking_the_teams_account_ends_the_tab_session_it_started(site: Site,
                                                                          entra: FakeEntra) -> None:
    """Attack (review 17): a lost or compromised Teams account is unlinked — by its leader or by staff —
    but the tab session its token started stayed signed in for up to 12 hours. A session begun from a
    chat link ends with its account; one begun from a Teams token must too."""
    from directory.accounts import unlink
    from directory.models import Leader

    kim = add_leader(site.db, "Kim Lee", KIM)
    link_teams_account(site, KIM, KIM_OID)
    browser = site.browser()
    status, _, _ = await post_token(site, browser, entra.mint(KIM_OID, KIM))
    assert status == 200 and await greeting(site, browser) == "Kim Lee"
    with site.db.session() as session:
        account = session.scalar(select(ChatAccount).where(ChatAccount.user_id == KIM_OID))
        leader = session.get(Leader, kim)
        assert account is not None and leader is not None
        unlink(session, leader, account.id)
    assert await greeting(site, browser) == ""
    assert sessions_of(site.db, kim) == 0


@pytest.mark.parametrize("how", ["chat_link", "stale_microsoft"])
async def test_the_pop_up_hands_over_only_a_fresh_microsoft_sign_in(site: Site, clock: FakeClock,
                                                                    how: str) -> None:
    """Attack (review 17): a tab session counts as a fresh sign-in for staff approvals. A browser signed in
    from a chat link (which never counts), or with Microsoft hours ago, opened /tab/auth/end, read the
    code and swapped it at /tab/session for a brand-new "tab" session — re-authentication skipped. The
    pop-up must send such a browser through Sign in with Microsoft first."""
    from datetime import timedelta

    kim = add_leader(site.db, "Kim Lee", KIM, staff=True)
    pop_up = site.browser()
    sign_in(site, pop_up, kim, method="chat" if how == "chat_link" else "microsoft")
    if how == "stale_microsoft":
        for _ in range(4):  # busy all afternoon: still signed in, but not recently
            clock.advance(timedelta(minutes=45))
            _, page, _ = await pop_up.get(site.url + "/")
            assert "Welcome, Kim Lee" in page
    status, _, location = await pop_up.get(site.url + "/tab/auth/start")
    assert status == 303 and location.startswith("/sign-in?") and "again=1" in location
    status, page, location = await pop_up.get(site.url + "/tab/auth/end")
    assert status == 303 and location.startswith("/sign-in?") and "data-code=" not in page
    with site.db.session(commit=False) as session:
        assert session.scalar(select(func.count()).select_from(WebSession)
                              .where(WebSession.in_tab.is_(True))) == 0
