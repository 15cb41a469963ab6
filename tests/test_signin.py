"""Sign in with Microsoft, end to end: a Slack user the directory does not know gets a one-time link, signs
in at a fake Microsoft (authorize, token and metadata on loopback, over TLS; msal does the redemption) and
is linked. Wrong tenant, reused link, expired link, state mismatch, cancelled sign-in, an email not in the
directory and a second Microsoft account for the same profile are refused with a clear page, and nothing
is linked."""

from __future__ import annotations

import html
import re
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from adapters.web.signin import cookie_name
from directory.accounts import ChatIdentity
from directory.clock import FakeClock
from directory.database import Database
from directory.models import AccessLink, AuditEvent, ChatAccount
from tests.browser import Browser
from tests.fake_microsoft_login import ALLOWED_TENANT, CLIENT_ID, CLIENT_SECRET, FakeMicrosoftLogin, Person
from tests.helpers import load_sample
from tests.slack_fakes import FakeSlack, RunningServer, start_server, stop_server, texts

KIM = "kim.chen@manchester.gov.uk"  # in the sample directory, with no chat account yet
STRANGER = "USTRANGER"  # a Slack user whose Slack email is not in the directory


@pytest.fixture
def login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMicrosoftLogin]:
    fake = FakeMicrosoftLogin(tmp_path).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.cert_path)  # msal (requests) trusts the fake's certificate
    yield fake
    fake.stop()


@pytest.fixture
async def server(db: Database, database_url: str, fake_slack: FakeSlack,
                 login: FakeMicrosoftLogin) -> AsyncIterator[RunningServer]:
    load_sample(db)
    running = await start_server(database_url, fake_slack, microsoft_app_id=CLIENT_ID,
                                 microsoft_app_password=CLIENT_SECRET, allowed_tenants=ALLOWED_TENANT,
                                 microsoft_app_tenant_id=ALLOWED_TENANT,
                                 microsoft_authority=login.authority)
    # LEADERS_PUBLIC_URL is where browsers reach the server; only known once it listens on its port.
    running.services.settings.public_url = running.url
    yield running
    await stop_server(running)


async def signin_link(server: RunningServer, fake_slack: FakeSlack, user: str = STRANGER) -> str:
    key = f"k{len(fake_slack.responses)}"
    await server.slash("find finance", user, response_url=fake_slack.response_url(key))
    answers = await fake_slack.wait_for(lambda: [a for p, a in fake_slack.responses if p.endswith(key)])
    seen = texts(answers[0]["blocks"])
    assert "I don't recognise this account yet" in seen and "Director of Finance" not in seen
    return next(element["url"] for block in answers[0]["blocks"] if block["type"] == "actions"
                for element in block["elements"] if "url" in element)


@pytest.fixture
async def browser(server: RunningServer) -> AsyncIterator[Browser]:
    """The browser of the person the link was given to."""
    person = Browser(server.url)
    yield person
    await person.close()


async def get(server: RunningServer, url: str, **kwargs: Any) -> tuple[int, str, str]:
    async with server.session.get(url, allow_redirects=False, **kwargs) as response:
        return response.status, await response.text(), response.headers.get("Location", "")


async def begin(browser: Browser, link: str) -> tuple[int, str, str]:
    """The person opens the link and presses Continue: the server answers with Microsoft's URL."""
    status, page, _ = await browser.get(link)
    assert status == 200 and "Continue to Microsoft" in page, page
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    return await browser.post(str(browser.site) + "/auth/microsoft/start", {"token": token.group(1)})


async def at_microsoft(browser: Browser, login: FakeMicrosoftLogin, authorize_url: str) -> dict[str, str]:
    """The browser at Microsoft: the fake signs `login.person` in and answers with the self-posting form
    (response_mode=form_post) whose fields the browser would post to our callback."""
    assert parse_qs(urlparse(authorize_url).query)["response_mode"] == ["form_post"]
    trusted = ssl.create_default_context(cafile=login.cert_path)
    status, page, _ = await browser.get(authorize_url, ssl=trusted)
    assert status == 200
    action = re.search(r'action="([^"]+)"', page)
    callback = str(browser.site) + "/auth/microsoft/callback"
    assert action is not None and html.unescape(action.group(1)) == callback
    return {name: html.unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page)}


