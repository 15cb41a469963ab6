"""Finding 6: ids nobody could have — 30 digits, "²", 5,000 digits — are answered like any id that no longer
exists (an expired button, "no such message"), never with an OverflowError, a 500 or a traceback."""

from __future__ import annotations

import pytest

from adapters.console.session import ConsoleConversation
from bot.engine import Bot
from directory.database import Database
from directory.ids import MAX_ID, parse_id
from directory.settings import Settings
from tests.helpers import load_sample
from tests.slack_fakes import FakeSlack, RunningServer, texts

HUGE = "9" * 30
SEAN = "sean.obrien@scotland.police.uk"


@pytest.mark.parametrize(("value", "expired"), [
    (f"profile.view:{HUGE}", "That profile is no longer in the directory"),
    ("profile.view:²", "That profile is no longer in the directory"),
    (f"profile.view:{2**31}", "That profile is no longer in the directory"),  # past PostgreSQL's INTEGER
    (f"accounts.unlink:{HUGE}", "That button has expired"),
    ("accounts.unlink:-1", "That button has expired"),
])
async def test_a_button_with_an_absurd_id_is_an_expired_button(server: RunningServer, fake_slack: FakeSlack,
                                                               value: str, expired: str) -> None:
    await server.press(value, "UAINE", response_url=fake_slack.response_url("press"))
    [(_, answer)] = await fake_slack.wait_for(lambda: fake_slack.responses)
    said = texts(answer["blocks"])
    assert expired in said and "something went wrong" not in said


def test_typed_numbers_that_are_not_ids(db: Database) -> None:
    load_sample(db)
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    sean = ConsoleConversation(bot, SEAN)
    sean.say("accounts")
    assert "I don't know the command “²”" in sean.say("²")  # not a button number (int("²") fails)
    assert "choose a number" in sean.say("accounts remove " + "9" * 5_000)  # past int()'s digit limit
    assert "choose a number" in sean.say(f"accounts remove {HUGE}")


def test_the_cli_refuses_absurd_ids_and_spans_cleanly(leaders) -> None:  # type: ignore[no-untyped-def]
    retried = leaders("outbox", "--retry", HUGE)
    assert retried.returncode == 2 and "Traceback" not in retried.stderr
    assert f"1<=x<={MAX_ID}" in retried.stderr
    assert leaders("outbox", "--retry", str(MAX_ID)).stderr.strip() == \
        f"leaders: error: no outbox message with id {MAX_ID}"
    audited = leaders("audit", "--since", "999999999d")  # further back than datetime goes: everything
    assert audited.returncode == 0 and "Traceback" not in audited.stderr
    assert leaders("audit", "--actor", f"leader:{HUGE}").returncode == 0


def test_parse_id() -> None:
    assert [parse_id(t) for t in ("1", "42", str(MAX_ID))] == [1, 42, MAX_ID]
    assert [parse_id(t) for t in ("", "0", "-1", "+1", " 1", "1.0", "²", "١", HUGE, str(MAX_ID + 1))] \
        == [None] * 10
