"""Introductions through the engine (console accounts, no platform): naming who, the reason, the limits,
blocks, `intros`, the state machine's refusals, and the audit trail. The cross-platform flows over real
HTTP are in test_intros_cross_platform.py."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adapters.console.session import ConsoleConversation
from bot.engine import Bot
from directory import audit
from directory.database import Database
from directory.introductions import TRANSITIONS, Introduction, check_transition
from directory.people import LeaderInput, upsert_leaders
from directory.settings import Settings
from tests.helpers import load_sample

AINE = "aine.nibhriain@belfastcity.gov.uk"
SEAN = "sean.obrien@scotland.police.uk"
ROSA = "rosa.lee@nwas.nhs.uk"
KIM = "kim.chen@manchester.gov.uk"
REASON = "I'd value your experience of major incidents as we plan for winter."


def make_bot(db: Database, **env: object) -> Bot:
    return Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None, **env))  # type: ignore[call-arg]


@pytest.fixture
def bot(db: Database) -> Bot:
    load_sample(db)
    return make_bot(db)


def intros_in(db: Database) -> list[Introduction]:
    with db.session() as session:
        found = list(session.scalars(select(Introduction).order_by(Introduction.id)))
        for one in found:
            session.expunge(one)
        return found


def test_the_longest_leading_run_of_words_names_the_leader(bot: Bot, db: Database) -> None:
    aine = ConsoleConversation(bot, AINE)
    shown = aine.say(f"intro Sean O'Brien {REASON}")
    # Seán has no Slack or Teams account yet: the request waits for him, and Áine is told.
    assert "Seán O'Brien isn't in Leaders Connect's chat yet: your request will wait" in shown
    assert "[1] Withdraw" in shown and REASON in shown
    (made,) = intros_in(db)
    assert (made.reason, made.status, made.delivered_at) == (REASON, "requested", None)


def test_a_quoted_name_and_an_unknown_name(bot: Bot) -> None:
    aine = ConsoleConversation(bot, AINE)
    assert "No leader is called “Nobody Here”" in aine.say(f'intro "Nobody Here" {REASON}')
    assert "closing quote is missing" in aine.say(f'intro "Rosa Lee {REASON}')
    assert "Rosa Lee isn't in Leaders Connect's chat yet" in aine.say(f'intro "rosa lee" {REASON}')
    assert "couldn't find a leader named" in aine.say(f"intro Zebedee {REASON}")


def test_several_leaders_matching_are_asked_about(bot: Bot, db: Database) -> None:
    with db.session() as session:
        upsert_leaders(session, [LeaderInput("rosa.martin@example.gov.uk", "Rosa Martin", "Chief Executive",
                                             "Example Council", "local government")])
    shown = ConsoleConversation(bot, AINE).say(f"intro Rosa {REASON}")
    assert "Several leaders match “Rosa” — which one?" in shown
    assert "Rosa Lee" in shown and "Rosa Martin" in shown
    assert intros_in(db) == []


def test_two_leaders_with_one_name_can_each_be_asked(bot: Bot, db: Database) -> None:
    """Two Rosa Lees: no typed name tells them apart, so the list offers each a Request introduction."""
    with db.session() as session:
        upsert_leaders(session, [LeaderInput("rosa.lee@example.gov.uk", "Rosa Lee", "Chief Executive",
                                             "Example Council", "local government")])
    aine = ConsoleConversation(bot, AINE)
    shown = aine.say(f'intro "Rosa Lee" {REASON}')
    assert "Several leaders match “Rosa Lee” — which one? Press Request introduction" in shown
    assert shown.count("] Request introduction") == 2
    form = aine.press("Request introduction", 2)
    assert "Why would you like to meet?" in form and intros_in(db) == []


def test_an_email_is_a_key_only_where_it_is_visible(bot: Bot, db: Database) -> None:
    aine = ConsoleConversation(bot, AINE)
    hidden = aine.say(f"intro {KIM} {REASON}")
    assert "No leader you can see has the email" in hidden and "Kim Chen" not in hidden
    with db.session() as session:
        from directory.people import by_email

        kim = by_email(session, KIM)
        assert kim is not None
        kim.visibility = {**kim.visibility, "email": "everyone"}
    assert "Kim Chen isn't in Leaders Connect's chat yet" in aine.say(f"intro {KIM} {REASON}")


def test_the_reason_must_be_20_to_500_characters(bot: Bot, db: Database) -> None:
    aine = ConsoleConversation(bot, AINE)
    assert "What would you like to meet Rosa Lee about?" in aine.say('intro "Rosa Lee"')
    assert "20–500 characters; you wrote 9" in aine.say('intro "Rosa Lee" too short')
    assert "keep the reason to 500 characters" in aine.say('intro "Rosa Lee" ' + "x" * 501)
    assert intros_in(db) == []


def test_no_request_to_yourself_and_one_open_request_per_pair(bot: Bot, db: Database) -> None:
    aine, sean = ConsoleConversation(bot, AINE), ConsoleConversation(bot, SEAN)
    assert "You can't request an introduction to yourself." in aine.say(f'intro "Áine Ní Bhriain" {REASON}')
    aine.say(f"intro Seán O'Brien {REASON}")
    assert "You already have an open request to Seán O'Brien" in aine.say(f"intro Seán O'Brien {REASON}")
    assert "has already asked to be introduced to you" in sean.say(f'intro "Áine Ní Bhriain" {REASON}')
    assert len(intros_in(db)) == 1


def test_open_and_weekly_limits_come_from_the_environment(db: Database) -> None:
    load_sample(db)
    bot = make_bot(db, LEADERS_INTRO_MAX_OPEN=2, LEADERS_INTRO_MAX_PER_WEEK=3)
    aine = ConsoleConversation(bot, AINE)
    for name in ("Rosa Lee", "Kim Chen"):
        assert "your request will wait" in aine.say(f'intro "{name}" {REASON}')
    assert "You have 2 requests waiting for an answer" in aine.say(f'intro "Pat Nurse" {REASON}')
    aine.say("intros")
    aine.press("Withdraw")
    assert "your request will wait" in aine.say(f'intro "Pat Nurse" {REASON}')
    aine.say("intros")
    aine.press("Withdraw")
    assert "You've sent 3 introduction requests in the last seven days" in aine.say(f'intro "Jo McCarthy" '
                                                                                   f'{REASON}')
    assert len(intros_in(db)) == 3


def test_a_block_declines_and_refuses_further_requests_as_not_available(bot: Bot, db: Database) -> None:
    aine, sean = ConsoleConversation(bot, AINE), ConsoleConversation(bot, SEAN)
    aine.say(f"intro Seán O'Brien {REASON}")
    received = sean.say("intros")
    assert "Waiting for your answer (1)" in received and "[1] Accept" in received
    blocked = sean.press("Block further requests from them")
    assert "Blocked: Áine Ní Bhriain can't send you introduction requests any more." in blocked
    assert intros_in(db)[0].status == "declined"
    again = aine.say(f"intro Seán O'Brien {REASON}")
    assert again.strip() == "! Seán O'Brien is not available for introductions."
    assert "Unblocked: Áine Ní Bhriain may send you" in sean.say("intros unblock Áine Ní Bhriain")
    assert "You haven't blocked Áine Ní Bhriain." in sean.say("intros unblock aine ni bhriain")
    assert "your request will wait" in aine.say(f"intro Seán O'Brien {REASON}")  # unblocked: asks again
    with db.session() as session:
        assert [e.action for e in audit.lines(session, action="intro.")] == [
            "intro.requested", "intro.declined", "intro.blocked", "intro.requested"]


def test_block_on_a_stale_card_blocks_nothing_and_says_so(bot: Bot, db: Database) -> None:
    """Seán says Not now, then presses Block on a copy of the card drawn before that: the press is on a
    stale card, so nothing changes — neither a block (which would leave the request open) nor a decline."""
    aine, sean = ConsoleConversation(bot, AINE), ConsoleConversation(bot, SEAN)
    aine.say(f"intro Seán O'Brien {REASON}")
    (made,) = intros_in(db)
    sean_identity = sean.identity
    assert "You said not now" in bot.handle_action(sean_identity, f"intro.notnow:{made.id}~0").plain()
    answer = bot.handle_action(sean_identity, f"intro.block:{made.id}~0").plain()
    assert "out of date" in answer and "Blocked:" not in answer
    assert intros_in(db)[0].status == "snoozed"
    with db.session() as session:
        assert not list(audit.lines(session, action="intro.blocked"))
    assert "Blocked:" in bot.handle_action(sean_identity, f"intro.block:{made.id}~1").plain()
    assert intros_in(db)[0].status == "declined"


def test_intros_lists_sent_received_and_accepted_and_accepting_shows_contact_details(bot: Bot,
                                                                                      db: Database) -> None:
    aine, sean = ConsoleConversation(bot, AINE), ConsoleConversation(bot, SEAN)
    assert "You have no introduction requests" in aine.say("intros")
    aine.say(f"intro Seán O'Brien {REASON}")
    sent = aine.say("intros")
    assert "Sent by you (1)" in sent and "Seán O'Brien" in sent and "[1] Withdraw" in sent
    assert "Waiting for your answer" not in sent
    assert "+44 7700 900102" not in aine.say("profile sean obrien")
    sean.say("intros")
    shown = sean.press("Accept")
    assert "Introduction accepted on" in shown
    listed = aine.say("intros")
    assert "Introduced (1)" in listed and "Seán O'Brien — introduced" in listed
    # Introduced: each now sees the other's `introduced` fields on the profile, and it is audited.
    profile = aine.say("profile sean obrien")
    assert "Phone: +44 7700 900102" in profile and "Email: sean.obrien@scotland.police.uk" in profile
    with db.session() as session:
        actions = [e.action for e in audit.lines(session) if e.action.startswith(("intro.", "contact."))]
    # Neither has a Slack or Teams account to send the details to: the one disclosure is the profile's.
    assert actions == ["intro.requested", "intro.accepted", "contact.disclosed"]


def test_not_now_snoozes_and_the_recipient_may_still_accept(bot: Bot, db: Database) -> None:
    aine, sean = ConsoleConversation(bot, AINE), ConsoleConversation(bot, SEAN)
    aine.say(f"intro Seán O'Brien {REASON}")
    sean.say("intros")
    snoozed = sean.press("Not now")
    assert "You said not now; we'll ask again on" in snoozed and "[1] Accept" in snoozed
    assert intros_in(db)[0].status == "snoozed"
    assert "Sent by you" in aine.say("intros")  # still open for the requester; no snooze is revealed
    assert "Introduction accepted" in sean.press("Accept")


def test_illegal_moves_are_answered_and_change_nothing(bot: Bot, db: Database) -> None:
    aine, sean = ConsoleConversation(bot, AINE), ConsoleConversation(bot, SEAN)
    aine.say(f"intro Seán O'Brien {REASON}")
    (made,) = intros_in(db)
    # The requester pressing Accept (an id she can type), a stranger pressing anything.
    from adapters.console.session import console_identity

    answer = bot.handle_action(console_identity(AINE), f"intro.accept:{made.id}~0").plain()
    assert "Only the person asked (or their office) can do that." in answer
    stranger = bot.handle_action(console_identity(ROSA), f"intro.accept:{made.id}~0").plain()
    assert stranger == "That introduction request is no longer here."
    assert "REASON" not in stranger and "Áine" not in stranger
    sean.say("intros")
    sean.press("Decline")
    again = bot.handle_action(console_identity(SEAN), f"intro.accept:{made.id}~1").plain()
    assert again.startswith("This request was already declined on")
    assert bot.handle_action(console_identity(SEAN), "intro.accept:99999~0").plain() == \
        "That introduction request is no longer here."
    assert [(i.status, i.revision) for i in intros_in(db)] == [("declined", 1)]


def test_the_state_machine_allows_only_its_own_moves() -> None:
    final = {"accepted", "declined", "withdrawn", "expired"}
    for state in final:
        assert TRANSITIONS[state] == frozenset()
    assert "requested" in TRANSITIONS["snoozed"] and "requested" not in TRANSITIONS["requested"]
    done = Introduction(status="accepted", revision=1)
    assert check_transition(done, "accepted") == "You already accepted this introduction."
    assert check_transition(done, "declined").startswith("This introduction was already accepted")
    assert check_transition(Introduction(status="requested"), "accepted") is None


def test_how_to_talk_is_honest_about_each_platform_pair() -> None:
    from bot.introductions import how_to_talk
    from directory.models import ChatAccount, Leader

    me = Leader(id=1, full_name="Áine Ní Bhriain", email="aine@x.gov.uk", visibility={})
    other = Leader(id=2, full_name="Seán O'Brien", email="sean@y.police.uk", visibility={})
    slack_a, slack_b = ChatAccount(platform="slack", workspace_id="T1"), ChatAccount(platform="slack",
                                                                                       workspace_id="T2")
    teams_a, teams_b = ChatAccount(platform="teams", workspace_id="t1"), ChatAccount(platform="teams",
                                                                                       workspace_id="t2")

    def said(mine: ChatAccount, theirs: ChatAccount) -> str:
        return " ".join(b.plain() for b in how_to_talk(me, other, mine, theirs))

    same_workspace = ChatAccount(platform="slack", workspace_id="T1")
    assert "group message for the two of you" in said(slack_a, same_workspace)
    assert "another Slack workspace" in said(slack_a, slack_b)
    same_tenant = how_to_talk(me, other, teams_a, ChatAccount(platform="teams", workspace_id="t1"))
    assert same_tenant[0].buttons[0].url == "https://teams.microsoft.com/l/chat/0/0?users=sean@y.police.uk"
    assert len(same_tenant) == 1  # one tenant: no federation note
    assert "external access" in said(teams_a, teams_b)
    assert "uses Slack and you use Microsoft Teams" in said(teams_a, slack_a)
    hidden = Leader(id=3, full_name="Kim Chen", email="kim@z.gov.uk", visibility={"email": "staff"})
    shown = " ".join(b.plain() for b in how_to_talk(me, hidden, teams_a, teams_b))
    assert "Search for Kim Chen in Teams" in shown


def test_hostile_text_in_a_reason_is_kept_as_text(bot: Bot, db: Database) -> None:
    """A NUL (PostgreSQL refuses it in text), terminal escapes, markup of every platform: stored as one
    plain paragraph, through the form as through typed text; someone else's card is not theirs to see."""
    from adapters.console.session import console_identity
    from adapters.slack.render import render_blocks

    hostile = "<!channel> *bold* `code` [x](http://evil) \x00\x1b[31m **Adaptive** {{DATE(2030)}} " + "é" * 20
    answer = bot.handle_submit(console_identity(AINE), f"intro.send:{_id(db, SEAN)}", {"reason": hostile})
    assert "your request will wait" in answer.plain()
    (made,) = intros_in(db)
    assert "\x00" not in made.reason and "\x1b" not in made.reason and "<!channel>" in made.reason
    slack = json.dumps(render_blocks(answer))
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack
    view = bot.handle_action(console_identity(ROSA), f"intro.view:{made.id}").plain()
    assert view == "This introduction is not yours to see."


def _id(db: Database, email: str) -> int:
    with db.session() as session:
        from directory.people import by_email

        found = by_email(session, email)
        assert found is not None
        return found.id


def test_intros_says_when_more_received_requests_wait_than_it_shows(db: Database) -> None:
    """A leader many ask: `intros` shows ten waiting requests and says how many more there are."""
    load_sample(db)
    bot = make_bot(db)
    with db.session() as session:
        upsert_leaders(session, [LeaderInput(f"asker{n}@example.gov.uk", f"Asker Number{chr(97 + n)}",
                                             "Chief Executive", "Example Council", "local government")
                                 for n in range(12)])
    for n in range(12):
        assert "your request will wait" in ConsoleConversation(bot, f"asker{n}@example.gov.uk").say(
            f"intro Seán O'Brien {REASON}")
    shown = ConsoleConversation(bot, SEAN).say("intros")
    assert "Waiting for your answer (12)" in shown and shown.count("] Accept") == 10
    assert "…and 2 more, older ones not shown here" in shown
