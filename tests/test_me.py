"""`me`: a leader edits their own profile and who sees each field — console transcripts, and the form
submission every platform sends (`Bot.handle_submit`), checked against the database and search."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.console.session import ConsoleConversation
from bot.engine import Bot
from bot.replies import Form, Text
from directory.clock import FakeClock
from directory.database import Database
from directory.models import Leader
from directory.people import by_email
from directory.search import search
from directory.settings import Settings
from tests.conftest import FIXED_NOW
from tests.helpers import load_sample

AINE = "aine.nibhriain@belfastcity.gov.uk"
SEAN = "sean.obrien@scotland.police.uk"


@pytest.fixture
def bot(db: Database) -> Bot:
    load_sample(db)
    return Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]


def say(conversation: ConsoleConversation, text: str) -> str:
    """What the leader sees, with the console's line wrapping undone (sentences may span lines)."""
    return " ".join(conversation.say(text).split())


def aine_in_db(db: Database) -> Leader:
    with db.session() as session:
        leader = by_email(session, AINE)
        assert leader is not None
        session.expunge(leader)
        return leader


def found(db: Database, words: str) -> list[str]:
    with db.session() as session:
        return [hit.leader.email for hit in search(session, words, limit=20)]


def test_me_shows_current_values_visibility_and_how_to_change_them(bot: Bot) -> None:
    shown = say(ConsoleConversation(bot, AINE), "me")
    assert "== Edit your profile ==" in shown
    assert "Role: Director of Finance" in shown and "Phone: +44 7700 900101" in shown
    assert "Expertise: finance;audit;procurement" in shown
    assert "Who can see your phone: introduced (Only people I've been introduced to)" in shown
    assert "Who can see your role: everyone (All verified leaders)" in shown
    assert "Your name and email are your verified identity" in shown
    assert "`me set <field> <value>`" in shown and "`me show <field> everyone|introduced|staff`" in shown


def test_setting_the_role_updates_the_profile_and_search(clock: FakeClock, bot: Bot, db: Database) -> None:
    aine = ConsoleConversation(bot, AINE)
    assert _aware(aine_in_db(db).updated_at) == FIXED_NOW  # loaded at the fixed moment
    edited_at = clock.advance(minutes=5)
    shown = say(aine, "me set role Chief   Executive")
    assert shown.startswith("== Your profile is updated: role. ==")
    assert "* Áine Ní Bhriain — Chief Executive, Belfast City Council" in shown
    leader = aine_in_db(db)
    assert leader.role == "Chief Executive"
    assert _aware(leader.updated_at) == edited_at
    assert AINE in found(db, "chief executive")
    # Other leaders find her by her new role, and the unchanged fields are intact.
    seen = say(ConsoleConversation(bot, SEAN), "find chief executive belfast")
    assert "Áine Ní Bhriain — Chief Executive, Belfast City Council" in seen
    assert (leader.organisation, leader.phone, leader.full_name) == (
        "Belfast City Council", "+44 7700 900101", "Áine Ní Bhriain")


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; what we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_expertise_changes_the_tags_search_filters_on(bot: Bot, db: Database) -> None:
    say(ConsoleConversation(bot, AINE), "me set expertise finance; Resilience ;; cyber security")
    assert aine_in_db(db).expertise == "finance;Resilience;cyber security"
    assert AINE in found(db, "tag:resilience")
    assert AINE not in found(db, "tag:audit")


def test_sharing_the_phone_with_everyone_shows_it_to_another_leader(bot: Bot) -> None:
    sean = ConsoleConversation(bot, SEAN)
    assert "+44 7700 900101" not in say(sean, "profile aine ni bhriain")
    shown = say(ConsoleConversation(bot, AINE), "me show phone everyone")
    assert "Your profile is updated: who can see your phone." in shown
    assert "Phone: +44 7700 900101" in say(sean, "profile aine ni bhriain")


def test_hiding_the_role_from_other_leaders(bot: Bot) -> None:
    say(ConsoleConversation(bot, AINE), "me show role staff")
    shown = say(ConsoleConversation(bot, SEAN), "profile aine ni bhriain")
    assert shown.startswith("* Áine Ní Bhriain — Belfast City Council")
    assert "Director of Finance" not in shown


def test_an_unknown_visibility_level_is_explained_and_nothing_changes(bot: Bot, db: Database) -> None:
    shown = say(ConsoleConversation(bot, AINE), "me show email nobody")
    assert shown.startswith("! “nobody” is not a visibility level. Choose one of:")
    for level in ("`everyone` — All verified leaders", "`introduced` — Only people I've been introduced to",
                  "`staff` — Only the Leaders Connect team"):
        assert level in shown
    assert aine_in_db(db).visibility["email"] == "introduced"
    assert "is not a profile field" in say(ConsoleConversation(bot, AINE), "me show shoe size everyone")


def test_a_bad_phone_is_refused_and_nothing_changes(bot: Bot, db: Database) -> None:
    shown = say(ConsoleConversation(bot, AINE), "me set phone call me")
    assert shown.startswith("! Phone: “call me” is not a phone number.")
    assert "Nothing was changed." in shown
    assert aine_in_db(db).phone == "+44 7700 900101"


