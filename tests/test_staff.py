"""The staff role: granted by LEADERS_STAFF_EMAILS or `leaders staff add`, checked by every staff-only
command on every platform. A non-staff leader trying each one is refused and nothing changes."""

from __future__ import annotations

from sqlalchemy import func, select

from adapters.console.render import render
from bot.commands import REGISTRY
from bot.engine import Bot
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.models import AuditEvent, StaffMember
from directory.settings import Settings
from tests import fakes_teams as teams
from tests.fakes_teams import Member
from tests.helpers import load_sample
from tests.slack_fakes import FakeSlack, RunningServer, texts
from tests.teams_server import post, running
from tests.test_teams_http import cards_of
from tests.test_teams_http import texts as card_texts

STAFF_COMMANDS = sorted(name for name, cmd in REGISTRY.items() if cmd.staff_only)
WORDS = {"staff": "staff add kim.chen@manchester.gov.uk", "poll": "poll new", "content": "content add",
         "announce": "announce status 1"}


def state(db: Database) -> tuple[int, int]:
    """What a staff command could change: the staff role, and the audit log."""
    with db.session(commit=False) as session:
        return (session.scalar(select(func.count()).select_from(StaffMember)) or 0,
                session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_every_staff_command_has_a_refusal_case() -> None:
    assert set(STAFF_COMMANDS) == set(WORDS), "a new staff-only command needs a refusal test"


def test_console_non_staff_is_refused_every_staff_command(db: Database) -> None:
    load_sample(db)
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    kim = ChatIdentity("console", "local", "kim", "kim.chen@manchester.gov.uk")
    bot.handle_text(kim, "help")  # links the account (an audit line) before we take the snapshot
    before = state(db)
    for name in STAFF_COMMANDS:
        reply = render(bot.handle_text(kim, WORDS[name]))
        assert f"`{name}` is for the Leaders Connect staff team only" in reply, name
    assert state(db) == before


async def test_slack_non_staff_is_refused_every_staff_command(server: RunningServer, fake_slack: FakeSlack,
                                                               db: Database) -> None:
    await server.slash("help", "UAINE", response_url=fake_slack.response_url("link"))
    await fake_slack.wait_for(lambda: fake_slack.responses)
    before = state(db)
    for name in STAFF_COMMANDS:
        await server.slash(WORDS[name], "UAINE", response_url=fake_slack.response_url(name))
        answers = await fake_slack.wait_for(
            lambda n=name: [a for p, a in fake_slack.responses if p.endswith(n)])
        assert "is for the Leaders Connect staff team only" in texts(answers[0]["blocks"]), name
    assert state(db) == before


async def test_teams_non_staff_is_refused_every_staff_command(settings, connector, db) -> None:
    fake, url = connector
    kim = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
    fake.members[kim.id] = kim
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, kim, "help"))
        before = state(db)
        for name in STAFF_COMMANDS:
            await post(base, teams.message(url, kim, WORDS[name]))
            (card,) = cards_of(fake.posted()[-1])
            assert "is for the Leaders Connect staff team only" in " ".join(card_texts(card)), name
    assert state(db) == before


def test_staff_from_the_environment_or_the_cli_may_grant_in_chat(db: Database) -> None:
    load_sample(db)
    settings = Settings(LEADERS_DATABASE_URL=db.url, LEADERS_STAFF_EMAILS="Priya.Patel@hmrc.gov.uk",
                        _env_file=None)  # type: ignore[call-arg]
    bot = Bot(db, settings)
    priya = ChatIdentity("console", "local", "priya", "priya.patel@hmrc.gov.uk")
    kim = ChatIdentity("console", "local", "kim", "kim.chen@manchester.gov.uk")
    def say(who: ChatIdentity, words: str) -> str:
        return render(bot.handle_text(who, words))

    assert "now has the staff role" in say(priya, "staff add kim.chen@manchester.gov.uk")
    listing = say(kim, "staff list")  # Kim is staff now, so she may list
    assert "priya.patel@hmrc.gov.uk> — LEADERS_STAFF_EMAILS" in listing
    assert "kim.chen@manchester.gov.uk> — granted by leader:" in listing
    refused = say(kim, "staff remove priya.patel@hmrc.gov.uk")
    assert "through LEADERS_STAFF_EMAILS" in refused and "Nothing changed" in refused
    assert "no longer has the staff role" in say(priya, "staff remove kim.chen@manchester.gov.uk")
    assert "staff team only" in say(kim, "staff list")
    with db.session(commit=False) as session:
        actions = list(session.scalars(select(AuditEvent.action)
                                       .where(AuditEvent.action.startswith("staff."))))
    assert actions == ["staff.granted", "staff.revoked"]


def test_leaders_staff_cli(leaders, db: Database) -> None:  # type: ignore[no-untyped-def]
    load_sample(db)
    assert "Nobody has the staff role" in leaders("staff", "list").stdout
    added = leaders("staff", "add", "KIM.CHEN@manchester.gov.uk")
    assert added.returncode == 0 and "kim.chen@manchester.gov.uk now has the staff role" in added.stdout
    again = leaders("staff", "add", "kim.chen@manchester.gov.uk")
    assert again.returncode == 0 and "already has the staff role; nothing changed" in again.stdout  # no error
    unknown = leaders("staff", "add", "nobody@example.com")
    assert unknown.returncode == 1 and "not in the directory" in unknown.stderr
    listed = leaders("staff", "list").stdout
    assert "kim.chen@manchester.gov.uk\tKim Chen\tgranted by cli:" in listed
    assert leaders("staff", "remove", "kim.chen@manchester.gov.uk").returncode == 0
    assert "Nobody has the staff role" in leaders("staff", "list").stdout
    assert leaders("staff", "--help").returncode == 0
