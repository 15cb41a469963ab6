"""Introductions as an attacker and a demanding user try them (review of issue 12): a block must not show
through the limits' answers; an erased party leaves nothing of theirs in the outbox (and, on SQLite, a
reused request id must not collide with the erased request's cards); Teams chat links survive any email."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from sqlalchemy import select

from adapters.console.session import console_identity
from bot.engine import Bot
from bot.introductions import how_to_talk
from directory import audit
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.introductions import Introduction, block
from directory.models import ChatAccount, Leader
from directory.outbox import OutboxMessage
from directory.people import by_email
from directory.settings import Settings
from tests import fakes_teams as teams
from tests.helpers import load_sample
from tests.intro_helpers import (
    AINE,
    PRIYA,
    REASON,
    SEAN,
    SEAN_PHONE,
    both,
    on_slack,
    on_teams,
    serving,
    teams_card,
)
from tests.live_helpers import deliver, link
from tests.slack_fakes import FakeSlack
from tests.teams_server import post
from tests.test_intros_cross_platform import teams_press_data


@pytest.fixture
async def fake_slack():  # type: ignore[no-untyped-def]
    fake = await FakeSlack(emails={AINE[0]: AINE[1]}).start()
    yield fake
    await fake.stop()


@pytest.fixture
def setup(settings, fake_slack, connector):  # type: ignore[no-untyped-def]
    return both(settings, fake_slack), fake_slack, connector[0], connector[1]


async def slack_asks(slack, fake, text: str, name: str = "ask") -> str:  # type: ignore[no-untyped-def]
    """A signed slash command from Áine; its answer (to a response_url of its own) as JSON text."""
    status, _ = await slack.slash(text, AINE[0], response_url=fake.response_url(name))
    assert status == 200
    found = await fake.wait_for(lambda: [b for p, b in fake.responses if p == f"/response/{name}"])
    return json.dumps(found[-1], ensure_ascii=False)


def _leader_id(db: Database, email: str) -> int:
    with db.session() as session:
        found = by_email(session, email)
        assert found is not None
        return found.id


async def test_a_blocked_requester_at_the_limit_hears_the_limit_not_the_block(setup, db: Database) -> None:
    """Áine, blocked by Seán and at her open-request limit, asks Seán and Priya: the two answers must be
    the same limit message — a different one for Seán would tell her she is blocked."""
    settings, fake_slack, _, _ = setup
    settings = settings.model_copy(update={"intro_max_open": 1})
    on_slack(db)
    with db.session() as session:
        block(session, _leader_id(db, SEAN.email or ""), _leader_id(db, AINE[1]))
    async with serving(settings) as (_, slack):
        first = await slack_asks(slack, fake_slack, f'intro "Pat Nurse" {REASON}', "pat")
        assert "will wait" in first
        to_sean = await slack_asks(slack, fake_slack, f"intro Seán O'Brien {REASON}", "sean")
        to_priya = await slack_asks(slack, fake_slack, f"intro Priya Patel {REASON}", "priya")
    assert "not available" not in to_sean
    assert "requests waiting for an answer" in to_sean and "requests waiting for an answer" in to_priya


def _outbox_text(db: Database) -> str:
    with db.session() as session:
        return json.dumps([(r.dedupe_key, r.reply) for r in session.scalars(select(OutboxMessage))],
                          ensure_ascii=False)


async def test_erasing_a_party_leaves_nothing_of_theirs_in_introduction_messages(
        setup, db: Database, leaders) -> None:  # type: ignore[no-untyped-def]
    """Áine asks Seán, Seán accepts (each gets the other's details), then staff erase Áine: her name,
    email, phone and reason must not stay in the outbox rows addressed to Seán. And a request made after
    (whose id SQLite may reuse) must still reach Seán as a card of its own."""
    settings, fake_slack, connector, url = setup
    on_slack(db)
    sean = on_teams(db, url, SEAN)
    async with serving(settings) as (base, slack):
        await slack_asks(slack, fake_slack, f"intro Seán O'Brien {REASON}")
        with db.session() as session:
            (intro_id,) = session.scalars(select(Introduction.id)).all()
        await deliver(db, settings)
        verb, data = teams_press_data(teams_card(connector, db, f"intro:{intro_id}:to:{sean}"), "Accept")
        status, _ = await post(base, teams.card_execute(url, SEAN, verb, data))
        assert status == 200
    assert AINE[1] in _outbox_text(db)  # Seán was sent Áine's details
    result = leaders("erase", AINE[1], "--yes")
    assert result.returncode == 0, result.stderr
    left = _outbox_text(db)
    for secret in (AINE[1], AINE[2], "Áine", "Ní Bhriain", REASON):
        assert secret not in left, secret
    # Priya (on Teams) asks Seán now: his card for her request is queued, not taken for the old one.
    on_teams(db, url, PRIYA)
    async with serving(settings) as (base, _):
        status, _ = await post(base, teams.message(url, PRIYA, f"intro Seán O'Brien {REASON}"))
        assert status in (200, 201)
    with db.session() as session:
        (new,) = session.scalars(select(Introduction)).all()
        card = session.scalar(select(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"intro:{new.id}:to:{sean}"))
        assert card is not None and "Priya Patel asks to be introduced to you" in json.dumps(card.reply)


def test_the_teams_chat_link_carries_any_email_intact() -> None:
    """An email with `+` (or `&`, `#`) is a valid address: the deep link must encode it, not break it."""
    me = Leader(id=1, full_name="Rosa Lee", email="rosa@x.gov.uk")
    other = Leader(id=2, full_name="Kim Chen", email="kim+office&co@y.gov.uk", phone=SEAN_PHONE)
    mine = ChatAccount(platform="teams", workspace_id="t1", user_id="a")
    theirs = ChatAccount(platform="teams", workspace_id="t1", user_id="b")
    (actions,) = how_to_talk(me, other, mine, theirs)
    (button,) = actions.buttons  # type: ignore[attr-defined]
    assert button.url.endswith("users=kim%2Boffice%26co@y.gov.uk")


def _race(*calls):  # type: ignore[no-untyped-def]
    """Run the calls at once (released together by a barrier); each one's answer, or the exception."""
    barrier = threading.Barrier(len(calls))

    def go(call):  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            return call()
        except Exception as error:
            return error
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


def test_accept_racing_withdraw_ends_in_one_state_and_discloses_only_if_accepted(db: Database) -> None:
    load_sample(db)
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    aine = ChatIdentity("slack", "T0001", AINE[0], email=AINE[1])
    sean = ChatIdentity("slack", "T0001", "USEAN", email=SEAN.email)
    link(db, "slack", "T0001", AINE[0], AINE[1])
    link(db, "slack", "T0001", "USEAN", SEAN.email or "")
    for _ in range(3):
        bot.handle_text(aine, f"intro Seán O'Brien {REASON}")
        with db.session() as session:
            intro_id = session.scalars(select(Introduction.id).where(
                Introduction.status == "requested")).one()
        answers = _race(partial(bot.handle_action, sean, f"intro.accept:{intro_id}~0"),
                        partial(bot.handle_action, aine, f"intro.withdraw:{intro_id}~0"))
        assert not any(isinstance(a, Exception) for a in answers), answers
        with db.session() as session:
            intro = session.get(Introduction, intro_id)
            assert intro is not None and intro.revision == 1 and intro.status in ("accepted", "withdrawn")
            disclosed = [e for e in audit.lines(session, action="contact.disclosed")
                         if e.details.get("intro") == intro_id]
        assert len(disclosed) == (2 if intro.status == "accepted" else 0)
        if intro.status == "accepted":
            return
    # three withdrawals in a row is possible: each was still one state change with nothing disclosed


def test_two_requests_to_the_same_person_at_once_make_one_and_answer_both(db: Database) -> None:
    """A double submit of the form (or two devices): one request is made; the other hears it exists."""
    load_sample(db)
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    aine = console_identity(AINE[1])
    answers = _race(*(lambda: bot.handle_text(aine, f"intro Seán O'Brien {REASON}").plain()
                      for _ in range(2)))
    with db.session() as session:
        assert len(session.scalars(select(Introduction)).all()) == 1
    assert not any(isinstance(a, Exception) for a in answers), answers
    assert sum("already have an open request" in a for a in answers) == 1, answers


async def test_a_forged_teams_press_or_refresh_by_a_third_person_changes_and_shows_nothing(
        setup, db: Database) -> None:  # type: ignore[no-untyped-def]
    """Priya (linked, on Teams) replays Seán's Accept — in her 1:1 chat and in a group chat — and asks
    Teams' automatic refresh of the card: each answer is a refusal carrying no name, reason or detail,
    and the request is untouched."""
    settings, fake_slack, connector, url = setup
    on_slack(db)
    sean = on_teams(db, url, SEAN)
    on_teams(db, url, PRIYA)
    async with serving(settings) as (base, slack):
        await slack_asks(slack, fake_slack, f"intro Seán O'Brien {REASON}")
        with db.session() as session:
            intro = session.scalars(select(Introduction)).one()
        await deliver(db, settings)
        card = teams_card(connector, db, f"intro:{intro.id}:to:{sean}")
        assert card["refresh"]["userIds"] == [f"8:orgid:{SEAN.aad_object_id}"]  # for Seán alone
        answers = []
        for title in ("Accept", "Decline", "Not now"):
            verb, data = teams_press_data(card, title)
            for conversation in (None, teams.group_chat()):
                status, body = await post(base, teams.card_execute(url, PRIYA, verb, data,
                                                                   conversation=conversation))
                assert status == 200
                answers.append(json.dumps(body, ensure_ascii=False))
        status, body = await post(base, teams.card_execute(url, PRIYA, card["refresh"]["action"]["verb"],
                                                           card["refresh"]["action"]["data"],
                                                           trigger="automatic"))
        assert status == 200
        answers.append(json.dumps(body, ensure_ascii=False))
    for answer in answers:
        for secret in (REASON, "Áine", "Ní Bhriain", AINE[1], AINE[2], SEAN.email or "", SEAN_PHONE):
            assert secret not in answer, (secret, answer)
    with db.session() as session:
        after = session.get(Introduction, intro.id)
        assert after is not None and (after.status, after.revision) == ("requested", 0)


def test_direction_controls_in_a_reason_cannot_make_it_read_otherwise() -> None:
    """A right-to-left override (U+202E) would show `moc.liam-evil` as `evil-mail.com`: it becomes a space,
    as control characters do, and the words stay in the order they were typed."""
    from bot.introductions import check_reason

    typed = "Please meet my colleague at \u202emoc.evil\u202c and \u2067isolated\u2069 text too"
    assert check_reason(typed) == "Please meet my colleague at moc.evil and isolated text too"
