"""Polls end to end on Slack and Teams at once, through real HTTP on a fake clock.

Staff create a poll; the scheduler's sweep opens it when its time comes; the cards go out through the
outbox by a real delivery worker, one per leader (on the preferred account of a leader linked on both);
leaders press the buttons on the cards they received — signed Slack interactivity and Teams
`adaptiveCard/action` invokes — see their choice with "Change", change it; the one reminder goes only
to those who have not answered; the results are exact; a press after close is refused and every card
says closed; and afterwards nothing stored ties a voter to an answer.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import ClientSession
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from adapters import logs
from bot.engine import Bot
from bot.poll_lifecycle import sweep_once
from directory.accounts import ChatIdentity
from directory.conversations import ConversationRef, save_reference
from directory.database import Database
from directory.models import Leader
from directory.outbox import OutboxMessage
from directory.poll_store import results
from directory.polls import CLOSED, OPEN, Poll, PollParticipation
from tests import fakes_teams as teams
from tests.fakes_teams import BOT_ID, TENANT, Member
from tests.helpers import load_sample
from tests.live_helpers import card_row, deliver, link, slack_buttons
from tests.poll_helpers import (
    both_platforms,
    dump,
    new_poll,
    poll_state,
    slack_card,
    slack_press,
    teams_press,
)
from tests.slack_fakes import FakeSlack, block_actions, post_signed, texts, view_submission
from tests.teams_server import post, running
from tests.test_live_cards_teams import check
from tests.test_teams_http import submits
from tests.test_teams_http import texts as teams_texts

FORM = "application/x-www-form-urlencoded"
AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
SEAN = ("USEAN", "sean.obrien@scotland.police.uk")
DAFYDD_SLACK = ("UDAFYDD", "dafydd.apllyr@gov.wales")
KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
ROSA = Member("29:1rosa", "aad-rosa-0001", "Rosa Lee", "rosa.lee@nwas.nhs.uk")
DAFYDD = Member("29:1dafydd", "aad-dafydd-0001", "Dafydd ap Llŷr", "dafydd.apllyr@gov.wales")


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(emails={u: e for u, e in (AINE, SEAN, DAFYDD_SLACK)}).start()
    yield fake
    await fake.stop()


def on_teams(db: Database, url: str, member: Member) -> int:
    account = link(db, "teams", TENANT, member.aad_object_id, member.email or "")
    with db.session() as session:
        save_reference(
            session,
            ConversationRef(
                TENANT,
                member.aad_object_id,
                f"a:1personal-{member.aad_object_id}",
                "personal",
                url,
                BOT_ID,
                member.id,
                "Leaders Connect",
            ),
        )
    return account


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """What the service logs with `-v` (its own debug lines; libraries at warnings), while the test runs."""
    stream = io.StringIO()
    handler = logs.configure(verbose=True, stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        logs._installed = None


@pytest.fixture
def people(db: Database, connector, clock) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Áine and Seán on Slack, Kim and Rosa on Teams, Dafydd on both (Teams linked last: preferred)."""
    load_sample(db)
    _, url = connector
    accounts = {
        "aine": link(db, "slack", "T0001", *AINE),
        "sean": link(db, "slack", "T0001", *SEAN),
        "dafydd_slack": link(db, "slack", "T0001", *DAFYDD_SLACK),
    }
    clock.advance(minutes=1)
    accounts |= {
        "kim": on_teams(db, url, KIM),
        "rosa": on_teams(db, url, ROSA),
        "dafydd": on_teams(db, url, DAFYDD),
    }
    return accounts


def teams_card(fake, db: Database, key: str) -> dict:  # type: ignore[no-untyped-def]
    row = card_row(db, key)
    return check(fake.messages[(row.sent_conversation, row.platform_message_id)]["attachments"][0]["content"])


def key(poll_id: int, account: int) -> str:
    return f"poll:{poll_id}:to:{account}"


