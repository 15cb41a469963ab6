"""Introductions as an attacker and a demanding user try them (review of issue 12): a block must not show
through the limits' answers; an erased party leaves nothing of theirs in the outbox (and, on SQLite, a
reused request id must not collide with the erased request's cards); Teams chat links survive any email."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.introductions import how_to_talk
from directory.database import Database
from directory.introductions import Introduction, block
from directory.models import ChatAccount, Leader
from directory.outbox import OutboxMessage
from directory.people import by_email
from tests import fakes_teams as teams
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
from tests.live_helpers import deliver
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
