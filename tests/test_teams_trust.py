"""Who may talk to the bot on Teams, and where the bot may talk back — each attack tried for real.

An attacker posts Teams-shaped activities to the real server (`build_app` on loopback) with a
`serviceUrl` naming their own fake Bot Connector, which records whatever the bot sends it: replies with
directory data, member lookups, the bot's own bearer token. Every test asserts that the attacker's
connector heard nothing and that nothing was linked or stored.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from adapters.teams.config import BotFrameworkEndpoints
from adapters.teams.service_urls import ServiceUrlPolicy
from directory.conversations import ConversationRef, TeamsConversation, save_reference
from directory.database import Database
from directory.models import AuditEvent, ChatAccount, Leader
from directory.outbox import FAILED, OutboxMessage
from directory.people import by_email
from directory.settings import Settings
from tests import fakes_teams as teams
from tests.delivery_helpers import queue, run_worker_until, settled
from tests.fakes_teams import APP_ID, BOT_ID, TENANT, FakeIdentityServer, Member
from tests.helpers import load_sample
from tests.teams_server import CLEAN_ENV, LOCAL, TENANT_DOMAINS, connector_server, post, running
from tests.test_teams_http import cards_of, texts

PRIYA = Member("29:1priya", "aad-priya", "Priya Patel", "priya.patel@hmrc.gov.uk")  # staff
KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
OTHER_TENANT = "0b8e1b7e-4d45-4a8b-9f4e-attacker0000"
REFUSAL = ("Sorry, Leaders Connect isn't available to your organisation, so I can't help here — if you "
           "think it should be, ask the Leaders Connect team.")
# What Bot Framework Emulator tokens look like: issued by Microsoft's bot-framework tenant, no
# `serviceurl` claim — the SDK then accepts whatever serviceUrl the activity names.
EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"


@pytest.fixture
def attacker() -> Iterator[tuple[teams.FakeConnector, str]]:
    """The attacker's own Bot Connector: it claims the victim (staff) is whoever is talking."""
    for fake, url in connector_server():
        fake.members[PRIYA.id] = PRIYA
        yield fake, url


def base_settings(db: Database, monkeypatch: pytest.MonkeyPatch, **values: Any) -> Settings:
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)
    load_sample(db)
    return Settings(LEADERS_DATABASE_URL=db.url, LEADERS_STAFF_EMAILS=PRIYA.email,  # type: ignore[call-arg]
                    _env_file=None, **values)


def changed(settings: Settings, **values: Any) -> Settings:
    """`settings` with some variables (by name) set otherwise."""
    return Settings(_env_file=None, **{**settings.model_dump(by_alias=True), **values})  # type: ignore[call-arg]


def nothing_stored(db: Database) -> None:
    with db.session() as session:
        assert session.scalars(select(ChatAccount)).all() == []
        assert session.scalars(select(TeamsConversation)).all() == []


def in_tenant(activity: dict[str, Any], tenant: str) -> dict[str, Any]:
    changed = copy.deepcopy(activity)
    changed["conversation"]["tenantId"] = tenant
    changed["channelData"]["tenant"]["id"] = tenant
    return changed


# --- Finding 1: an unauthenticated Teams endpoint on every deployment ----------------------------------

async def test_a_slack_only_deployment_has_no_teams_endpoint(db, monkeypatch, attacker) -> None:
    """MICROSOFT_APP_ID unset, no opt-in: the attacker's `staff list` as Priya is a 404, and the attacker's
    connector receives nothing — no member lookup, no answer, no link."""
    fake, url = attacker
    settings = base_settings(db, monkeypatch)
    async with running(settings) as (base, _, _):
        for activity in (teams.message(url, PRIYA, "staff list"), teams.message(url, PRIYA, "mydata"),
                         teams.extension_query(url, PRIYA, "chief"), teams.bot_installed(url, PRIYA)):
            status, _ = await post(base, activity)
            assert status == 404
    assert fake.calls == []
    nothing_stored(db)


@pytest.mark.parametrize("where", ["http://0.0.0.0:{port}", "http://localhost.attacker.example:{port}",
                                   "https://attacker.example/", "http://[::ffff:8.8.8.8]:{port}"])