async def post_callback(browser: Browser, login: FakeMicrosoftLogin, form: dict[str, str]) -> tuple[int, str]:
    """Microsoft's page posts the answer to our callback: a cross-site POST from the login origin."""
    status, page, _ = await browser.post(str(browser.site) + "/auth/microsoft/callback", form,
                                         from_site=login.server.url)
    return status, html.unescape(page)


async def sign_in(browser: Browser, login: FakeMicrosoftLogin, link: str) -> tuple[int, str]:
    status, _, authorize_url = await begin(browser, link)
    assert status == 302 and authorize_url.startswith(login.authority + "/oauth2/authorize?")
    return await post_callback(browser, login, await at_microsoft(browser, login, authorize_url))


def links_of(db: Database, user: str = STRANGER) -> list[str]:
    """How each live link of the Slack `user` was made."""
    with db.session(commit=False) as session:
        return list(session.scalars(select(ChatAccount.linked_via).where(ChatAccount.user_id == user,
                                                                         ChatAccount.revoked_at.is_(None))))


def audit_actions(db: Database) -> list[str]:
    with db.session(commit=False) as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


async def test_an_unknown_slack_user_signs_in_with_microsoft_and_is_linked(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin,
        db: Database) -> None:
    link = await signin_link(server, fake_slack)
    assert link.startswith(server.url + "/auth/microsoft/start?token=")
    login.person = Person(KIM, oid="oid-kim")

    status, page = await sign_in(browser, login, link)
    assert status == 200 and "You're signed in" in page and "Kim Chen" in page

    # msal sent the PKCE verifier and the secret; the fake checked both before issuing the ID token.
    assert login.token_requests[0]["grant_type"] == "authorization_code"
    params = login.authorize_requests[0]
    assert params["redirect_uri"] == server.url + "/auth/microsoft/callback" and params["nonce"]
    assert links_of(db) == ["Sign in with Microsoft"]

    await server.slash("profile", STRANGER, response_url=fake_slack.response_url("after"))
    answers = await fake_slack.wait_for(lambda: [a for p, a in fake_slack.responses if p.endswith("after")])
    seen = texts(answers[0]["blocks"])
    assert "Kim Chen" in seen and "chat account linked by Sign in with Microsoft" in seen
    assert {"signin.started", "signin.succeeded", "account.linked"} <= set(audit_actions(db))
    with db.session(commit=False) as session:  # no token, code, secret or chat id reaches the audit log
        logged = " ".join(f"{e.actor} {e.subject} {e.details}" for e in session.scalars(select(AuditEvent)))
    assert "fake-access-token" not in logged and CLIENT_SECRET not in logged and STRANGER not in logged


async def test_a_tenant_that_is_not_allowed_is_refused(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack,
                                                       login: FakeMicrosoftLogin, db: Database) -> None:
    link = await signin_link(server, fake_slack)
    login.person = Person(KIM, tid="another-tenant")
    status, page = await sign_in(browser, login, link)
    assert status == 400 and "not one Leaders Connect accepts" in page and "Nothing was linked" in page
    assert links_of(db) == [] and "signin.refused" in audit_actions(db)


async def test_a_link_works_once(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin,
                                 db: Database) -> None:
    link = await signin_link(server, fake_slack)
    login.person = Person(KIM)
    status, _, _ = await begin(browser, link)
    assert status == 302
    status, page, _ = await get(server, link)  # opened again: refused before anything else happens
    assert status == 400 and "already been used" in page
    token = parse_qs(urlparse(link).query)["token"][0]
    async with server.session.post(server.url + "/auth/microsoft/start", data={"token": token},
                                   allow_redirects=False) as response:
        assert response.status == 400 and "already been used" in await response.text()
    assert links_of(db) == []


async def test_an_expired_link_is_refused(server: RunningServer, fake_slack: FakeSlack, db: Database,
                                          clock: FakeClock) -> None:
    link = await signin_link(server, fake_slack)
    clock.advance(minutes=11)
    status, page, _ = await get(server, link)
    assert status == 400 and "expired" in page
    assert links_of(db) == []


async def test_a_callback_we_did_not_start_or_a_replay_is_refused(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin,
        db: Database) -> None:
    status, page, _ = await get(server, server.url + "/auth/microsoft/callback?code=abc&state=forged")
    assert status == 400 and "state mismatch" in page

    link = await signin_link(server, fake_slack)
    login.person = Person(KIM)
    _, _, authorize_url = await begin(browser, link)
    answer = await at_microsoft(browser, login, authorize_url)
    status, page = await post_callback(browser, login, {**answer, "state": "someone-elses"})
    assert status == 400 and "state mismatch" in page
    assert links_of(db) == []

    status, _ = await post_callback(browser, login, answer)  # the genuine answer still completes, once
    assert status == 200 and len(links_of(db)) == 1
    status, page = await post_callback(browser, login, answer)
    assert status == 400 and "already been completed" in page