async def test_a_poll_from_opening_to_results_on_both_platforms(
    db, fake_slack, connector, people, clock
) -> None:
    fake_teams, url = connector
    settings = both_platforms(db, fake_slack)
    poll_id = new_poll(db)
    assert sweep_once(db)["opened"] == 0  # not yet
    clock.advance(hours=1)
    assert sweep_once(db) == {"opened": 1, "reminded": 0, "closed": 0}
    assert sweep_once(db)["opened"] == 0  # opened once
    poll = poll_state(db, poll_id)
    assert (poll.status, poll.audience_size) == (OPEN, 5)  # five leaders are in chat; Dafydd counts once
    with db.session() as session:
        keys = sorted(session.scalars(select(OutboxMessage.dedupe_key)))
    assert keys == sorted(key(poll_id, people[n]) for n in ("aine", "sean", "kim", "rosa", "dafydd"))

    await deliver(db, settings)
    async with running(settings) as (base, _, _), ClientSession() as http:
        # Áine presses "Very" on her Slack card: it is replaced in place by her choice with "Change".
        answer = await slack_press(
            http, base, fake_slack, db, key(poll_id, people["aine"]), "Very", AINE[0], "a1"
        )
        assert answer["replace_original"] is True
        assert "You chose: Very" in texts(answer["blocks"]) and set(slack_buttons(answer["blocks"])) == {
            "Change"
        }
        # She changes her mind: Change shows the options again, and she presses "Somewhat".
        aine_key = key(poll_id, people["aine"])
        again = await slack_press(
            http, base, fake_slack, db, aine_key, "Change", AINE[0], "a2", blocks=answer["blocks"]
        )
        assert "Your answer now: Very" in texts(again["blocks"])
        changed = await slack_press(
            http, base, fake_slack, db, aine_key, "Somewhat", AINE[0], "a3", blocks=again["blocks"]
        )
        assert "You chose: Somewhat" in texts(changed["blocks"])
        # Seán double-clicks "Somewhat", and Slack retries one of the presses.
        sean_key = key(poll_id, people["sean"])
        presses = [
            slack_press(http, base, fake_slack, db, sean_key, "Somewhat", SEAN[0], f"s{n}") for n in range(2)
        ]
        presses.append(
            slack_press(
                http,
                base,
                fake_slack,
                db,
                sean_key,
                "Somewhat",
                SEAN[0],
                "s-retry",
                headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
            )
        )
        for seen in await asyncio.gather(*presses):
            assert "You chose: Somewhat" in texts(seen["blocks"])
        # Kim presses "Very" on Teams: the invoke is answered with her card showing the choice.
        kim_card = await teams_press(
            base, url, KIM, teams_card(fake_teams, db, key(poll_id, people["kim"])), "Very"
        )
        assert "You chose: Very" in teams_texts(check(kim_card))
        # Dafydd answers on Teams, then again from Slack through `polls`: still one vote, his latest.
        await teams_press(
            base, url, DAFYDD, teams_card(fake_teams, db, key(poll_id, people["dafydd"])), "Not at all"
        )
        # Teams redraws a card for whoever looks (refresh): each sees their own answer, Rosa the buttons.
        shared_card = teams_card(fake_teams, db, key(poll_id, people["kim"]))
        for member, seen in ((KIM, "You chose: Very"), (DAFYDD, "You chose: Not at all"), (ROSA, None)):
            action = shared_card["refresh"]["action"]
            status, body = await post(base, teams.card_execute(url, member, action["verb"], action["data"],
                                                               trigger="automatic"))
            assert status == 200
            drawn = teams_texts(check(body["value"]))
            if seen:
                assert seen in drawn
            else:
                assert not any(t.startswith("You chose") for t in drawn)
                assert [b["title"] for b in submits(body["value"])] == ["Very", "Somewhat", "Not at all"]
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(PollParticipation)) == 4
    bot = Bot(db, settings)
    listing = bot.handle_text(ChatIdentity("slack", "T0001", DAFYDD_SLACK[0]), "polls")
    assert "You chose: Not at all" in listing.plain()
    vote = next(b for block in listing.blocks for b in getattr(block, "buttons", ()) if b.label == "Change")
    options = bot.handle_action(ChatIdentity("slack", "T0001", DAFYDD_SLACK[0]), vote.action)
    very = next(b for block in options.blocks for b in getattr(block, "buttons", ()) if b.label == "Very")
    assert (
        "You chose: Very"
        in bot.handle_action(ChatIdentity("slack", "T0001", DAFYDD_SLACK[0]), very.action).plain()
    )
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(PollParticipation)) == 4  # Dafydd still once
        dafydd_id = session.scalar(select(Leader.id).where(Leader.email == DAFYDD.email))
    with pytest.raises(IntegrityError), db.session() as session:  # the database refuses a second row
        session.add(PollParticipation(poll_id=poll_id, leader_id=dafydd_id))
        session.flush()

    # One reminder, only to Rosa (the one who has not answered), and never a second.
    clock.advance(days=1)
    assert sweep_once(db)["reminded"] == 1
    assert sweep_once(db)["reminded"] == 0
    with db.session() as session:
        reminders = list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("%:remind:%")))
        )
    assert [r.recipient_account_id for r in reminders] == [people["rosa"]]
    await deliver(db, settings)

    # Close: exact results; every card says closed.
    clock.advance(days=1)
    assert sweep_once(db)["closed"] == 1
    poll = poll_state(db, poll_id)
    assert poll.status == CLOSED and poll.secret is None and poll.responded == 4
    with db.session() as session:
        shown = results(session, session.get(Poll, poll_id))
    assert shown["audience"] == 5 and shown["responded"] == 4
    assert shown["options"] == [
        {"label": "Very", "count": 2},
        {"label": "Somewhat", "count": 2},
        {"label": "Not at all", "count": 0},
    ]
    assert all(
        g.get("suppressed")
        for d in ("sector", "region")
        for g in shown["breakdowns"][d]
        if g.get("responded", 1)
    )  # every group is under 5 here
    await deliver(db, settings)
    assert "This poll closed" in texts(slack_card(fake_slack, db, key(poll_id, people["sean"]))["blocks"])
    assert any(
        "This poll closed" in t for t in teams_texts(teams_card(fake_teams, db, key(poll_id, people["kim"])))
    )
    assert slack_buttons(slack_card(fake_slack, db, key(poll_id, people["sean"]))["blocks"]) == {}

    # A press on an old copy after close is refused politely, and the card it answers says closed.
    async with running(settings) as (base, _, _), ClientSession() as http:
        late = await slack_press(
            http,
            base,
            fake_slack,
            db,
            key(poll_id, people["sean"]),
            "Very",
            SEAN[0],
            "late",
            blocks=answer_blocks_with_options(poll_id),
        )
    assert "This poll has closed, so that press was not counted." in texts(late["blocks"])
    assert "This poll closed" in texts(late["blocks"])
    with db.session() as session:
        assert results(session, session.get(Poll, poll_id))["options"][0]["count"] == 2  # unchanged


