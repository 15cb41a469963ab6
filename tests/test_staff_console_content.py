"""The staff console's content and announcements over real HTTP: the two-person rule on the web (the
drafter cannot approve; another staff member can, after a recent sign-in), re-authentication before
approving or sending, the announcement's confirmation with its audience size, and the audit entries the
CLI writes for the same actions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from directory import clock, content
from directory.announcements import Announcement
from directory.content import ContentItem
from directory.outbox import OutboxMessage
from tests.staff_web import Console, add_leaders, audit_actions, make_staff, running_console, sign_in


@pytest.fixture
async def console(database_url: str, clock: clock.FakeClock) -> AsyncIterator[Console]:
    async with running_console(database_url) as running:
        with running.db.session() as session:
            content.add_topic(session, "cyber", "cli:test")
        yield running


def _second_staff(console: Console):  # type: ignore[no-untyped-def]
    (other,) = add_leaders(console.db, 1, prefix="second")
    make_staff(console.db, other)
    return other, console.browser(sign_in(console.db, other))


def _item(console: Console, item_id: int) -> ContentItem:
    with console.db.session() as session:
        found = session.get(ContentItem, item_id)
        assert found is not None
        session.expunge(found)
        return found


async def _draft(console: Console, **fields: str) -> int:
    form = {"title": "Ten steps to cyber security", "url": "https://www.ncsc.gov.uk/collection/10-steps",
            "summary": "What to do first.", "topics": "cyber", "audience": "", "publish": "", "expires": "",
            **fields}
    page = await console.staff.post("/staff/content/new", form)
    assert page.status == 303, page.text[:2000]
    with console.db.session() as session:
        return int(session.scalar(select(func.max(ContentItem.id))) or 0)


async def test_the_drafter_cannot_approve_their_own_item_on_the_web(console: Console) -> None:
    item_id = await _draft(console)
    assert _item(console, item_id).state() == "awaiting approval"
    listing = await console.staff.get("/staff/content")
    assert "Another staff member must approve" in listing.text
    assert f"/staff/content/{item_id}/approve" not in listing.text
    ask = await console.staff.get(f"/staff/content/{item_id}/approve")
    assert ask.status == 403 and "two-person rule" in ask.text
    forced = await console.staff.post(f"/staff/content/{item_id}/approve", {})
    assert forced.status == 409 and "another staff member must approve" in forced.text
    assert _item(console, item_id).state() == "awaiting approval"
    actions = [a for _, a, _ in audit_actions(console.db, "content.")]
    assert actions == ["content.topic_added", "content.drafted"]


async def test_another_staff_member_approves_after_a_recent_sign_in(console: Console) -> None:
    item_id = await _draft(console)
    other, browser = _second_staff(console)
    listing = await browser.get("/staff/content")
    assert f"/staff/content/{item_id}/approve" in listing.text
    ask = await browser.get(f"/staff/content/{item_id}/approve")
    assert ask.status == 200 and "Approve “Ten steps to cyber security”?" in ask.text
    done = await browser.post(f"/staff/content/{item_id}/approve", {})
    assert done.status == 303 and done.location.startswith("/staff/content?done=approved")
    item = _item(console, item_id)
    assert item.state() == "published" and item.approved_by == f"leader:{other}"
    assert audit_actions(console.db, "content.approved") == [
        (f"leader:{other}", "content.approved", f"content:{item_id}")]


async def test_a_stale_sign_in_is_sent_through_sign_in_again_before_approving(
        console: Console, clock: clock.FakeClock) -> None:
    item_id = await _draft(console)
    _, browser = _second_staff(console)
    clock.advance(timedelta(minutes=30))
    await browser.get("/staff")  # still signed in (the session is busy), but not recently
    ask = await browser.get(f"/staff/content/{item_id}/approve")
    assert ask.status == 303 and ask.location.startswith("/sign-in?next=/staff/content/")
    assert "again=1" in ask.location
    posted = await browser.post(f"/staff/content/{item_id}/approve", {})
    assert posted.status == 303 and posted.location.startswith("/sign-in?next=")
    assert _item(console, item_id).state() == "awaiting approval"
    assert audit_actions(console.db, "content.approved") == []


async def test_a_session_from_a_chat_link_must_sign_in_with_microsoft_to_approve(console: Console) -> None:
    item_id = await _draft(console)
    (other,) = add_leaders(console.db, 1, prefix="chatlink")
    make_staff(console.db, other)
    browser = console.browser(sign_in(console.db, other, method="chat"))
    posted = await browser.post(f"/staff/content/{item_id}/approve", {})
    assert posted.status == 303 and posted.location.startswith("/sign-in?next=")
    assert _item(console, item_id).state() == "awaiting approval"


async def test_bad_content_shows_the_error_summary_and_stores_nothing(console: Console) -> None:
    for change, field, words in (({"url": "javascript:alert(1)"}, "url", "https"),
                                 ({"topics": "gardening"}, "topics", "unknown topic"),
                                 ({"title": ""}, "title", "title is required"),
                                 ({"publish": "someday"}, "publish", "cannot read")):
        form = {"title": "T", "url": "https://www.gov.uk/", "summary": "", "topics": "cyber", **change}
        page = await console.staff.post("/staff/content/new", form)
        assert page.status == 400 and "govuk-error-summary" in page.text, change
        assert f'href="#{field}"' in page.text and words in page.text.lower(), (change, words)
    with console.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ContentItem)) == 0


async def test_editing_what_leaders_read_sends_an_item_back_for_approval(console: Console) -> None:
    item_id = await _draft(console)
    _, browser = _second_staff(console)
    await browser.post(f"/staff/content/{item_id}/approve", {})
    page = await console.staff.post(f"/staff/content/{item_id}/edit", {
        "title": "Eleven steps", "url": "https://www.ncsc.gov.uk/collection/10-steps", "summary": "x",
        "topics": "cyber", "audience": "", "publish": "", "expires": ""})
    assert page.status == 303
    assert _item(console, item_id).state() == "awaiting approval"
    assert audit_actions(console.db, "content.edited")[0][0] == f"leader:{console.staff_id}"


async def test_retire_and_topics_ask_first_and_are_audited(console: Console) -> None:
    item_id = await _draft(console)
    ask = await console.staff.get(f"/staff/content/{item_id}/retire")
    assert ask.status == 200 and "cannot be undone" in ask.text
    assert (await console.staff.post(f"/staff/content/{item_id}/retire", {})).status == 303
    assert _item(console, item_id).state() == "retired"
    added = await console.staff.post("/staff/content/topics", {"name": "workforce, net-zero"})
    assert added.status == 303
    bad = await console.staff.post("/staff/content/topics", {"name": "<b>Bad Topic</b>"})
    assert bad.status == 400 and "&lt;b&gt;Bad" in bad.text and "<b>Bad" not in bad.text
    assert (await console.staff.post("/staff/content/topics/net-zero/retire", {})).status == 303
    me = f"leader:{console.staff_id}"
    assert [(a, act, s) for a, act, s in audit_actions(console.db, "content.")][-4:] == [
        (me, "content.retired", f"content:{item_id}"), (me, "content.topic_added", "topic:workforce"),
        (me, "content.topic_added", "topic:net-zero"), (me, "content.topic_retired", "topic:net-zero")]


async def _check_announcement(console: Console, **fields: str) -> str:
    form = {"text": "Winter briefing at 10:00", "url": "", "audience": "sector:policing", "at": "", **fields}
    page = await console.staff.post("/staff/announcements/new", form)
    return page.location if page.status == 303 else page.text


def _queued(console: Console) -> int:
    with console.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.dedupe_key.startswith("announce:"))) or 0)


async def test_an_announcement_is_confirmed_with_its_audience_size_then_sent_and_reported(
        console: Console) -> None:
    add_leaders(console.db, 3, sector="policing")
    confirm_page = await _check_announcement(console)
    assert confirm_page.endswith("/confirm") and _queued(console) == 0
    page = await console.staff.get(confirm_page)
    assert page.status == 200 and 'id="reach"><strong>3</strong> leaders' in page.text
    assert "Winter briefing at 10:00" in page.text and _queued(console) == 0
    sent = await console.staff.post(confirm_page, {"audience_size": "3"})
    assert sent.status == 303
    assert _queued(console) == 3
    report = await console.staff.get(sent.location)
    assert report.status == 200 and "0 sent, 3 waiting, 0 failed" in report.text
    listing = await console.staff.get("/staff/announcements")
    assert "Winter briefing at 10:00" in listing.text
    assert audit_actions(console.db, "announcement.") == [
        (f"leader:{console.staff_id}", "announcement.created", "announcement:1")]


async def test_an_audience_that_changed_since_the_page_is_not_sent(console: Console) -> None:
    add_leaders(console.db, 3, sector="policing")
    confirm_page = await _check_announcement(console)
    add_leaders(console.db, 1, sector="policing")
    page = await console.staff.post(confirm_page, {"audience_size": "3"})
    assert page.status == 409 and "Not sent" in page.text and "4 leaders" in page.text
    assert _queued(console) == 0 and audit_actions(console.db, "announcement.") == []


async def test_sending_needs_a_recent_sign_in(console: Console, clock: clock.FakeClock) -> None:
    add_leaders(console.db, 2, sector="policing")
    confirm_page = await _check_announcement(console)
    clock.advance(timedelta(minutes=30))
    page = await console.staff.get(confirm_page)
    assert page.status == 303 and page.location.startswith("/sign-in?next=/staff/announcements/")
    posted = await console.staff.post(confirm_page, {"audience_size": "2"})
    assert posted.status == 303 and posted.location.startswith("/sign-in?next=")
    assert _queued(console) == 0


async def test_bad_announcements_show_the_error_summary_and_queue_nothing(console: Console) -> None:
    for change, field in (({"text": ""}, "text"), ({"url": "http://plain.example"}, "url"),
                          ({"audience": "colour:blue"}, "audience"), ({"at": "tomorrowish"}, "at")):
        page = await console.staff.post("/staff/announcements/new", {"text": "Hi", **change})
        assert page.status == 400 and "govuk-error-summary" in page.text and f'href="#{field}"' in page.text
    with console.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Announcement)) == 0


async def test_hostile_announcement_text_is_escaped(console: Console) -> None:
    add_leaders(console.db, 1, sector="policing")
    confirm_page = await _check_announcement(console, text='<script>alert("x")</script> & more')
    page = await console.staff.get(confirm_page)
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in page.text
