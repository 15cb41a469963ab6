"""What a person expects of a chat directory, as console transcripts: results say how many matched and
come a page at a time; a number keeps pressing the results after a profile, with "Back to results";
`help <topic>` answers or says it does not know it; unverified people are told whom to contact; "1
leader", "bio" and a second `staff add` read as a person would expect."""

from __future__ import annotations

from adapters.console.session import ConsoleConversation
from bot.engine import Bot
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.settings import Settings
from tests.helpers import load_sample

AINE = "aine.nibhriain@belfastcity.gov.uk"
STAFF = "priya.patel@hmrc.gov.uk"


def make_bot(db: Database, **extra: object) -> Bot:
    load_sample(db)
    return Bot(db, Settings(LEADERS_DATABASE_URL=db.url, LEADERS_STAFF_EMAILS=STAFF, _env_file=None,
                            **extra))  # type: ignore[call-arg]


def test_results_say_how_many_matched_and_come_a_page_at_a_time(db: Database) -> None:
    aine = ConsoleConversation(make_bot(db, LEADERS_SEARCH_LIMIT=2), AINE)
    first = aine.say("find chief")
    assert "leaders match “chief” — showing 1–2 ==" in first
    total = int(first.split("== ", 1)[1].split(" ", 1)[0])
    assert total > 4 and first.count("View profile") == 2 and "[3] Next 2" in first
    second = aine.say("3")  # the Next button, by its number
    assert f"{total} leaders match “chief” — showing 3–4 ==" in second
    names = [line for line in first.splitlines() + second.splitlines() if line.startswith("* ")]
    assert len(set(names)) == 4  # no one twice across pages
    last = second
    while "Next" in last:
        last = aine.press(next(label for label in ("Next 2", "Next 1") if label in last))
    assert f"showing {total - (total - 1) % 2}–{total} ==" in last and "Next" not in last


def test_a_number_still_presses_the_results_after_a_profile(db: Database) -> None:
    aine = ConsoleConversation(make_bot(db), AINE)
    results = aine.say("find chief nurse")
    assert "3 leaders match “chief nurse” ==" in results
    first_name = next(line for line in results.splitlines() if line.startswith("* ")).split(" — ")[0]
    second_name = [line for line in results.splitlines() if line.startswith("* ")][1].split(" — ")[0]
    profile = aine.say("2")
    assert profile.startswith(second_name) and "[0] Back to results" in profile
    assert aine.say("1").startswith(first_name)  # the results' first, though the profile is on screen
    back = aine.say("0")
    assert back == results


def test_one_match_is_one_leader(db: Database) -> None:
    aine = ConsoleConversation(make_bot(db), AINE)
    assert "== 1 leader matches “sean obrien police” ==" in aine.say("find sean obrien police")


def test_help_on_a_topic_answers_or_says_it_does_not_know_it(db: Database) -> None:
    aine = ConsoleConversation(make_bot(db), AINE)
    assert "== Help: find ==" in aine.say("help find")
    filters = aine.say("help filters")
    assert "== Help: Search filters ==" in filters and "region:" in filters
    unknown = aine.say("help colour")
    assert "! I don't have help on “colour”." in unknown and "`help find`" in unknown
    assert "`help staff`" not in unknown  # a leader is not offered staff help
    assert "Leaders Connect — find and reach" not in unknown


def test_an_unverified_person_is_told_whom_to_contact(db: Database) -> None:
    bot = make_bot(db, LEADERS_SUPPORT_CONTACT="leaders-team@cabinetoffice.gov.uk")
    stranger = ConsoleConversation(bot, "someone@example.com")
    shown = " ".join(stranger.say("find chief").split())
    assert "ask the Leaders Connect central team (leaders-team@cabinetoffice.gov.uk)" in shown
    plain = " ".join(ConsoleConversation(make_bot_again(db), "other@example.com").say("find x").split())
    assert "the Leaders Connect central team to add" in plain


def make_bot_again(db: Database) -> Bot:
    return Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]


def test_bio_is_called_bio_everywhere(db: Database) -> None:
    aine = ConsoleConversation(make_bot(db), AINE)
    assert "Bio: Leads the council's finance" in aine.say("profile")
    form = aine.say("me")
    assert "Bio: Leads the council's finance" in form and "Who can see your bio" in form
    assert "Your profile is updated: bio." in aine.say("me set bio Finance and audit.")
    assert "Your profile is updated: bio." in aine.say("me set about Finance, audit.")  # the old word


def test_a_second_staff_add_of_the_same_person_is_not_an_error(db: Database) -> None:
    bot = make_bot(db)
    priya = ConsoleConversation(bot, STAFF)
    assert "now has the staff role" in priya.say("staff add kim.chen@manchester.gov.uk")
    again = priya.say("staff add kim.chen@manchester.gov.uk")
    assert "already has the staff role; nothing changed." in again and not again.startswith("!")
    unknown = ChatIdentity("console", "local", STAFF, STAFF)
    assert bot.handle_text(unknown, "staff list") is not None


def test_service_log_lines_never_appear_inside_leaders_chat(db: Database, leaders, tmp_path) -> None:  # type: ignore[no-untyped-def]
    load_sample(db)
    result = leaders("-v", "chat", "--as", AINE, stdin="help\nfind chief nurse\n")
    assert result.returncode == 0, result.stderr
    shown = result.stdout + result.stderr  # all the terminal shows
    assert "Leaders Connect — find and reach" in shown and "3 leaders match" in shown
    assert " DEBUG " not in shown and " INFO " not in shown and "bot.engine" not in shown
    logged = (tmp_path / "leaders-chat.log").read_text()
    assert "DEBUG bot.engine: command help on console" in logged  # they went to the log file


def test_the_readmes_search_examples_find_people_the_demo_directory_has(db: Database) -> None:
    """README: `dearbhla ni dhochartaigh`, `treasa obrien`, `irvine fisher`, `dirctor of finnance` — on the
    directory `leaders serve --demo` loads (500 leaders, seed 42)."""
    import re
    from pathlib import Path

    from directory.demo_data import generate_rows
    from directory.people import LeaderInput, upsert_leaders
    from directory.search import search

    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    with db.session() as session:
        upsert_leaders(session, [LeaderInput(**row) for row in generate_rows(500, 42)])
    examples = {"dearbhla ni dhochartaigh": "Dearbhla Ní Dhochartaigh", "treasa obrien": "Treasa O'Brien",
                "irvine fisher": "Orlagh Irvine-Fisher"}
    with db.session(commit=False) as session:
        for query, name in examples.items():
            assert f"`{query}`" in " ".join(readme.split()), query
            assert search(session, query, limit=3)[0].leader.full_name == name
        assert any("Director of Finance" in h.leader.role for h in search(session, "dirctor of finnance"))
    assert not re.search(r"aine ni bhriain", readme)  # not in the demo directory