def test_an_overlong_bio_is_refused(bot: Bot, db: Database) -> None:
    shown = say(ConsoleConversation(bot, AINE), "me set bio " + "word " * 1000)
    assert "! Bio: This is 4,999 characters long; the limit is 4,000." in shown
    assert aine_in_db(db).bio == "Leads the council's finance and audit functions."


def test_identity_fields_and_required_fields_cannot_be_changed_or_emptied(bot: Bot, db: Database) -> None:
    aine = ConsoleConversation(bot, AINE)
    assert "Your email can't be changed here." in say(aine, "me set email someone@else.uk")
    assert "Your sector can't be changed here." in say(aine, "me set sector policing")
    assert "“shoe” is not a field you can change" in say(aine, "me set shoe 42")
    assert "! Role: This can't be empty." in say(aine, "me set role")
    assert "I didn't understand that." in say(aine, "me delete everything")
    leader = aine_in_db(db)
    assert (leader.email, leader.sector, leader.role) == (AINE, "local-government", "Director of Finance")


def test_clearing_an_optional_field_and_an_unchanged_value(bot: Bot, db: Database) -> None:
    aine = ConsoleConversation(bot, AINE)
    assert "Your profile is updated: phone." in say(aine, "me set phone")
    assert aine_in_db(db).phone == ""
    assert "Nothing to change" in say(aine, "me set region Northern Ireland")


def test_a_submitted_form_saves_every_field_at_once(bot: Bot, db: Database) -> None:
    identity = ConsoleConversation(bot, AINE).identity
    form = bot.handle_text(identity, "me").form
    assert form is not None
    values = {field.name: field.value for field in form.fields}
    values.update({"role": "Chief Resilience Officer", "bio": "Line one.\n\nLine two.",
                   "visibility.phone": "everyone", "visibility.bio": "staff"})
    reply = bot.handle_submit(identity, "me.save", values)
    assert isinstance(reply.blocks[0], Text) and reply.blocks[0].text.startswith("Your profile is updated")
    leader = aine_in_db(db)
    assert leader.role == "Chief Resilience Officer" and leader.bio == "Line one.\n\nLine two."
    assert leader.visibility["phone"] == "everyone" and leader.visibility["bio"] == "staff"
    assert leader.visibility["email"] == "introduced"
    assert AINE in found(db, "resilience")


def test_a_form_with_bad_values_comes_back_with_errors_and_the_values_kept(bot: Bot, db: Database) -> None:
    identity = ConsoleConversation(bot, AINE).identity
    values = {"role": "Chief Resilience Officer", "phone": "call me", "bio": "x" * 4001,
              "visibility.email": "nobody", "email": "evil@example.com"}
    reply = bot.handle_submit(identity, "me.save", values)
    errors = [b.text for b in reply.blocks if isinstance(b, Text) and b.style == "error"]
    assert len(errors) == 3 and any(e.startswith("Phone: “call me” is not a phone number") for e in errors)
    form = reply.form
    assert isinstance(form, Form)
    assert set(form.errors) == {"phone", "bio", "visibility.email"}
    kept = {field.name: field.value for field in form.fields}
    assert kept["role"] == "Chief Resilience Officer" and kept["phone"] == "call me"
    leader = aine_in_db(db)
    assert (leader.role, leader.email, leader.phone) == ("Director of Finance", AINE, "+44 7700 900101")


def test_only_a_linked_leader_can_edit_and_only_themselves(bot: Bot, db: Database) -> None:
    stranger = ConsoleConversation(bot, "stranger@example.com")
    assert "I don't recognise this account yet." in say(stranger, "me set role Boss")
    reply = bot.handle_submit(stranger.identity, "me.save", {"role": "Boss"})
    assert "I don't recognise this account yet." in reply.plain()
    expired = bot.handle_submit(ConsoleConversation(bot, AINE).identity, "nosuch.form", {"role": "Boss"})
    assert "That form has expired." in expired.plain()
    assert AINE not in found(db, "boss") and aine_in_db(db).role == "Director of Finance"


def test_help_lists_me(bot: Bot) -> None:
    shown = say(ConsoleConversation(bot, AINE), "help")
    assert "`me [set <field> <value> | show <field> everyone|introduced|staff]`" in shown


def test_me_says_what_is_missing_and_who_can_see_each_field(bot: Bot, db: Database) -> None:
    conversation = ConsoleConversation(bot, AINE)
    shown = say(conversation, "me")
    assert "Your profile has everything other leaders search by." in shown
    assert ("Who can see each field — your name: all verified leaders; all verified leaders: role, "
            "organisation, sector, region, expertise, bio, cohort; only people you've been introduced "
            "to: email, phone.") in shown
    say(conversation, "me set bio")
    say(conversation, "me set region")
    say(conversation, "me show phone staff")
    shown = say(conversation, "me")
    assert "Missing from your profile: region, bio — other leaders find peers by these" in shown
    assert "only the Leaders Connect team: phone" in shown
