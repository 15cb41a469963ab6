"""Website sessions over real HTTP (issue 17): the cookie's attributes, no session fixation, idle and
absolute expiry on a fixed clock, sign-out, and sessions ending when the leader leaves, is erased or the
chat account a session came from is unlinked. Then the one-time link from chat (`web`): single use,
expiry, bound to its leader, and a GET (a link scanner) uses nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import select

from adapters.console.session import ConsoleConversation
from adapters.web.session_cookie import COOKIE
from bot.engine import Bot
from bot.replies import Actions
from directory import accounts, web_sessions
from directory.accounts import ChatIdentity
from directory.clock import FakeClock
from directory.data_rights import erase
from directory.leavers import mark_leaver
from directory.models import ChatAccount, Leader, WebSession
from directory.people import by_email
from tests.web_helpers import (
    Site,
    add_leader,
    csrf_in,
    put_cookie,
    session_cookie,
    sessions_of,
    sign_in,
    start_site,
    stop_site,
)

AINE = "aine@example.gov.uk"


@pytest.fixture
async def site(database_url: str, clock: FakeClock) -> AsyncIterator[Site]:
    running = await start_site(database_url)
    yield running
    await stop_site(running)


async def signed_in_name(site: Site, browser) -> str:  # type: ignore[no-untyped-def]
    """Who the home page greets ("" when signed out)."""
    _, page, _ = await browser.get(site.url + "/")
    marker = "Welcome, "
    return page.split(marker, 1)[1].split("<", 1)[0].strip() if marker in page else ""


def web_link(site: Site, email: str) -> tuple[str, ChatIdentity]:
    """What the bot's `web` command gives a leader on the console (linked by email)."""
    bot = Bot(site.db, site.services.settings)
    identity = ConsoleConversation(bot, email).identity
    reply = bot.handle_text(identity, "web")
    (url,) = [b.url for block in reply.blocks if isinstance(block, Actions) for b in block.buttons if b.url]
    assert url.startswith(site.url + "/w/")
    return url, identity