async def test_cancelling_at_microsoft_links_nothing(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack,
                                                     login: FakeMicrosoftLogin, db: Database) -> None:
    link = await signin_link(server, fake_slack)
    login.person = None
    status, page = await sign_in(browser, login, link)
    assert status == 400 and "did not sign you in" in page and "cancelled" in page
    assert links_of(db) == []


async def test_an_email_outside_the_directory_is_refused(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack,
                                                         login: FakeMicrosoftLogin, db: Database) -> None:
    link = await signin_link(server, fake_slack)
    login.person = Person("someone.else@manchester.gov.uk")
    status, page = await sign_in(browser, login, link)
    assert status == 400 and "not in the Leaders Connect directory" in page
    assert links_of(db) == []


async def test_a_tenant_with_listed_domains_vouches_only_for_those_at_sign_in(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack,
        login: FakeMicrosoftLogin, db: Database) -> None:
    """A tenant that owns a parent domain can issue UPNs under its subdomains (Entra verifies them with
    it). Where staff list the domains a tenant may vouch for, sign-in holds it to them, as Teams linking
    does: this tenant may vouch for leeds.gov.uk only, so Kim's manchester.gov.uk UPN links nothing."""
    login.person = Person(KIM)
    server.services.settings.tenant_domains = f"{ALLOWED_TENANT}:leeds.gov.uk"
    server.services.settings.__dict__.pop("tenant_domain_map", None)  # the parsed form is cached
    status, page = await sign_in(browser, login, await signin_link(server, fake_slack))
    assert status == 400 and "not one this organisation's Microsoft accounts may vouch for" in page
    assert links_of(db) == [] and "signin.refused" in audit_actions(db)
    server.services.settings.tenant_domains = f"{ALLOWED_TENANT}:manchester.gov.uk"
    server.services.settings.__dict__.pop("tenant_domain_map", None)
    status, page = await sign_in(browser, login, await signin_link(server, fake_slack))
    assert status == 200 and links_of(db) == ["Sign in with Microsoft"]


async def test_only_an_address_the_tenant_verified_counts(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack,
                                                          login: FakeMicrosoftLogin, db: Database) -> None:
    """A tenant admin can type any address into a user's `email` attribute; only the UPN (a verified
    domain) or an `email` Entra marks as domain-verified (`xms_edov`) may match the directory."""
    login.person = Person("kim@contoso.onmicrosoft.com", email_claim=KIM)
    status, page = await sign_in(browser, login, await signin_link(server, fake_slack))
    assert status == 400 and "not in the Leaders Connect directory" in page and links_of(db) == []
    login.person = Person("kim@contoso.onmicrosoft.com", email_claim=KIM, email_domain_verified=False)
    assert (await sign_in(browser, login, await signin_link(server, fake_slack)))[0] == 400
    assert links_of(db) == []
    from directory.signin import verified_email

    claims = {"email": KIM, "xms_edov": True}
    assert verified_email(claims) == KIM and verified_email({"email": KIM}) == ""


async def test_the_start_page_names_the_account_and_refuses_cross_site_posts(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin) -> None:
    """A link mailed to a leader by someone else would link *that* person's chat account: the page says
    which account it links, and a form on another site cannot start the flow."""
    link = await signin_link(server, fake_slack)
    status, page, _ = await get(server, link)
    assert "the Slack account USTRANGER in workspace T0001" in html.unescape(page)
    assert "If someone sent you this link, close this page" in html.unescape(page)
    async with server.session.get(link) as response:  # Chrome applies form-action to the redirect too
        assert login.server.url in response.headers["Content-Security-Policy"]
    token = parse_qs(urlparse(link).query)["token"][0]
    async with server.session.post(server.url + "/auth/microsoft/start", data={"token": token},
                                   headers={"Origin": "https://evil.example"},
                                   allow_redirects=False) as response:
        assert response.status == 403
    status, _, location = await begin(browser, link)  # the link was not spent by the refused POST
    assert status == 302 and location.startswith(login.authority)


