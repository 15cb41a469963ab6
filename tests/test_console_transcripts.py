"""Console transcripts: a leader types, sees what Slack or Teams would show, in text."""

from __future__ import annotations

import pytest

from adapters.console.session import ConsoleConversation
from bot.engine import Bot
from directory.database import Database
from directory.settings import Settings
from tests.helpers import load_sample

AINE = "aine.nibhriain@belfastcity.gov.uk"
STAFF = "priya.patel@hmrc.gov.uk"


@pytest.fixture
def bot(db: Database) -> Bot:
    load_sample(db)
    return Bot(db, Settings(LEADERS_DATABASE_URL=db.url, LEADERS_STAFF_EMAILS=STAFF))


def test_leader_finds_people_and_opens_a_profile(bot: Bot) -> None:
    aine = ConsoleConversation(bot, AINE)
    shown = aine.say("find chief nurse")
    assert "3 leaders match “chief nurse”" in shown
    # The two Chief Nurses first (the whole query in one field), then Pat Nurse, a Chief Executive.
    first, second, third = (line for line in shown.splitlines() if line.startswith("* "))
    assert {first, second} == {"* Alex Smith-Jones — Chief Nurse, Leeds Teaching Hospitals NHS Trust",
                               "* Rosa Lee — Chief Nurse, North West Ambulance Service NHS Trust"}
    assert third == "* Pat Nurse — Chief Executive, Cardiff Council"
    assert "[1] View profile" in shown and "[3] View profile" in shown
    profile = aine.press("View profile", 1 if first.startswith("* Rosa") else 2)
    assert profile.startswith("* Rosa Lee — Chief Nurse")
    assert "Bio: Paramedic turned nurse leader." in profile
    assert "✓ Verified by staff import" in profile


def test_contact_details_stay_hidden_from_other_leaders(bot: Bot) -> None:
    aine = ConsoleConversation(bot, AINE)
    shown = aine.say("profile sean obrien")
    assert "Seán O'Brien — Chief Constable, Police Scotland" in shown
    assert "+44 7700 900102" not in shown and "sean.obrien@scotland.police.uk" not in shown
    assert "Contact details are shared once you have been introduced." in shown


def test_own_profile_shows_everything(bot: Bot) -> None:
    shown = ConsoleConversation(bot, AINE).say("profile")
    assert "Email: aine.nibhriain@belfastcity.gov.uk" in shown and "Phone: +44 7700 900101" in shown
    assert "This is your own profile" in shown


def test_profile_by_email_only_where_that_email_is_visible_and_ambiguity(bot: Bot) -> None:
    aine = ConsoleConversation(bot, AINE)
    # Kim's email is for people she was introduced to: looking her up by it must not confirm it is hers.
    hidden = aine.say("profile kim.chen@manchester.gov.uk")
    assert "No leader you can see has the email" in hidden and "Kim Chen" not in hidden
    unknown = aine.say("profile nobody@nowhere.uk")
    assert hidden == unknown.replace("nobody@nowhere.uk", "kim.chen@manchester.gov.uk")
    kim = ConsoleConversation(bot, "kim.chen@manchester.gov.uk")
    kim.say("me show email everyone")
    assert aine.say("profile kim.chen@manchester.gov.uk").startswith("* Kim Chen — Director of Finance")
    shown = aine.say("profile chief nurse")
    assert "Several leaders match “chief nurse” — which one?" in shown


def test_typo_tolerant_find_through_the_bot(bot: Bot) -> None:
    shown = ConsoleConversation(bot, AINE).say("/leaders find dirctor of finnance")
    assert "Áine Ní Bhriain" in shown and "Kim Chen" in shown


def test_unknown_command_gets_help_and_a_suggestion(bot: Bot) -> None:
    shown = ConsoleConversation(bot, AINE).say("fnd nurse")
    assert shown.startswith("! I don't know the command “fnd”. Did you mean `find`?")
    assert "`find <words>" in shown


def test_bad_filter_is_explained(bot: Bot) -> None:
    shown = ConsoleConversation(bot, AINE).say("find sector:spaceflight")
    assert "I can't search for that: unknown sector 'spaceflight'" in shown


def test_empty_find_and_no_results(bot: Bot) -> None:
    aine = ConsoleConversation(bot, AINE)
    assert "Who are you looking for?" in aine.say("find")
    assert "No leaders match “qqqzzz”." in aine.say("find qqqzzz")


def test_staff_commands_are_refused_to_leaders_and_listed_for_staff(bot: Bot) -> None:
    refused = ConsoleConversation(bot, AINE).say("poll new")
    assert "`poll` is for the Leaders Connect staff team only." in refused
    staff = ConsoleConversation(bot, STAFF)
    assert "New poll" in staff.say("poll new") and "`leaders poll create`" in staff.say("poll new")
    assert "No polls yet." in staff.say("poll list")


def test_digest_is_answered_now_that_it_is_built(bot: Bot) -> None:
    shown = ConsoleConversation(bot, AINE).say("digest")
    assert "not available yet" not in shown and "The latest for you" in shown


def test_unlinked_person_sees_only_help_and_how_to_get_verified(bot: Bot) -> None:
    stranger = ConsoleConversation(bot, "stranger@example.com")
    for text in ("find nurse", "profile", "profile sean obrien", "fnd"):
        shown = stranger.say(text)
        assert "I don't recognise this account yet." in shown
        assert "How to get verified" in shown
        assert "Nurse" not in shown and "O'Brien" not in shown
    assert "Leaders Connect — find and reach" in stranger.say("help")


def test_pressing_a_stale_or_forged_button(bot: Bot) -> None:
    aine = ConsoleConversation(bot, AINE)
    assert "That profile is no longer in the directory." in \
        aine._record("forged", bot.handle_action(aine.identity, "profile.view:999999"))
    assert "That button has expired." in aine._record("forged", bot.handle_action(aine.identity, "nope:1"))
    malformed = bot.handle_action(aine.identity, "profile.view:abc")
    assert "That profile is no longer" in aine._record("x", malformed)


def test_typing_a_number_presses_that_button(bot: Bot) -> None:
    aine = ConsoleConversation(bot, AINE)
    aine.say("find pat nurse")
    assert aine.say("1").startswith("* Pat Nurse — Chief Executive, Cardiff Council")
