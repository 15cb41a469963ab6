"""A leader's own linked accounts (see them, remove one, and it stays removed), how a profile shows the way
its owner was verified, and the daily cap on profiles shown that stops an account dumping the directory."""

from __future__ import annotations

from sqlalchemy import select

from adapters.console.render import render
from bot.engine import Bot
from directory.accounts import ChatIdentity
from directory.clock import FakeClock
from directory.database import Database
from directory.models import AuditEvent, ChatAccount, Leader
from directory.settings import Settings
from tests.conftest import FIXED_NOW
from tests.helpers import load_sample
from tests.slack_fakes import FakeSlack, RunningServer, start_server, stop_server, texts

KIM_SLACK = ChatIdentity("slack", "T0001", "UKIM", "kim.chen@manchester.gov.uk")
KIM_TEAMS = ChatIdentity("teams", "tenant-1", "aad-kim", "kim.chen@manchester.gov.uk")
SEAN = ChatIdentity("console", "local", "sean", "sean.obrien@scotland.police.uk")


def make_bot(db: Database, **extra: object) -> Bot:
    load_sample(db)
    return Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None, **extra))  # type: ignore[arg-type]


def say(bot: Bot, who: ChatIdentity, words: str) -> str:
    return render(bot.handle_text(who, words))


def test_a_leader_sees_their_linked_accounts_and_removes_one(db: Database) -> None:
    bot = make_bot(db)
    say(bot, KIM_TEAMS, "help")
    listing = say(bot, KIM_SLACK, "accounts")
    assert "Slack account in T0001, linked by Slack confirmed email" in listing
    assert "Microsoft Teams account in tenant-1, linked by Microsoft Teams account" in listing
    assert "(the one you're using now)" in listing

    assert "choose a number" in say(bot, KIM_SLACK, "accounts remove 7")
    asked = say(bot, KIM_SLACK, "accounts remove 1")  # the Teams one, linked first: asks before removing
    assert "Remove this link? Microsoft Teams account in tenant-1" in asked
    assert "[1] Yes, remove this link  [2] Keep it" in asked and "accounts remove 1 confirm" in asked
    assert "Microsoft Teams account in tenant-1" in say(bot, KIM_SLACK, "accounts")  # nothing removed yet
    removed = say(bot, KIM_SLACK, "accounts remove 1 confirm")
    assert "Removed: Microsoft Teams account in tenant-1" in removed

    # Teams vouches for the same email, but a removed link is not brought back automatically.
    again = say(bot, KIM_TEAMS, "find finance")
    assert "unlinked from its Leaders Connect profile" in again and "Director of Finance" not in again
    assert "Microsoft Teams" not in say(bot, KIM_SLACK, "accounts")
    with db.session(commit=False) as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("account.%"))))
    assert actions == ["account.linked", "account.linked", "account.unlinked"]


def test_nobody_can_remove_someone_elses_link(db: Database) -> None:
    bot = make_bot(db)
    say(bot, KIM_TEAMS, "help")
    with db.session(commit=False) as session:
        kims = session.scalar(select(ChatAccount.id).where(ChatAccount.user_id == "aad-kim"))
    refused = render(bot.handle_action(SEAN, f"accounts.unlink:{kims}"))
    assert "not linked to you" in refused
    assert "not linked to you" in render(bot.handle_action(SEAN, f"accounts.remove:{kims}"))
    assert "Director of Finance" in say(bot, KIM_TEAMS, "profile")  # Kim is still linked


