"""The outbox store: enqueue in the caller's transaction, a dedupe key makes a repeat a no-op, bad input
changes nothing, and a neutral reply survives the trip to JSON and back. SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.replies import Actions, Button, Field, Form, Input, PersonCard, Reply, Text
from bot.reply_codec import reply_from_json, reply_to_json
from directory.database import Database
from directory.models import ChatAccount
from directory.outbox import (
    FAILED,
    PENDING,
    OutboxError,
    OutboxMessage,
    Outgoing,
    enqueue,
    enqueue_many,
    retry_failed,
)
from tests.delivery_helpers import make_accounts

HELLO = reply_to_json(Reply((Text("A new poll is open"),)))


def rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def account(db: Database, account_id: int) -> ChatAccount:
    with db.session() as session:
        found = session.get(ChatAccount, account_id)
        assert found is not None
        return found


def test_enqueue_records_recipient_lane_and_reply(db: Database) -> None:
    (account_id,) = make_accounts(db, "slack", "T0001", 1)
    with db.session() as session:
        assert enqueue(session, account(db, account_id), HELLO, "poll:7:open:1") is True
    (row,) = rows(db)
    assert (row.platform, row.workspace_id, row.user_id) == ("slack", "T0001", "U00000")
    assert row.lane == "slack:T0001"
    assert (row.status, row.attempts, row.recipient_account_id) == (PENDING, 0, account_id)
    assert row.reply == HELLO and row.platform_message_id == "" and row.lease_owner is None


def test_the_same_dedupe_key_twice_is_a_no_op_even_in_one_batch(db: Database) -> None:
    ids = make_accounts(db, "teams", "tenant-1", 3)
    with db.session() as session:
        accounts = [account(db, i) for i in ids]
        batch = [Outgoing(a, HELLO, f"digest:2026-11-26:{a.id}") for a in accounts]
        assert enqueue_many(session, batch + batch[:1]) == 3
    with db.session() as session:
        assert enqueue(session, accounts[0], HELLO, f"digest:2026-11-26:{ids[0]}") is False
        assert enqueue_many(session, batch) == 0
    assert len(rows(db)) == 3 and {r.lane for r in rows(db)} == {"teams:tenant-1"}


def test_a_rolled_back_use_case_leaves_no_message(db: Database) -> None:
    (account_id,) = make_accounts(db, "slack", "T0001", 1)
    with pytest.raises(RuntimeError), db.session() as session:
        enqueue(session, account(db, account_id), HELLO, "intro:1:accepted")
        raise RuntimeError("the state change failed after the enqueue")
    assert rows(db) == []


@pytest.mark.parametrize(("key", "reply", "platform", "message"), [
    ("", HELLO, "slack", "dedupe_key must be 1–200 characters"),
    ("x" * 201, HELLO, "slack", "dedupe_key must be 1–200 characters"),
    ("ok", {}, "slack", "reply must be a non-empty JSON object"),
    ("ok", HELLO, "console", "cannot deliver to a 'console' account"),
])
def test_bad_messages_are_refused_with_a_reason_and_nothing_is_written(db: Database, key: str, reply: dict,
                                                                        platform: str, message: str) -> None:
    ids = make_accounts(db, "slack", "T0001", 1) + make_accounts(db, platform, "W", 1, prefix="X")
    good = Outgoing(account(db, ids[0]), HELLO, "good")
    bad = Outgoing(account(db, ids[1]), reply, key)
    with db.session() as session, pytest.raises(OutboxError, match=message):
        enqueue_many(session, [good, bad])
    assert rows(db) == []


def test_retrying_failed_messages_resets_their_tries(db: Database) -> None:
    ids = make_accounts(db, "slack", "T0001", 3)
    with db.session() as session:
        enqueue_many(session, [Outgoing(account(db, i), HELLO, f"k{i}") for i in ids])
        for row in session.scalars(select(OutboxMessage)):
            row.status, row.attempts, row.last_error = FAILED, 8, "gave up"
    with db.session() as session:
        first = session.scalar(select(func.min(OutboxMessage.id)))
        assert retry_failed(session, first) == 1
        assert retry_failed(session, first) == 0  # no longer failed
        assert retry_failed(session) == 2
    assert {(r.status, r.attempts) for r in rows(db)} == {(PENDING, 0)}


def test_every_kind_of_block_survives_json() -> None:
    reply = Reply((
        Text("Introduction request", "heading"),
        PersonCard(42, "Áine Ní Bhriain", "Chief Executive, Belfast City Council",
                   (Field("Region", "Northern Ireland"),), "Verified by staff import",
                   (Button("Accept", "intro.accept:9", "primary"),)),
        Actions((Button("Decline", "intro.decline:9", "danger"), Button("Later", "intro.later:9"))),
        Form("me", "Your profile", (Input("role", "Role", "CEO", max_length=200, hint="as shown"),
                                    Input("phone_vis", "Who sees your phone", "introduced", "choice",
                                          (("everyone", "Everyone"), ("introduced", "Introduced")),
                                          error="pick one")),
             "Save", "me.save", hint="Changes show at once"),
    ), private=False)
    stored = json.loads(json.dumps(reply_to_json(reply)))  # what the database hands back
    assert reply_from_json(stored) == reply


def test_a_use_case_queues_a_reply_with_the_state_change(db: Database) -> None:
    from bot.outgoing import queue_replies, queue_reply

    ids = make_accounts(db, "slack", "T0001", 2)
    card = Reply((Text("Poll: which day suits?", "heading"), Actions((Button("Tuesday", "poll.vote:7:1"),))))
    with db.session() as session:
        first, second = (session.get(ChatAccount, i) for i in ids)
        assert queue_reply(session, first, card, "poll:7:open:1") is True
        assert queue_replies(session, [(first, card, "poll:7:open:1"), (second, card, "poll:7:open:2")]) == 1
    assert [reply_from_json(r.reply) for r in rows(db)] == [card, card]