async def test_malformed_posts_are_4xx_not_500(server: RunningServer) -> None:
    for path in ("/auth/microsoft/start", "/auth/microsoft/callback", "/mydata"):
        async with server.session.post(server.url + path, data=b"--x\r\n",
                                       headers={"Content-Type": "multipart/form-data"}) as response:
            assert response.status == 400, path


async def test_a_second_microsoft_account_cannot_claim_a_signed_in_profile(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin,
        db: Database) -> None:
    login.person = Person(KIM, oid="oid-kim")
    assert (await sign_in(browser, login, await signin_link(server, fake_slack)))[0] == 200
    login.person = Person(KIM, oid="oid-impostor")
    status, page = await sign_in(browser, login, await signin_link(server, fake_slack, "UOTHER"))
    assert status == 400 and "different Microsoft account" in page
    assert links_of(db, "UOTHER") == []


async def test_without_configuration_there_is_no_link_and_no_sign_in(db: Database, database_url: str,
                                                                      fake_slack: FakeSlack) -> None:
    load_sample(db)
    running = await start_server(database_url, fake_slack)
    try:
        await running.slash("find finance", STRANGER, response_url=fake_slack.response_url("x"))
        [(_, answer)] = await fake_slack.wait_for(lambda: fake_slack.responses)
        assert "Sign in with Microsoft" not in texts(answer["blocks"])
        status, page, _ = await get(running, running.url + "/auth/microsoft/start?token=abc")
        assert status == 404 and "not set up" in page
    finally:
        await stop_server(running)


def test_links_are_stored_only_as_hashes(db: Database) -> None:
    from directory import links

    with db.session() as session:
        token = links.create(session, "signin", ChatIdentity("slack", "T1", "U1"))
    with db.session(commit=False) as session:
        stored = session.scalars(select(AccessLink.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_a_teams_account_can_only_be_vouched_for_by_the_same_microsoft_account(db: Database) -> None:
    """In Teams the chat account *is* a Microsoft account (tenant + object id): signing in as anyone else,
    even a leader in the directory, links nothing."""
    from directory import links, signin

    load_sample(db)
    teams_user = ChatIdentity("teams", ALLOWED_TENANT, "aad-kim-0001")
    with db.session() as session:
        links.create(session, "signin", teams_user)
    claims, allowed = {"tid": ALLOWED_TENANT, "preferred_username": KIM}, frozenset({ALLOWED_TENANT})
    with db.session() as session:
        link = session.scalar(select(AccessLink))
        assert link is not None
        with pytest.raises(links.LinkError, match="different Microsoft account from the one you use"):
            signin.complete(session, link, {**claims, "oid": "aad-someone-else"}, allowed)
        account = signin.complete(session, link, {**claims, "oid": "AAD-KIM-0001"}, allowed)
        assert account.leader.email == KIM and account.user_id == "aad-kim-0001"


def test_a_teams_account_is_linked_by_the_object_id_its_leader_signed_in_with(db: Database) -> None:
    """Teams reports no email for some users; once the leader signed in with Microsoft, their Teams
    account (whose user id is the same Entra object id) is recognised without another sign-in."""
    from directory.accounts import resolve
    from directory.people import by_email

    load_sample(db)
    teams_user = ChatIdentity("teams", ALLOWED_TENANT, "aad-kim-0001")  # no email from Teams
    with db.session() as session:
        assert resolve(session, teams_user) is None
        leader = by_email(session, KIM)
        assert leader is not None
        leader.microsoft_oid = "aad-kim-0001"
    with db.session() as session:
        linked = resolve(session, teams_user)
        assert linked is not None and linked.email == KIM
        assert resolve(session, ChatIdentity("slack", "T1", "aad-kim-0001")) is None  # Teams ids only


async def test_the_leaders_other_accounts_are_told_of_a_new_link(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin,
        db: Database) -> None:
    """If someone talked a leader into signing in through *their* link, the leader learns of it where they
    already read the bot: a notice queued in the outbox, in the same transaction as the link."""
    from bot.reply_codec import reply_from_json
    from directory.outbox import OutboxMessage

    await server.slash("help", "UAINE", response_url=fake_slack.response_url("aine"))  # Áine's own account
    await fake_slack.wait_for(lambda: fake_slack.responses)
    login.person = Person("aine.nibhriain@belfastcity.gov.uk", oid="oid-aine")
    assert (await sign_in(browser, login, await signin_link(server, fake_slack)))[0] == 200

    with db.session(commit=False) as session:
        queued = [(m.platform, m.user_id, reply_from_json(m.reply).plain()) for m in
                  session.scalars(select(OutboxMessage))]
    assert len(queued) == 1
    platform, user, text = queued[0]
    assert (platform, user) == ("slack", "UAINE")  # to her existing account, not the new one
    assert "The Slack account USTRANGER in workspace T0001 was linked by Sign in with Microsoft" in text
    assert "type `accounts` to remove it" in text


async def test_a_microsoft_page_handed_to_someone_else_links_nothing(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin,
        db: Database) -> None:
    """Finding 3: Mallory asks for her own link, presses Continue in her browser and hands Microsoft's
    sign-in page to Kim. Kim signs in there — in *her* browser — and Microsoft posts the answer from it.
    The state is genuine, but Kim's browser never started that sign-in: nothing is linked, Kim is told why,
    and the sign-in is spent."""
    mallory = browser
    link = await signin_link(server, fake_slack)  # for Mallory's Slack account, USTRANGER
    status, _, authorize_url = await begin(mallory, link)
    assert status == 302

    kim = Browser(server.url)
    try:
        login.person = Person(KIM, oid="oid-kim")
        answer = await at_microsoft(kim, login, authorize_url)
        status, page = await post_callback(kim, login, answer)
    finally:
        await kim.close()
    assert status == 400 and "finished in a different browser" in page and "Nothing was linked" in page
    assert "someone sent you a Microsoft sign-in page" in page
    assert links_of(db) == [] and login.token_requests == []  # Kim's code was never even redeemed
    with db.session(commit=False) as session:
        refusals = [e.details for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "signin.refused"))]
        from directory.people import by_email
        kim_leader = by_email(session, KIM)
        assert kim_leader is not None and kim_leader.microsoft_oid == ""
    assert refusals == [{"reason": "other_browser"}]

    status, page = await post_callback(mallory, login, answer)  # nor can Mallory finish it now
    assert status == 400 and "already been completed" in page and links_of(db) == []


