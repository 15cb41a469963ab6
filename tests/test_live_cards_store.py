"""Card updates in the store and the workers' claims, on SQLite and PostgreSQL: what `update_card` does in
each state of the card, one waiting update per card, updates claimed only after the card is on the
platform and one at a time, each carrying the card's latest content — so the card ends right whatever
the order — and an update of a card that never arrived fails with the reason. Migration 0008 splits
the addresses of rows sent before it."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import select, text

from bot.live import CardUpdate, queue_card, update_card
from bot.replies import Reply, Text
from bot.reply_codec import reply_from_json
from directory.data_rights import erase
from directory.database import Database
from directory.models import ChatAccount
from directory.outbox import FAILED, PENDING, SENT, UPDATE, OutboxMessage
from scheduler import outbox_claims as claims
from scheduler.delivery import DeliveryWorker
from scheduler.delivery_settings import DeliveryConfig
from scheduler.rate_limits import slack_limits
from scheduler.senders import Envelope, Sent
from tests.delivery_helpers import make_accounts, run_worker_until, settled

KEY = "poll:7:to:1"
LANE = "slack:T0001"


def say(words: str) -> Reply:
    return Reply((Text(words, "heading"),))


def card(db: Database) -> int:
    (account_id,) = make_accounts(db, "slack", "T0001", 1)
    with db.session() as session:
        account = session.get(ChatAccount, account_id)
        assert account is not None
        assert queue_card(session, account, say("v0"), KEY)
        return account_id


def rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def content(row_reply: dict) -> str:
    return reply_from_json(row_reply).summary


def claim(db: Database, owner: str = "w1") -> list[claims.Claimed]:
    return claims.claim(db, LANE, owner, 10, 30.0)


def test_what_an_update_does_in_each_state_of_the_card(db: Database) -> None:
    card(db)
    with db.session() as session:
        assert update_card(session, "poll:7:to:99", say("nobody")) == CardUpdate.UNKNOWN
        assert update_card(session, KEY, say("v1")) == CardUpdate.MERGED  # not sent yet
    (only,) = rows(db)
    assert content(only.reply) == "v1"
    (claimed,) = claim(db)
    with db.session() as session:  # on its way: the redraw waits for it
        assert update_card(session, KEY, say("v2")) == CardUpdate.QUEUED
        assert update_card(session, KEY, say("v3")) == CardUpdate.QUEUED
    card_row, update = rows(db)
    assert (update.kind, update.target_id, update.status) == (UPDATE, card_row.id, PENDING)
    assert content(card_row.reply) == "v3" and update.lane == card_row.lane
    claims.mark_failed(db, claimed.id, "w1", "Slack refused: account_inactive")
    with db.session() as session:
        assert update_card(session, KEY, say("v4")) == CardUpdate.KEPT  # for a retry of the card
    assert content(rows(db)[0].reply) == "v4"


def test_an_update_is_claimed_after_its_card_arrived_and_carries_the_latest_content(db: Database) -> None:
    card(db)
    (sending,) = claim(db, "w1")
    with db.session() as session:
        update_card(session, KEY, say("v1"))
    assert claim(db, "w2") == []  # the card is still in flight: nothing to redraw yet
    claims.mark_sent(db, sending.id, "D00001", "1700000000.000001")
    with db.session() as session:
        update_card(session, KEY, say("v2"))  # collapses into the waiting update
    (update,) = claim(db, "w2")
    assert update.target is not None and update.target.status == SENT
    assert content(update.target.reply) == "v2"
    assert (update.target.sent_conversation, update.target.platform_message_id) == \
        ("D00001", "1700000000.000001")
    with db.session() as session:  # a change while that redraw is in flight: one more, after it
        assert update_card(session, KEY, say("v3")) == CardUpdate.QUEUED
    assert claim(db, "w3") == []
    claims.mark_sent(db, update.id, "D00001", "1700000000.000001")
    (last,) = claim(db, "w3")
    assert last.target is not None and content(last.target.reply) == "v3"


class RecordingSender:
    """A Sender that records what it is asked to do; an update can be held until the test lets it go."""

    def __init__(self) -> None:
        self.done: list[tuple[str, str]] = []  # ("send" | "update", summary)
        self.hold_update = asyncio.Event()
        self.hold_update.set()
        self.in_flight = asyncio.Event()

    async def send(self, envelope: Envelope) -> Sent:
        if envelope.target is None:
            self.done.append(("send", envelope.reply.summary))
            return Sent("D00001", f"1700000000.{len(self.done):06d}")
        self.in_flight.set()
        await self.hold_update.wait()
        self.done.append(("update", envelope.reply.summary))
        return envelope.target

    async def close(self) -> None:
        return None


def worker(db: Database, sender: RecordingSender) -> DeliveryWorker:
    config = DeliveryConfig(limits={"slack": slack_limits(60_000, 100)}, poll_seconds=0.02)
    return DeliveryWorker(db, sender, config)


async def test_changes_reach_the_platform_one_at_a_time_and_the_last_one_wins(db: Database) -> None:
    card(db)
    sender = RecordingSender()
    await run_worker_until(worker(db, sender), lambda: settled(db))
    with db.session() as session:
        update_card(session, KEY, say("v1"))
    sender.hold_update.clear()
    running = worker(db, sender)
    task = asyncio.create_task(running.run())
    await asyncio.wait_for(sender.in_flight.wait(), 10)  # the redraw to v1 is on its way …
    await asyncio.to_thread(_update, db, "v2")  # … when the card changes again
    assert claim(db, "someone-else") == []  # v2 waits for v1: never two redraws of one card at once
    sender.hold_update.set()
    while not await asyncio.to_thread(settled, db):
        await asyncio.sleep(0.02)
    running.stop()
    await task
    assert sender.done == [("send", "v0"), ("update", "v1"), ("update", "v2")]
    assert [r.status for r in rows(db)] == [SENT, SENT, SENT]


def _update(db: Database, words: str) -> None:
    with db.session() as session:
        update_card(session, KEY, say(words))


async def test_an_update_of_a_card_that_never_arrived_fails_with_the_reason(db: Database) -> None:
    card(db)
    (sending,) = claim(db)
    with db.session() as session:
        update_card(session, KEY, say("v1"))
    claims.mark_failed(db, sending.id, "w1", "Slack refused: channel_not_found")
    sender = RecordingSender()
    await run_worker_until(worker(db, sender), lambda: settled(db))
    failed_card, failed_update = rows(db)
    assert failed_card.status == FAILED and failed_update.status == FAILED
    assert failed_update.last_error == \
        "the message this would update was not delivered (Slack refused: channel_not_found)"
    assert sender.done == []


def test_erasing_a_leader_removes_their_cards_and_the_updates_waiting_for_them(db: Database) -> None:
    card(db)
    (sending,) = claim(db)
    claims.mark_sent(db, sending.id, "D00001", "1700000000.000001")
    with db.session() as session:
        update_card(session, KEY, say("v1"))
    assert len(rows(db)) == 2
    with db.session() as session:
        email = session.scalar(text("SELECT email FROM leader ORDER BY id DESC LIMIT 1"))
        erase(session, email, "cli:test")
    assert rows(db) == []


def test_migration_0008_splits_the_addresses_of_rows_sent_before_it(db: Database) -> None:
    (account_id,) = make_accounts(db, "slack", "T0001", 1)
    config = db._alembic_config()
    command.downgrade(config, "0006")  # the revision before 0008
    with db.session() as session:
        for key, platform, stored in (("old-slack", "slack", "D00001:1700000000.000001"),
                                      ("old-teams-first", "teams", "a:1personal-xyz"),
                                      ("old-teams", "teams", "1700000000123")):
            session.execute(text(
                "INSERT INTO outbox_message (dedupe_key, recipient_account_id, platform, workspace_id, "
                "user_id, lane, conversation, reply, status, attempts, next_attempt_at, last_error, "
                "platform_message_id, created_at) VALUES (:k, :a, :p, 'W', 'U', 'x:W', '', '{}', 'sent', 1, "
                "CURRENT_TIMESTAMP, '', :m, CURRENT_TIMESTAMP)"), {"k": key, "a": account_id, "p": platform,
                                                                   "m": stored})
    command.upgrade(config, "head")
    with db.session() as session:
        found = {key: (conversation, message) for key, conversation, message in session.execute(text(
            "SELECT dedupe_key, sent_conversation, platform_message_id FROM outbox_message"))}
    assert found == {"old-slack": ("D00001", "1700000000.000001"), "old-teams-first": ("a:1personal-xyz", ""),
                     "old-teams": ("", "1700000000123")}
    assert {r.kind for r in rows(db)} == {"send"}