def answer_blocks_with_options(poll_id: int) -> list:
    """An old copy of a poll card, with its option buttons, as a Slack message kept open elsewhere."""
    return [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": label},
                    "value": f"poll.vote:{poll_id}:{n}",
                    "action_id": f"lc:{n}",
                }
                for n, label in enumerate(("Very", "Somewhat", "Not at all"), 1)
            ],
        }
    ]


async def test_after_close_no_stored_row_ties_a_voter_to_an_answer(
    db, fake_slack, connector, people, clock, service_log
) -> None:
    fake_teams, url = connector
    settings = both_platforms(db, fake_slack)
    poll_id = new_poll(
        db,
        question="Is the winter plan deliverable?",
        options=["Plainly yes", "Doubtful"],
        allow_comment=False,
    )
    clock.advance(hours=1)
    sweep_once(db)
    await deliver(db, settings)
    async with running(settings) as (base, _, _), ClientSession() as http:
        await slack_press(
            http, base, fake_slack, db, key(poll_id, people["aine"]), "Plainly yes", AINE[0], "1"
        )
        await slack_press(http, base, fake_slack, db, key(poll_id, people["sean"]), "Doubtful", SEAN[0], "2")
        await teams_press(base, url, KIM, teams_card(fake_teams, db, key(poll_id, people["kim"])), "Doubtful")
    clock.advance(days=1)
    sweep_once(db)  # the reminder to those who had not answered
    await deliver(db, settings)
    clock.advance(days=1)
    assert sweep_once(db)["closed"] == 1
    await deliver(db, settings)  # the closed cards are drawn where they are

    tables = dump(db)
    assert tables["poll_ballot"] == [] and tables["poll_participation"] == []
    assert all('"None"' in row for row in tables["poll"])  # the secret is gone
    labels = ("Plainly yes", "Doubtful")
    for name, rows in tables.items():
        if name in ("poll", "poll_option"):
            continue  # the question, its options and the published counts: no one's answer
        for row in rows:
            assert not any(label in row for label in labels), (name, row)
    with db.session() as session:
        cards = {
            json.dumps(r.reply, sort_keys=True)
            for r in session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"poll:{poll_id}:%"))
            )
        }
    assert len(cards) == 1  # every stored card of the poll is the same closed card
    assert "Plainly yes" not in next(iter(cards))
    logged = service_log.getvalue()  # as `leaders -v serve` would have logged it
    assert "polls sweep" in logged and not any(label in logged for label in labels)
    assert "poll.vote" not in logged


async def test_a_free_text_answer_on_slack_is_a_modal_opened_from_the_card(
    db, fake_slack, connector, people, clock
) -> None:
    settings = both_platforms(db, fake_slack)
    poll_id = new_poll(db, question="What would help most this winter?", options=[], kind="text")
    clock.advance(hours=1)
    sweep_once(db)
    await deliver(db, settings)
    aine_key = key(poll_id, people["aine"])
    row = card_row(db, aine_key)
    value = slack_buttons(slack_card(fake_slack, db, aine_key)["blocks"])["Answer"]
    async with running(settings) as (base, _, _), ClientSession() as http:
        press = block_actions(
            value,
            user_id=AINE[0],
            response_url=fake_slack.response_url("write"),
            channel_id=row.sent_conversation,
            message_ts=row.platform_message_id,
            is_ephemeral=False,
        )
        status, _ = await post_signed(http, f"{base}/slack/events", press, content_type=FORM)
        assert status == 200
        (opened,) = await fake_slack.wait_for(lambda: fake_slack.called("views.open"))
        view = opened.body["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert view["type"] == "modal" and [
            b["block_id"] for b in view["blocks"] if b["type"] == "input"
        ] == ["answer"]
        submitted = view_submission(view, {"answer": "Earlier funding <!channel>"}, user_id=AINE[0])
        status, _ = await post_signed(http, f"{base}/slack/events", submitted, content_type=FORM)
        assert status == 200
        posted = await fake_slack.wait_for(
            lambda: [
                c
                for c in fake_slack.called("chat.postMessage")
                if "Your answer" in texts(c.body.get("blocks") or [])
            ]
        )
    assert "<!channel>" not in json.dumps(posted[-1].body)  # hostile text stays text
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(PollParticipation)) == 1