async def test_the_browser_binding_cookie(server: RunningServer, browser: Browser, fake_slack: FakeSlack,
                                          login: FakeMicrosoftLogin, db: Database) -> None:
    """`__Host-`, Secure, HttpOnly, Path=/, no Domain, ten minutes, and SameSite=None — the one value a
    browser sends on Microsoft's cross-site form_post answer — and gone once the sign-in is over."""
    status, page, _ = await browser.get(await signin_link(server, fake_slack))
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert status == 200 and token is not None
    async with browser.session.post(server.url + "/auth/microsoft/start", data={"token": token.group(1)},
                                    allow_redirects=False) as response:
        assert response.status == 302
        [header] = response.headers.getall("Set-Cookie")
    name, _, attributes = header.partition(";")
    cookie_name, _, secret = name.partition("=")
    assert cookie_name.startswith("__Host-leaders-signin-") and len(secret) >= 43
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in attributes.split(";")}
    assert {"secure", "httponly", "path", "samesite", "max-age"} <= set(flags) and "domain" not in flags
    assert (flags["path"], flags["samesite"], flags["max-age"]) == ("Path=/", "SameSite=None", "Max-Age=600")
    with db.session(commit=False) as session:  # only a hash is stored
        stored = session.scalars(select(AccessLink.browser_hash).where(AccessLink.flow.is_not(None))).one()
    assert stored and secret not in stored and len(stored) == 64

    callback = server.url + "/auth/microsoft/callback"
    assert set(browser.cookies_for_cross_site_post(callback)) == {cookie_name}
    login.person = Person(KIM)
    authorize_url = response.headers["Location"]
    status, _ = await post_callback(browser, login, await at_microsoft(browser, login, authorize_url))
    assert status == 200 and links_of(db) == ["Sign in with Microsoft"]
    assert cookie_name not in browser.cookie_names()  # deleted by the callback