async def test_local_mode_refuses_a_service_url_that_is_not_loopback(db, monkeypatch, attacker,
                                                                      where) -> None:
    """LEADERS_TEAMS_INSECURE_LOCAL=1 serves loopback only. (0.0.0.0 is not loopback, though Linux would
    connect it to this machine — to the attacker's fake here.)"""
    fake, url = attacker
    service_url = where.format(port=url.rsplit(":", 1)[1])
    async with running(base_settings(db, monkeypatch, **LOCAL)) as (base, _, _):
        status, body = await post(base, teams.message(service_url, PRIYA, "staff list"))
    assert status == 403 and body == {"error": "serviceUrl is not an allowed Bot Connector host"}
    assert fake.calls == []
    nothing_stored(db)


async def test_local_mode_says_so_loudly_at_start(db, monkeypatch, caplog) -> None:
    import adapters.cli.main  # noqa: F401  (the CLI package is entered through main)
    from adapters.cli.run_commands import _warn_if_teams_unauthenticated

    with caplog.at_level(logging.WARNING):
        async with running(base_settings(db, monkeypatch, **LOCAL)) as (_, _, app):
            _warn_if_teams_unauthenticated(app)
    assert "NOT AUTHENTICATED" in caplog.text and "loopback" in caplog.text


def test_local_mode_cannot_be_combined_with_an_app_id() -> None:
    with pytest.raises(ValueError, match="LEADERS_TEAMS_INSECURE_LOCAL"):
        Settings(MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="x",  # type: ignore[call-arg]
                 LEADERS_TEAMS_INSECURE_LOCAL=True, _env_file=None)


def test_the_service_url_policy() -> None:
    microsoft = ServiceUrlPolicy(frozenset({"smba.trafficmanager.net", "127.0.0.1"}))
    assert microsoft.allows("https://smba.trafficmanager.net/emea/")
    assert microsoft.allows("http://127.0.0.1:3979/")  # loopback may be plain http (tests, local tools)
    for refused in ("http://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net.evil.example/",
                    "https://user@smba.trafficmanager.net/", "https://evil.example/smba.trafficmanager.net",
                    "https://smba.trafficmanager.net:99999/", "ftp://127.0.0.1/", "", None, "not a url"):
        assert not microsoft.allows(refused), refused
    local = ServiceUrlPolicy(frozenset({"smba.trafficmanager.net"}), loopback_only=True)
    for allowed in ("http://localhost:3978/", "http://127.0.0.5/", "http://[::1]:80/",
                    "http://[::ffff:127.0.0.1]/"):
        assert local.allows(allowed), allowed
    assert not local.allows("https://smba.trafficmanager.net/emea/")  # local mode never reaches Microsoft


# --- Authenticated mode: the serviceUrl allow-list (finding 6: tokens without a serviceurl claim) ------

@pytest.fixture
def secured(db, monkeypatch, identity, token_server):  # type: ignore[no-untyped-def]
    """Real JWTs; the allow-list names 127.0.0.1 (the legitimate fake connector), so `localhost` — the
    same machine by another name — stands for a host that is not Microsoft's."""
    settings = base_settings(db, monkeypatch, MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="app-secret",
                             MICROSOFT_APP_TENANT_ID=TENANT,
                             LEADERS_ALLOWED_TENANTS=TENANT, LEADERS_TENANT_DOMAINS=TENANT_DOMAINS,
                             LEADERS_TEAMS_SERVICE_URL_HOSTS="127.0.0.1",
                             LEADERS_PUBLIC_URL="https://leaders.example.gov.uk")
    endpoints = BotFrameworkEndpoints(identity.metadata_url, identity.issuer, token_server.login_url)
    return settings, endpoints


def emulator_token(identity: FakeIdentityServer) -> str:
    return identity.mint("", iss=EMULATOR_ISSUER, ver="1.0", appid=APP_ID, serviceurl=None)


async def test_a_token_without_a_serviceurl_claim_cannot_send_the_bot_elsewhere(
        secured, attacker, identity, token_server, db) -> None:
    """The SDK accepts an Emulator-style token (no `serviceurl` claim) for any serviceUrl; the allow-list
    does not, so the bot's own bearer token never reaches the attacker."""
    fake, url = attacker
    elsewhere = url.replace("127.0.0.1", "localhost")
    settings, endpoints = secured
    async with running(settings, endpoints) as (base, _, _):
        status, body = await post(base, teams.message(elsewhere, PRIYA, "staff list"),
                                  emulator_token(identity))
    assert status == 403 and body == {"error": "serviceUrl is not an allowed Bot Connector host"}
    assert fake.calls == [] and token_server.requests == []
    nothing_stored(db)


