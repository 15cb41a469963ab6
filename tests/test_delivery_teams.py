"""Delivery to Teams, end to end: outbox rows → a real worker → botbuilder's connector client over HTTP →
the fake Bot Connector. Stored conversations are continued, a 1:1 chat is opened when only the tenant is
known, throttling waits for Retry-After, a blocked bot fails at once. SQLite and PostgreSQL."""

from __future__ import annotations

import time

from sqlalchemy import select

from adapters.bootstrap import build_services
from directory.conversations import ConversationRef, load_reference, save_reference
from directory.database import Database
from directory.outbox import FAILED, SENT, OutboxMessage
from directory.settings import Settings
from tests.delivery_helpers import make_accounts, queue, run_worker_until, settled, stamped
from tests.fakes_teams import BOT_ID, TENANT
from tests.test_teams_http import texts

FAST = {"LEADERS_DELIVERY_POLL_SECONDS": 0.05, "LEADERS_DELIVERY_BACKOFF_SECONDS": 0.05,
        "LEADERS_DELIVERY_BACKOFF_MAX_SECONDS": 0.2}


def worker_for(settings: Settings, fake: object = None):  # type: ignore[no-untyped-def]
    """A real delivery worker; given the `fake` connector, each post's `at` is when the worker let it go
    (its pacing, not the loaded loopback's arrival jitter: tests/delivery_fakes.py)."""
    fast = Settings(_env_file=None, **{**settings.model_dump(by_alias=True), **FAST})  # type: ignore[call-arg]
    services = build_services(fast, with_workers=True)
    assert services.delivery is not None
    return stamped(services.delivery, fake) if fake is not None else services.delivery


def limited(settings: Settings, **limits: float) -> Settings:
    """`settings` with lower platform limits (by variable name), for the rate-limit tests."""
    return Settings(_env_file=None, **{**settings.model_dump(by_alias=True), **limits})  # type: ignore[call-arg]


def remember(db: Database, user_id: str, url: str) -> None:
    with db.session() as session:
        save_reference(session, ConversationRef(TENANT, user_id, f"a:1personal-{user_id}", "personal", url,
                                                BOT_ID, f"29:{user_id}", "Leaders Connect"))