async def test_a_cookie_from_another_sign_in_or_a_guessed_one_does_not_count(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin,
        db: Database) -> None:
    """Kim's browser holds the cookie of her own sign-in; it does not vouch for Mallory's, and neither does
    a cookie Mallory's page might name after her own sign-in with a made-up value."""
    kim = Browser(server.url)
    try:
        _, _, kims_own = await begin(kim, await signin_link(server, fake_slack, "UKIMSLACK"))
        _, _, mallorys = await begin(browser, await signin_link(server, fake_slack))
        login.person = Person(KIM)
        answer = await at_microsoft(kim, login, mallorys)
        guessed = {"Cookie": f"{cookie_name(answer['state'])}={'A' * 43}"}
        status, page = await post_callback(kim, login, answer)
        assert status == 400 and "different browser" in page
        _, _, mallorys = await begin(browser, await signin_link(server, fake_slack))
        answer = await at_microsoft(kim, login, mallorys)
        status, _, _ = await kim.post(server.url + "/auth/microsoft/callback", answer,
                                      from_site=login.server.url, headers=guessed)
        assert status == 400
        assert links_of(db) == [] and links_of(db, "UKIMSLACK") == []
        status, _ = await post_callback(kim, login, await at_microsoft(kim, login, kims_own))
        assert status == 200 and links_of(db, "UKIMSLACK") == ["Sign in with Microsoft"]  # hers still works
    finally:
        await kim.close()


async def test_two_sign_ins_started_in_one_browser_both_finish(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin,
        db: Database) -> None:
    """A leader with a Slack and a second unlinked account opens both links: each has its own cookie."""
    _, _, first = await begin(browser, await signin_link(server, fake_slack))
    _, _, second = await begin(browser, await signin_link(server, fake_slack, "UOTHER"))
    login.person = Person(KIM)
    assert (await post_callback(browser, login, await at_microsoft(browser, login, second)))[0] == 200
    assert (await post_callback(browser, login, await at_microsoft(browser, login, first)))[0] == 200
    assert links_of(db) == links_of(db, "UOTHER") == ["Sign in with Microsoft"]


async def test_the_test_browser_sends_only_samesite_none_cookies_cross_site() -> None:
    """The Browser helper's model of SameSite, which the tests above rely on, checked on its own."""
    from aiohttp import web

    async def set_cookies(request: web.Request) -> web.Response:
        response = web.Response(text="ok")
        response.set_cookie("__Host-none", "1", secure=True, httponly=True, samesite="None", path="/")
        response.set_cookie("__Host-lax", "2", secure=True, httponly=True, samesite="Lax", path="/")
        response.set_cookie("unmarked", "3", path="/")
        response.set_cookie("__Host-bad", "4", samesite="None", path="/")  # not Secure: refused
        return response

    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=",".join(sorted(request.cookies)))

    app = web.Application()
    app.router.add_get("/set", set_cookies)
    app.router.add_post("/echo", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    person = Browser(url)
    try:
        await person.get(url + "/set")
        assert person.cookie_names() == {"__Host-none", "__Host-lax", "unmarked"}
        assert (await person.post(url + "/echo", {}))[1] == "__Host-lax,__Host-none,unmarked"
        cross_site = await person.post(url + "/echo", {}, from_site="https://elsewhere.example")
        assert cross_site[1] == "__Host-none"
    finally:
        await person.close()
        await runner.cleanup()


@pytest.mark.parametrize("space", ["\u00a0", "\u2000", "\u3000"])
async def test_a_cookie_tossed_from_a_sibling_domain_does_not_count(
        server: RunningServer, browser: Browser, fake_slack: FakeSlack, login: FakeMicrosoftLogin,
        db: Database, space: str) -> None:
    """Finding 3, by cookie tossing: Mallory, who controls a sibling sub-domain (or a plain-http network
    path), plants her own sign-in's secret in Kim's browser under the name `<space>__Host-leaders-signin-…`.
    To a browser that name has no `__Host-` prefix, so a sibling may set it (`Domain=` the parent,
    `SameSite=None`); aiohttp's cookie parser strips Unicode whitespace before a name and would hand it
    over as the real one. Kim finishes Mallory's sign-in: nothing may be linked."""
    mallory = browser
    _, _, authorize_url = await begin(mallory, await signin_link(server, fake_slack))
    (planted,) = [m for m in mallory.jar if m.key.startswith("__Host-leaders-signin-")]
    kim = Browser(server.url)
    try:
        login.person = Person(KIM, oid="oid-kim")
        answer = await at_microsoft(kim, login, authorize_url)
        tossed = {"Cookie": f"{space}{planted.key}={planted.value}"}  # sent as UTF-8, as browsers do
        status, _, _ = await kim.post(server.url + "/auth/microsoft/callback", answer,
                                      from_site=login.server.url, headers=tossed)
    finally:
        await kim.close()
    assert status == 400 and links_of(db) == [] and login.token_requests == []
