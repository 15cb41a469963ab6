"""The console's outbox, audit log, directory health, staff members and overview over real HTTP:
retry asks first and is audited (as `leaders outbox --retry` now is), the audit log filters and pages,
health matches `leaders directory health`, and the staff role cannot be removed from the last one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.poll_lifecycle import open_poll
from directory import audit, clock, content
from directory.health import as_json
from directory.health import report as health_report
from directory.models import ChatAccount, Leader
from directory.outbox import FAILED, OutboxMessage
from directory.poll_store import PollSpec, create
from directory.staff import members
from tests.delivery_helpers import queue
from tests.staff_web import Console, add_leaders, audit_actions, running_console, sign_in


@pytest.fixture
async def console(database_url: str, clock: clock.FakeClock) -> AsyncIterator[Console]:
    async with running_console(database_url) as running:
        yield running


def _failed_message(console: Console, error: str = "channel_not_found") -> int:
    with console.db.session() as session:
        account_ids = list(session.scalars(select(ChatAccount.id).order_by(ChatAccount.id).limit(1)))
    queue(console.db, account_ids, tag="retry-test")
    with console.db.session() as session:
        message = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert message is not None
        message.status, message.last_error, message.attempts = FAILED, error, 5
        return message.id


async def test_the_outbox_shows_failures_with_reasons_and_a_retry_asks_first_and_is_audited(
        console: Console) -> None:
    message_id = _failed_message(console, 'invalid_auth <script>alert(1)</script>')
    page = await console.staff.get("/staff/outbox")
    assert page.status == 200 and 'id="failed"' in page.text
    assert "invalid_auth &lt;script&gt;" in page.text and "<script>alert(1)" not in page.text
    ask = await console.staff.get(f"/staff/outbox/{message_id}/retry")
    assert ask.status == 200 and f"Send message {message_id} again?" in ask.text
    with console.db.session() as session:
        assert session.get(OutboxMessage, message_id).status == FAILED
    done = await console.staff.post(f"/staff/outbox/{message_id}/retry", {})
    assert done.status == 303
    with console.db.session() as session:
        row = session.get(OutboxMessage, message_id)
        assert (row.status, row.attempts) == ("pending", 0)
    assert audit_actions(console.db, "outbox.") == [
        (f"leader:{console.staff_id}", "outbox.retried", f"outbox:{message_id}")]
    again = await console.staff.post(f"/staff/outbox/{message_id}/retry", {})
    assert again.status == 409 and len(audit_actions(console.db, "outbox.")) == 1


def test_the_cli_retry_is_audited_too(leaders, db) -> None:  # type: ignore[no-untyped-def]
    from tests.delivery_helpers import make_accounts

    accounts = make_accounts(db, "slack", "T1", 1)
    queue(db, accounts)
    with db.session() as session:
        session.execute(update(OutboxMessage).values(status=FAILED, last_error="boom"))
        message_id = session.scalar(select(OutboxMessage.id))
    assert leaders("outbox", "--retry", str(message_id)).returncode == 0
    with db.session() as session:
        actions = [(e.action, e.subject) for e in audit.lines(session)]
    assert actions == [("outbox.retried", f"outbox:{message_id}")]


async def test_the_audit_log_filters_by_actor_action_and_dates_and_pages(
        console: Console, clock: clock.FakeClock) -> None:
    with console.db.session() as session:
        for n in range(60):
            audit.record(session, "cli:alice", "poll.created", f"poll:{n}")
        audit.record(session, "cli:bob", "staff.granted", "leader:1")
    clock.advance(timedelta(days=3))
    with console.db.session() as session:
        audit.record(session, "cli:bob", "content.drafted", "content:<b>9</b>")
    staff = console.browser(sign_in(console.db, console.staff_id))  # three days on: a new sign-in
    row = '<tr class="govuk-table__row"><td'
    first = await staff.get("/staff/audit")
    assert first.status == 200 and first.text.count(row) == 50
    assert "content:&lt;b&gt;9&lt;/b&gt;" in first.text
    assert "Older" in first.text and "Newer" not in first.text
    second = await staff.get("/staff/audit?page=2")
    assert "Newer" in second.text and second.text.count(row) > 0
    bob = await staff.get("/staff/audit?actor=cli:bob")
    assert bob.text.count(row) == 2 and "cli:alice" not in bob.text
    polls = await staff.get("/staff/audit?action=staff.")
    assert polls.text.count(row) == 2  # the grant above, and the console's own
    day = (clock.now()).date().isoformat()
    dated = await staff.get(f"/staff/audit?from={day}&to={day}")
    assert dated.text.count(row) == 1 and "content.drafted" in dated.text
    bad = await staff.get("/staff/audit?from=yesterday")
    assert bad.status == 400 and "govuk-error-summary" in bad.text and 'href="#from"' in bad.text
    odd = await staff.get("/staff/audit?page=-3")
    assert odd.status == 200


async def test_directory_health_is_the_commands_report(console: Console) -> None:
    add_leaders(console.db, 2, sector="policing", chat=False)
    page = await console.staff.get("/staff/health")
    assert page.status == 200 and "Policing" in page.text and "Total" in page.text
    with console.db.session() as session:
        report = as_json(health_report(session))  # what `leaders directory health --json` prints
    assert f">{report['total']['leaders']}<" in page.text
    assert f">{report['total']['unlinked']}<" in page.text


async def test_overview_counts_what_needs_attention(console: Console, clock: clock.FakeClock) -> None:
    _failed_message(console)
    with console.db.session() as session:
        session.execute(update(Leader).where(Leader.id == console.leader_id)
                        .values(created_at=clock.now() - timedelta(days=400), confirmed_at=None))
    page = await console.staff.get("/staff")
    assert 'id="figure-3">1</span>' in page.text and 'id="figure-4">1</span>' in page.text
    assert 'id="figure-1">0</span>' in page.text and 'id="figure-2">0</span>' in page.text
    with console.db.session() as session:
        content.add_topic(session, "cyber", "cli:test")
        for title in ("One", "Two"):
            content.add_item(session, actor="cli:test", title=title, url="https://www.gov.uk/", summary="",
                             topics=["cyber"])
        poll = create(session, PollSpec(question="Q?", options=["A", "B"]), "cli:test")
        open_poll(session, poll, "cli:test")
    page = await console.staff.get("/staff")
    assert 'id="figure-1">1</span>' in page.text and 'id="figure-2">2</span>' in page.text
    for link in ("/staff/polls", "/staff/content", "/staff/outbox", "/staff/health"):
        assert f'href="{link}"' in page.text


async def test_staff_are_added_and_removed_with_a_confirmation_and_audited(console: Console) -> None:
    (new_id,) = add_leaders(console.db, 1, prefix="newstaff")
    with console.db.session() as session:
        email = session.get(Leader, new_id).email
    ask = await console.staff.post("/staff/members/add", {"email": email})
    assert ask.status == 200 and "Give the staff role to" in ask.text
    with console.db.session() as session:
        assert email not in {m.email for m in members(session, frozenset())}
    assert (await console.staff.post("/staff/members/add/confirm", {"email": email})).status == 303
    page = await console.staff.get("/staff/members")
    assert email in page.text
    ask_remove = await console.staff.post("/staff/members/remove", {"email": email})
    assert ask_remove.status == 200 and "Remove the staff role from" in ask_remove.text
    removed = await console.staff.post("/staff/members/remove/confirm", {"email": email})
    assert removed.status == 303
    me = f"leader:{console.staff_id}"
    assert audit_actions(console.db, "staff.")[-2:] == [(me, "staff.granted", f"leader:{new_id}"),
                                                          (me, "staff.revoked", f"leader:{new_id}")]
    unknown = await console.staff.post("/staff/members/add", {"email": "nobody@example.gov.uk"})
    assert unknown.status == 400 and "not in the directory" in unknown.text


async def test_the_last_staff_member_cannot_remove_themself(console: Console) -> None:
    with console.db.session() as session:
        email = session.get(Leader, console.staff_id).email
    page = await console.staff.post("/staff/members/remove/confirm", {"email": email})
    assert page.status == 409 and "last staff member" in page.text
    with console.db.session() as session:
        assert email in {m.email for m in members(session, frozenset())}