async def use_link(site: Site, browser, url: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    _, page, _ = await browser.get(url)
    form = {"csrf_token": csrf_in(page)} if 'name="csrf_token"' in page else {}
    return await browser.post(url, form)


async def test_the_cookie_is_host_prefixed_httponly_secure_lax(site: Site) -> None:
    add_leader(site.db, "Aine Byrne", AINE)
    url, _ = web_link(site, AINE)
    browser = site.browser()
    await browser.get(url)
    async with browser.session.post(url, data={}, headers={"Origin": site.url},
                                    allow_redirects=False) as answer:
        assert answer.status == 303 and answer.headers["Location"] == "/"
        (header,) = [h for h in answer.headers.getall("Set-Cookie") if h.startswith(COOKIE + "=")]
    cookie = SimpleCookie()
    cookie.load(header)
    morsel = cookie[COOKIE]
    assert morsel["secure"] and morsel["httponly"] and morsel["path"] == "/" and not morsel["domain"]
    assert morsel["samesite"] == "Lax"
    assert int(morsel["max-age"]) == int(web_sessions.ABSOLUTE.total_seconds())
    assert len(morsel.value) >= 43  # 256 random bits
    with site.db.session(commit=False) as session:  # only its hash is stored
        assert session.scalar(select(WebSession.id_hash)) == web_sessions.id_hash(morsel.value)
        assert session.get(WebSession, morsel.value) is None


async def test_the_tab_cookie_is_samesite_none_and_partitioned(site: Site) -> None:
    from aiohttp import web

    from adapters.web.session_cookie import set_cookie

    response = web.Response()
    set_cookie(response, "x" * 43, in_tab=True)
    (header,) = response.headers.getall("Set-Cookie")
    assert header.startswith(COOKIE + "=" + "x" * 43 + ";")
    assert "SameSite=None" in header and "Secure" in header and "Partitioned" in header
    assert "HttpOnly" in header and "Path=/" in header


async def test_a_cookie_planted_before_sign_in_is_not_the_session_after(site: Site) -> None:
    add_leader(site.db, "Aine Byrne", AINE)
    browser = site.browser()
    planted = "attacker-chosen-session-id-0123456789abcdefghijk"
    put_cookie(site, browser, planted)
    assert await signed_in_name(site, browser) == ""  # an unknown id signs nobody in
    url, _ = web_link(site, AINE)
    status, _, _ = await use_link(site, browser, url)
    assert status == 303
    assert session_cookie(browser) != planted and await signed_in_name(site, browser) == "Aine Byrne"
    attacker = site.browser()
    put_cookie(site, attacker, planted)
    assert await signed_in_name(site, attacker) == ""


async def test_signing_in_again_replaces_the_old_session(site: Site) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    browser = site.browser()
    sign_in(site, browser, aine)
    old = session_cookie(browser)
    url, _ = web_link(site, AINE)
    await use_link(site, browser, url)
    assert session_cookie(browser) != old and sessions_of(site.db, aine) == 1
    stale = site.browser()
    put_cookie(site, stale, old)
    assert await signed_in_name(site, stale) == ""


async def test_an_idle_session_expires_and_use_keeps_it_alive(site: Site, clock: FakeClock) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    browser = site.browser()
    sign_in(site, browser, aine)
    for _ in range(3):  # used every 50 minutes: still signed in after 2.5 hours
        clock.advance(minutes=50)
        assert await signed_in_name(site, browser) == "Aine Byrne"
    clock.advance(web_sessions.IDLE)
    assert await signed_in_name(site, browser) == ""
    assert sessions_of(site.db, aine) == 0  # deleted, not just refused


async def test_a_session_ends_at_its_absolute_lifetime_however_busy(site: Site, clock: FakeClock) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    browser = site.browser()
    sign_in(site, browser, aine)
    steps = int(web_sessions.ABSOLUTE / (web_sessions.IDLE / 2))
    for _ in range(steps - 1):
        clock.advance(web_sessions.IDLE / 2)
        assert await signed_in_name(site, browser) == "Aine Byrne"
    clock.advance(web_sessions.IDLE / 2)
    assert await signed_in_name(site, browser) == ""


async def test_a_refused_cookie_is_cleared(site: Site) -> None:
    browser = site.browser()
    put_cookie(site, browser, "no-such-session")
    async with browser.session.get(site.url + "/") as answer:
        cleared = [h for h in answer.headers.getall("Set-Cookie", []) if h.startswith(COOKIE + "=")]
    assert cleared and "Max-Age=0" in cleared[0]


async def test_sign_out_deletes_the_session(site: Site) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    browser = site.browser()
    csrf = sign_in(site, browser, aine)
    old = session_cookie(browser)
    status, _, location = await browser.post(site.url + "/sign-out", {"csrf_token": csrf})
    assert (status, location) == (303, "/")
    assert sessions_of(site.db, aine) == 0 and session_cookie(browser) == ""
    replay = site.browser()
    put_cookie(site, replay, old)
    assert await signed_in_name(site, replay) == ""


async def test_a_leaver_is_signed_out(site: Site) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    browser = site.browser()
    sign_in(site, browser, aine, method="microsoft")
    with site.db.session() as session:
        mark_leaver(session, session.get(Leader, aine), "cli:test")
    assert sessions_of(site.db, aine) == 0
    assert await signed_in_name(site, browser) == ""


async def test_a_leaver_is_refused_even_if_a_row_survived(site: Site) -> None:
    """lookup checks left_at itself: a session made by a path that forgot to end it still ends."""
    aine = add_leader(site.db, "Aine Byrne", AINE)
    browser = site.browser()
    sign_in(site, browser, aine)
    with site.db.session() as session:
        session.get(Leader, aine).left_at = web_sessions.clock.now()
    assert await signed_in_name(site, browser) == ""


async def test_an_erased_leader_is_signed_out(site: Site) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    browser = site.browser()
    sign_in(site, browser, aine)
    with site.db.session() as session:
        erase(session, AINE, "cli:test")
    assert sessions_of(site.db, aine) == 0
    assert await signed_in_name(site, browser) == ""


async def test_unlinking_the_chat_account_ends_the_session_it_started(site: Site) -> None:
    add_leader(site.db, "Aine Byrne", AINE)
    url, identity = web_link(site, AINE)
    browser = site.browser()
    await use_link(site, browser, url)
    assert await signed_in_name(site, browser) == "Aine Byrne"
    with site.db.session() as session:
        account = accounts.account_for(session, identity)
        accounts.unlink(session, by_email(session, AINE), account.id)
    assert sessions_of(site.db, by_email_id(site, AINE)) == 0  # deleted at once, not at the next request
    assert await signed_in_name(site, browser) == ""


async def test_a_session_from_an_account_staff_revoke_ends(site: Site) -> None:
    from directory import link_review

    add_leader(site.db, "Aine Byrne", AINE)
    url, identity = web_link(site, AINE)
    browser = site.browser()
    await use_link(site, browser, url)
    with site.db.session() as session:
        account = accounts.account_for(session, identity)
        leader = by_email(session, AINE)
        concern = link_review.Concern(account.id, account.platform, account.workspace_id, account.user_id,
                                      leader.id, leader.email, account.linked_via, account.created_at,
                                      ("domain_not_owned",))
        assert link_review.revoke(session, [concern], "cli:test") == 1
    assert await signed_in_name(site, browser) == ""


def by_email_id(site: Site, email: str) -> int:
    with site.db.session(commit=False) as session:
        leader = by_email(session, email)
        assert leader is not None
        return leader.id


# --- the one-time link from chat ------------------------------------------------------------------------


async def test_the_web_command_is_in_help_and_its_link_signs_the_leader_in(site: Site) -> None:
    add_leader(site.db, "Aine Byrne", AINE)
    bot = Bot(site.db, site.services.settings)
    help_text = str(bot.handle_text(ConsoleConversation(bot, AINE).identity, "help").blocks)
    assert "`web`" in help_text
    url, _ = web_link(site, AINE)
    browser = site.browser()
    status, page, _ = await browser.get(url)
    assert status == 200 and ">Continue<" in page.replace("\n", "").replace("  ", "")
    async with browser.session.get(url) as answer:
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cache-Control"] == "no-store"
    status, _, location = await use_link(site, browser, url)
    assert (status, location) == (303, "/") and await signed_in_name(site, browser) == "Aine Byrne"


async def test_a_get_uses_nothing_and_the_link_works_once(site: Site) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    url, _ = web_link(site, AINE)
    scanner, person, replayer = site.browser(), site.browser(), site.browser()
    for _ in range(3):  # a link preview and a mail scanner fetch it
        status, _, _ = await scanner.get(url)
        assert status == 200
    assert sessions_of(site.db, aine) == 0
    status, _, _ = await use_link(site, person, url)
    assert status == 303 and sessions_of(site.db, aine) == 1
    status, page, _ = await replayer.post(url, {})
    assert status == 400 and "already been used" in page and sessions_of(site.db, aine) == 1
    status, page, _ = await replayer.get(url)
    assert status == 400 and "already been used" in page


async def test_the_link_expires(site: Site, clock: FakeClock) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    url, _ = web_link(site, AINE)
    clock.advance(minutes=11)
    browser = site.browser()
    status, page, _ = await browser.get(url)
    assert status == 400 and "expired" in page
    status, page, _ = await browser.post(url, {})
    assert status == 400 and sessions_of(site.db, aine) == 0


async def test_a_link_given_to_an_account_since_unlinked_signs_nobody_in(site: Site) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    url, identity = web_link(site, AINE)
    with site.db.session() as session:
        account = accounts.account_for(session, identity)
        accounts.unlink(session, by_email(session, AINE), account.id)
    status, page, _ = await use_link(site, site.browser(), url)
    assert status == 400 and "no longer linked" in page and sessions_of(site.db, aine) == 0


async def test_a_link_is_bound_to_its_leader(site: Site) -> None:
    """If the account the link was given to now belongs to someone else, nobody is signed in."""
    aine = add_leader(site.db, "Aine Byrne", AINE)
    bob = add_leader(site.db, "Bob Bell", "bob@example.gov.uk")
    url, identity = web_link(site, AINE)
    with site.db.session() as session:
        account = session.scalar(select(ChatAccount).where(ChatAccount.user_id == identity.user_id))
        account.leader_id = bob
    status, _, _ = await use_link(site, site.browser(), url)
    assert status == 400 and sessions_of(site.db, aine) == sessions_of(site.db, bob) == 0


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00", "..%2F..%2Fetc"])
async def test_nonsense_tokens_are_a_clear_400(site: Site, token: str) -> None:
    status, page, _ = await site.browser().get(site.url + "/w/" + token)
    assert status in (400, 404) and "Traceback" not in page


async def test_a_link_posted_from_another_site_is_refused_and_not_spent(site: Site) -> None:
    aine = add_leader(site.db, "Aine Byrne", AINE)
    url, _ = web_link(site, AINE)
    browser = site.browser()
    status, _, _ = await browser.post(url, {}, from_site="https://evil.example")
    assert status == 403 and sessions_of(site.db, aine) == 0
    status, _, _ = await use_link(site, browser, url)
    assert status == 303 and sessions_of(site.db, aine) == 1