def linked_elsewhere(session: Any, url: str) -> ChatAccount:
    """Priya's Teams account, whose stored 1:1 chat reference names `localhost` — the fake connector's
    machine by a name that is not on the allow-list (a reference kept from before the list, or a bug)."""
    priya = by_email(session, PRIYA.email or "")
    assert priya is not None
    account = ChatAccount(platform="teams", workspace_id=TENANT, user_id=PRIYA.aad_object_id,
                          leader_id=priya.id, linked_via="test")
    session.add(account)
    session.flush()
    save_reference(session, ConversationRef(TENANT, PRIYA.aad_object_id, "a:1personal-p", "personal",
                                            url.replace("127.0.0.1", "localhost"), BOT_ID, PRIYA.id,
                                            "Leaders Connect"))
    return account


async def deliver_all(secured: tuple[Settings, BotFrameworkEndpoints], db: Database) -> None:
    from adapters.bootstrap import build_services

    settings, endpoints = secured
    fast = changed(settings, LEADERS_DELIVERY_POLL_SECONDS=0.05)
    services = build_services(fast, with_workers=True, teams_endpoints=endpoints)
    assert services.delivery is not None
    await run_worker_until(services.delivery, lambda: settled(db))


async def test_stored_references_to_other_hosts_are_never_sent_to(secured, attacker, db) -> None:
    """A reference saved before the allow-list existed (or by a bug) pointing elsewhere: the outbox
    message fails at once with a reason, and nothing — least of all the bot's token — is sent."""
    fake, url = attacker
    with db.session() as session:
        account = linked_elsewhere(session, url).id
    queue(db, [account])
    await deliver_all(secured, db)
    with db.session() as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
        assert (row.status, row.attempts) == (FAILED, 1)
        assert row.last_error == "Teams: the service URL is not an allowed Bot Connector host"
    assert fake.calls == []


async def test_a_card_update_is_never_sent_to_a_stored_host_off_the_list(secured, attacker, db) -> None:
    """The same for a live card's `update_activity`: the card went out before its conversation's stored
    reference came to point elsewhere; its update fails at once with the reason, and nothing is sent."""
    from bot.live import queue_card, update_card
    from bot.replies import Reply, Text
    from directory.live_cards import CardUpdate
    from directory.outbox import SENT

    fake, url = attacker
    with db.session() as session:
        queue_card(session, linked_elsewhere(session, url), Reply((Text("Waiting", "heading"),)),
                   "card:priya")
        card = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "card:priya"))
        assert card is not None
        card.status, card.sent_conversation, card.platform_message_id = SENT, "a:1personal-p", "1"
    with db.session() as session:
        assert update_card(session, "card:priya", Reply((Text("Accepted", "heading"),))) == CardUpdate.QUEUED
    await deliver_all(secured, db)
    with db.session() as session:
        (update,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "update")).all()
        assert (update.status, update.attempts) == (FAILED, 1)
        assert update.last_error == "Teams: the service URL is not an allowed Bot Connector host"
    assert fake.calls == []


# --- Finding 2: only organisations we know; links only on an email the tenant may vouch for -----------

async def test_a_turn_from_another_tenant_gets_one_sentence_and_touches_nothing(
        secured, connector, identity, db) -> None:
    """A genuine Teams user (valid token, Microsoft's serviceUrl) from a tenant not in
    LEADERS_ALLOWED_TENANTS, whose tenant says they are Priya: message, button, search and install each
    get the one sentence — no member lookup, no link, no conversation reference kept."""
    fake, url = connector
    fake.members[PRIYA.id] = PRIYA
    settings, endpoints = secured
    token = identity.mint(url)
    async with running(settings, endpoints) as (base, _, _):
        status, _ = await post(base, in_tenant(teams.message(url, PRIYA, "staff list"), OTHER_TENANT), token)
        assert status == 201
        assert [texts(card) for card in cards_of(fake.posted()[-1])] == [[REFUSAL]]
        status, body = await post(base, in_tenant(teams.card_execute(url, PRIYA, "profile",
                                                                     {"action": "profile.view:1"}),
                                                  OTHER_TENANT), token)
        assert status == 200 and texts(body["value"]) == [REFUSAL]
        status, body = await post(base, in_tenant(teams.extension_query(url, PRIYA, "chief"), OTHER_TENANT),
                                  token)
        assert status == 200 and body["composeExtension"] == {"type": "message", "text": REFUSAL}
        status, _ = await post(base, in_tenant(teams.bot_installed(url, PRIYA), OTHER_TENANT), token)
        assert status == 201 and texts(cards_of(fake.posted()[-1])[0]) == [REFUSAL]
        no_tenant = teams.message(url, PRIYA, "help")
        no_tenant["conversation"].pop("tenantId")
        no_tenant.pop("channelData")
        await post(base, no_tenant, token)
        assert texts(cards_of(fake.posted()[-1])[0]) == [REFUSAL]
    assert [c["method"] for c in fake.calls] == ["POST"] * 3  # three answers; no member lookup
    nothing_stored(db)