def messages(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_each_leader_gets_the_card_in_their_own_chat(settings, connector, db) -> None:
    fake, url = connector
    accounts = make_accounts(db, "teams", TENANT, 5)
    for n in range(5):
        remember(db, f"U{n:05d}", url)
    queue(db, accounts)
    await run_worker_until(worker_for(settings), lambda: settled(db))
    paths = sorted(call["path"] for call in fake.calls)
    assert paths == [f"/v3/conversations/a:1personal-U{n:05d}/activities" for n in range(5)]
    posted = {p["recipient"]["id"]: p for p in fake.posted()}
    assert texts(posted["29:U00003"]["attachments"][0]["content"]) == ["poll-1 to U00003"]
    assert {r.status for r in messages(db)} == {SENT}
    assert all(r.platform_message_id.startswith("activity-") for r in messages(db))
    assert [r.sent_conversation for r in messages(db)] == [f"a:1personal-U{n:05d}" for n in range(5)]


async def test_without_a_stored_chat_one_is_opened_and_remembered(settings, connector, db) -> None:
    fake, url = connector
    remember(db, "someone-else", url)  # the tenant's service URL is known from another user
    queue(db, make_accounts(db, "teams", TENANT, 1))
    await run_worker_until(worker_for(settings), lambda: settled(db))
    create, post = fake.calls
    assert create["path"] == "/v3/conversations" and create["body"]["members"] == [{"id": "U00000"}]
    assert post["path"].endswith("/activities")
    with db.session() as session:
        ref = load_reference(session, TENANT, "U00000")
    assert ref is not None and ref.service_url == url
    (row,) = messages(db)
    assert row.status == SENT
    # The new chat's id and the message's own id, each in its place: a later update needs both.
    assert row.sent_conversation == ref.conversation_id and row.platform_message_id == "activity-2"


async def test_a_tenant_never_seen_fails_with_a_reason_and_no_call(settings, connector, db) -> None:
    fake, _ = connector
    queue(db, make_accounts(db, "teams", "another-tenant", 1))
    admitted = limited(settings, LEADERS_ALLOWED_TENANTS=f"{TENANT},another-tenant")
    await run_worker_until(worker_for(admitted), lambda: settled(db))
    (row,) = messages(db)
    assert row.status == FAILED and "no conversation with this user yet" in row.last_error
    assert fake.calls == []


async def test_a_tenant_no_longer_admitted_gets_nothing(settings, connector, db) -> None:
    """A leader linked from a tenant since removed from LEADERS_ALLOWED_TENANTS: nothing is sent, even
    with a conversation stored, and staff see why."""
    fake, url = connector
    with db.session() as session:
        save_reference(session, ConversationRef("removed-tenant", "U00000", "a:1personal-U00000", "personal",
                                                url, BOT_ID, "29:U00000", "Leaders Connect"))
    queue(db, make_accounts(db, "teams", "removed-tenant", 1))
    await run_worker_until(worker_for(settings), lambda: settled(db))
    (row,) = messages(db)
    assert (row.status, row.attempts) == (FAILED, 1)
    assert row.last_error == "Teams: this tenant is not in LEADERS_ALLOWED_TENANTS"
    assert fake.calls == []


async def test_throttling_waits_for_retry_after_without_spending_a_try(settings, connector, db) -> None:
    fake, url = connector
    remember(db, "U00000", url)
    fake.fail_next = [(429, {"Retry-After": "1"})]
    queue(db, make_accounts(db, "teams", TENANT, 1))
    started = time.monotonic()
    await run_worker_until(worker_for(settings), lambda: settled(db))
    assert time.monotonic() - started >= 1.0
    (row,) = messages(db)
    assert (row.status, row.attempts) == (SENT, 1) and len(fake.calls) == 2


async def test_a_blocked_bot_fails_at_once_and_unavailability_is_retried(settings, connector, db) -> None:
    fake, url = connector
    remember(db, "U00000", url)
    fake.fail_next = [(403, {}, "MessageWritesBlocked")]
    queue(db, make_accounts(db, "teams", TENANT, 1))
    await run_worker_until(worker_for(settings), lambda: settled(db))
    (blocked,) = messages(db)
    assert (blocked.status, blocked.attempts) == (FAILED, 1)
    assert blocked.last_error == "Teams refused: HTTP 403 MessageWritesBlocked"

    fake.fail_next = [(503, {}), (412, {})]
    queue(db, [blocked.recipient_account_id], tag="poll-2")  # type: ignore[list-item]
    await run_worker_until(worker_for(settings), lambda: settled(db))
    retried = messages(db)[1]
    assert (retried.status, retried.attempts) == (SENT, 3) and len(fake.calls) == 4


async def test_a_tenant_never_gets_more_than_its_limit(settings, connector, db) -> None:
    """50 requests a second per tenant is the default; here 5, with 20 % headroom for loopback jitter."""
    fake, url = connector
    accounts = make_accounts(db, "teams", TENANT, 12)
    for n in range(12):
        remember(db, f"U{n:05d}", url)
    queue(db, accounts)
    slow = limited(settings, LEADERS_TEAMS_TENANT_PER_SECOND=5, LEADERS_DELIVERY_HEADROOM=0.8)
    await run_worker_until(worker_for(slow, fake), lambda: settled(db))
    times = sorted(call["at"] for call in fake.calls)
    assert len(times) == 12
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 5
    assert times[-1] - times[0] >= 2.0  # 12 messages at 5 a second (stretched to 1.25 s) take ≥ 2 windows


async def test_one_conversation_never_gets_more_than_its_limits(settings, connector, db) -> None:
    """Bot Connector limits each conversation (7 a second, 60 per 30 s, 1,800 an hour by default); here
    3 a second, so a burst to one person is spread out while the rest of the tenant's lane is not held up
    behind it."""
    fake, url = connector
    [busy, other] = make_accounts(db, "teams", TENANT, 2)
    for n in range(2):
        remember(db, f"U{n:05d}", url)
    for tag in ("d1", "d2", "d3", "d4", "d5", "d6"):  # six messages for the same person
        queue(db, [busy], tag=tag)
    queue(db, [other], tag="d1")
    slow = limited(settings, LEADERS_TEAMS_CONVERSATION_PER_SECOND=3, LEADERS_DELIVERY_HEADROOM=0.8)
    await run_worker_until(worker_for(slow, fake), lambda: settled(db))
    to_busy = sorted(c["at"] for c in fake.calls if "personal-U00000" in c["path"])
    to_other = [c["at"] for c in fake.calls if "personal-U00001" in c["path"]]
    assert len(to_busy) == 6 and len(to_other) == 1
    assert max(sum(1 for t in to_busy if start <= t < start + 1.0) for start in to_busy) <= 3
    assert to_busy[-1] - to_busy[0] >= 1.0  # six at three a second (stretched): at least two windows
    assert to_other[0] < to_busy[-1]  # the other person did not wait behind the burst