async def test_removing_a_link_by_button_in_slack(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slash("accounts", "UAINE", response_url=fake_slack.response_url("list"))
    [(_, listing)] = await fake_slack.wait_for(lambda: fake_slack.responses)
    button = next(e for b in listing["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["style"] == "danger" and button["value"].startswith("accounts.unlink:")
    await server.press(button["value"], "UAINE", response_url=fake_slack.response_url("press"))
    answers = await fake_slack.wait_for(lambda: len(fake_slack.responses) == 2 and fake_slack.responses)
    asked = answers[1][1]
    assert "Remove this link?" in texts(asked["blocks"]) and asked["replace_original"] is True
    confirm = next(e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["text"]["text"] == "Yes, remove this link")
    assert confirm["style"] == "danger" and confirm["value"].startswith("accounts.remove:")
    await server.press(confirm["value"], "UAINE", response_url=fake_slack.response_url("confirm"))
    answers = await fake_slack.wait_for(lambda: len(fake_slack.responses) == 3 and fake_slack.responses)
    assert "no longer linked to your profile" in texts(answers[2][1]["blocks"])
    await server.slash("find finance", "UAINE", response_url=fake_slack.response_url("after"))
    answers = await fake_slack.wait_for(lambda: len(fake_slack.responses) == 4 and fake_slack.responses)
    assert "unlinked from its Leaders Connect profile" in texts(answers[3][1]["blocks"])


def test_profiles_say_how_their_owner_was_verified(db: Database) -> None:
    bot = make_bot(db)
    say(bot, KIM_SLACK, "help")
    seen = say(bot, SEAN, "profile kim chen")
    assert "✓ Verified by staff import · chat account linked by Slack confirmed email" in seen


def test_the_daily_cap_stops_an_account_paging_through_the_directory(db: Database, clock: FakeClock) -> None:
    bot = make_bot(db, LEADERS_DAILY_PROFILE_CAP=4, LEADERS_SEARCH_LIMIT=3)
    first = say(bot, SEAN, "find sector:health")  # 2 shown, 2 left today
    assert first.count("View profile") == 2 and "today's limit" not in first
    second = say(bot, SEAN, "find chief")  # 7 match, 3 would be shown: only 2 are
    assert "today's limit of 4 profiles" in second
    assert second.count("View profile") == 2
    third = say(bot, SEAN, "find director")
    assert "today's limit of 4 profiles" in third and "View profile" not in third
    assert "today's limit" in say(bot, SEAN, "profile kim chen")
    assert "Seán O'Brien — Chief Constable" in say(bot, SEAN, "profile")  # your own profile is never capped
    assert "today's limit" not in say(bot, KIM_SLACK, "find chief")  # the cap is per leader
    with db.session(commit=False) as session:
        flagged = list(session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "search.cap_reached")))
    assert len(flagged) == 1 and flagged[0]["cap"] == 4  # logged once, not on every refusal


def test_past_the_cap_every_lookup_answers_the_same_whatever_exists(db: Database, clock: FakeClock) -> None:
    """Finding 6: once the cap is spent, the answer must not depend on whether anything matched — or a
    scraper could keep asking yes/no questions: is there a Kim? is anyone in region:x? whose is this email?
    Your own profile still works, and the cap resets at midnight UTC."""
    bot = make_bot(db, LEADERS_DAILY_PROFILE_CAP=2, LEADERS_SEARCH_LIMIT=3)
    assert "View profile" in say(bot, SEAN, "find chief")  # 3 match, 2 shown: the cap is spent
    with db.session(commit=False) as session:
        kim = session.scalar(select(Leader.id).where(Leader.email_key == "kim.chen@manchester.gov.uk"))
        sean = session.scalar(select(Leader.id).where(Leader.email_key == SEAN.email))
    pairs = [("find kim chen", "find zzyzx quorble"),
             ("find sector:health", "find sector:defence"),
             ('find region:"north west"', 'find region:"nowhere at all"'),
             ("profile kim chen", "profile nobody imaginary"),
             ("profile kim.chen@manchester.gov.uk", "profile nobody@example.com"),
             (f"@profile.view:{kim}", "@profile.view:999999")]
    for exists, absent in pairs:
        answers = {render(bot.handle_action(SEAN, w[1:]) if w.startswith("@") else bot.handle_text(SEAN, w))
                   for w in (exists, absent)}
        assert len(answers) == 1 and "today's limit of 2 profiles" in answers.pop(), (exists, absent)
    assert "Seán O'Brien — Chief Constable" in say(bot, SEAN, "profile")
    assert "Seán O'Brien" in render(bot.handle_action(SEAN, f"profile.view:{sean}"))

    clock.set(FIXED_NOW.replace(hour=23, minute=59))
    assert "today's limit" in say(bot, SEAN, "find kim chen")
    clock.advance(minutes=1)  # midnight UTC: a new day, a new allowance
    assert "Kim Chen" in say(bot, SEAN, "find kim chen")


async def test_past_the_cap_slack_answers_the_same_whatever_exists(db: Database, database_url: str,
                                                                   fake_slack: FakeSlack) -> None:
    """The same over Slack's real HTTP path: a scraper's commands learn nothing once the cap is spent."""
    load_sample(db)
    running = await start_server(database_url, fake_slack, daily_profile_cap=2, search_limit=3)
    try:
        answers = []
        for key, words in (("spend", "find chief"), ("exists", "find kim chen"), ("absent", "find zzyzx"),
                           ("email", "profile kim.chen@manchester.gov.uk"),
                           ("nobody", "profile no@x.example")):
            await running.slash(words, "UAINE", response_url=fake_slack.response_url(key))
            [(_, answer)] = await fake_slack.wait_for(
                lambda key=key: [r for r in fake_slack.responses if r[0].endswith(key)])
            answers.append(texts(answer["blocks"]))
    finally:
        await stop_server(running)
    assert "View profile" in answers[0]
    assert len(set(answers[1:])) == 1 and "today's limit of 2 profiles" in answers[1]