async def test_an_email_from_a_domain_the_tenant_does_not_own_does_not_link(
        secured, connector, identity, db) -> None:
    """The tenant's admin set a mailbox-less user's `mail` to Priya's address (any admin can): the tenant
    owns manchester.gov.uk, not hmrc.gov.uk, so nothing links and the user is offered Sign in with
    Microsoft instead."""
    fake, url = connector
    impostor = Member("29:1mallory", "aad-mallory", "Mallory", PRIYA.email, upn="mallory@manchester.gov.uk")
    fake.members[impostor.id] = impostor
    settings, endpoints = secured
    settings = changed(settings, LEADERS_TENANT_DOMAINS=f"{TENANT}:manchester.gov.uk")
    async with running(settings, endpoints) as (base, _, _):
        await post(base, teams.message(url, impostor, "staff list"), identity.mint(url))
    (card,) = cards_of(fake.posted()[-1])
    assert texts(card)[0] == "Welcome to Leaders Connect"
    assert [a["title"] for a in nodes_of_type(card, "Action.OpenUrl")] == ["Sign in with Microsoft"]
    assert "priya" not in json.dumps(card).lower()
    with db.session() as session:
        assert session.scalars(select(ChatAccount)).all() == []


async def test_a_tenant_that_owns_no_domain_is_not_even_asked(secured, connector, identity, db) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    settings, endpoints = secured
    settings = changed(settings, LEADERS_TENANT_DOMAINS="")
    async with running(settings, endpoints) as (base, _, _):
        await post(base, teams.message(url, KIM, "profile"), identity.mint(url))
    assert [c["method"] for c in fake.calls] == ["POST"]  # the welcome; no member lookup
    assert texts(cards_of(fake.posted()[-1])[0])[0] == "Welcome to Leaders Connect"


async def test_the_upn_links_when_the_email_is_outside_the_tenants_domains(
        secured, connector, identity, db) -> None:
    fake, url = connector
    kim = Member(KIM.id, KIM.aad_object_id, KIM.name, "kim@personal.example", upn=KIM.email)
    fake.members[kim.id] = kim
    settings, endpoints = secured
    async with running(settings, endpoints) as (base, _, _):
        await post(base, teams.message(url, kim, "profile"), identity.mint(url))
    assert "Email: kim.chen@manchester.gov.uk" in texts(cards_of(fake.posted()[-1])[0])


async def test_a_leader_who_signed_in_is_recognised_by_object_id(secured, connector, identity, db) -> None:
    """The tenant owns no domain here, but Kim proved this object id hers with Sign in with Microsoft."""
    fake, url = connector
    settings, endpoints = secured
    settings = changed(settings, LEADERS_TENANT_DOMAINS="")
    with db.session() as session:
        leader = session.scalar(select(Leader).where(Leader.email == KIM.email))
        assert leader is not None
        leader.microsoft_oid = KIM.aad_object_id
    async with running(settings, endpoints) as (base, _, _):
        await post(base, teams.message(url, KIM, "profile"), identity.mint(url))
    assert "Email: kim.chen@manchester.gov.uk" in texts(cards_of(fake.posted()[-1])[0])
    with db.session() as session:
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "account.linked"))


async def test_a_second_microsoft_account_with_her_email_does_not_link_once_she_signed_in(
        secured, connector, identity, db) -> None:
    """Kim signed in with her own Microsoft account (object id remembered). Another account in the same
    tenant whose mail is set to her address must not become her by email: sign-in refuses a second
    Microsoft account, so automatic linking must too."""
    fake, url = connector
    other = Member("29:1other", "aad-someone-else", "Someone", KIM.email, upn="someone@manchester.gov.uk")
    fake.members[other.id] = other
    settings, endpoints = secured
    with db.session() as session:
        leader = session.scalar(select(Leader).where(Leader.email == KIM.email))
        assert leader is not None
        leader.microsoft_oid = KIM.aad_object_id
    async with running(settings, endpoints) as (base, _, _):
        await post(base, teams.message(url, other, "profile"), identity.mint(url))
    (card,) = cards_of(fake.posted()[-1])
    assert texts(card)[0] == "Welcome to Leaders Connect"
    assert "kim.chen" not in json.dumps(card).lower()
    with db.session() as session:
        assert session.scalars(select(ChatAccount)).all() == []


def nodes_of_type(card: object, kind: str) -> list[dict]:
    from tests.test_teams_http import nodes

    return [node for node in nodes(card) if node.get("type") == kind]


def test_tenant_domains_are_validated_and_exact() -> None:
    from directory.vouching import tenant_vouches

    settings = Settings(LEADERS_TENANT_DOMAINS="T1:merseyside.police.uk, T1:Police.UK ,t2:nhs.net",  # type: ignore[call-arg]
                        _env_file=None)
    domains = settings.tenant_domain_map
    assert domains == {"t1": frozenset({"merseyside.police.uk", "police.uk"}), "t2": frozenset({"nhs.net"})}
    assert tenant_vouches(domains, "T1", "Chief@Merseyside.Police.UK")
    assert not tenant_vouches(domains, "t1", "someone@west-yorkshire.police.uk")  # no wildcard subdomains
    assert not tenant_vouches(domains, "t2", "x@merseyside.police.uk")  # another tenant's domain
    assert not tenant_vouches(domains, "t1", "police.uk")
    for bad in ("merseyside.police.uk", "T1:", "T1:not a domain", ":police.uk"):
        with pytest.raises(ValueError, match="tenant-id:domain pairs"):
            Settings(LEADERS_TENANT_DOMAINS=bad, _env_file=None)  # type: ignore[call-arg]



@pytest.mark.parametrize(("value", "message"), [
    ("https://smba.trafficmanager.net/emea/", "give host names only"),
    (" , ", "must name at least one host"),
])
def test_service_url_hosts_are_host_names(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(LEADERS_TEAMS_SERVICE_URL_HOSTS=value, _env_file=None)  # type: ignore[call-arg]
    default = Settings(_env_file=None).teams_service_url_host_set  # type: ignore[call-arg]
    assert "smba.trafficmanager.net" in default and "smba.infra.gov.teams.microsoft.us" in default


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_local_mode_listens_on_this_machine_only(database_url: str, tmp_path, how: str) -> None:
    """Local mode's loopback-only serviceUrls keep the bot's *messages* on this machine, but a card
    button (`adaptiveCard/action`) and a messaging-extension search are answered in the HTTP response
    itself. Listening on 0.0.0.0 (the container image's LEADERS_HOST), anyone who could reach the port
    and name a leader's object id read that leader's view of the directory. `serve` refuses to start."""
    import os
    import subprocess
    import sys
    import time
    import urllib.error

    from tests.test_serve import free_port, get

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env.update(LEADERS_DATABASE_URL=database_url, LEADERS_TEAMS_INSECURE_LOCAL="1",
               LEADERS_ALLOWED_TENANTS=TENANT, LEADERS_PORT=str(port))
    args = ["--host", "0.0.0.0"] if how == "flag" else []
    if how == "environment":
        env["LEADERS_HOST"] = "0.0.0.0"
    process = subprocess.Popen([sys.executable, "-m", "adapters.cli", "serve", "--no-scheduler",
                                "--no-workers", *args], cwd=tmp_path, env=env, stderr=subprocess.PIPE,
                               text=True)
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None:
            try:
                get(f"http://127.0.0.1:{port}/healthz")
                raise AssertionError("local mode is listening on 0.0.0.0")
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "serve neither started nor refused"
                time.sleep(0.2)
        stderr = process.stderr.read() if process.stderr else ""
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    assert process.returncode == 2, stderr
    assert "LEADERS_TEAMS_INSECURE_LOCAL" in stderr and "0.0.0.0" in stderr and "127.0.0.1" in stderr
