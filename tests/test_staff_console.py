"""The staff console over real HTTP: every page for staff, nothing for anyone else, CSRF on every form,
and polls — created with bad input (error summary, nothing stored), opened, closed and read as a chart
that always comes with its summary sentence and table, breakdowns whose suppressed cells show no count,
and the CLI's own CSV and report as downloads."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from directory import clock
from directory.models import Leader
from directory.poll_store import get, vote
from directory.polls import Poll
from tests.staff_web import Console, add_leaders, audit_actions, running_console

PAGES = ("/staff", "/staff/polls", "/staff/polls/new", "/staff/content", "/staff/content/new",
         "/staff/content/topics", "/staff/announcements", "/staff/announcements/new", "/staff/outbox",
         "/staff/audit", "/staff/health", "/staff/members")
SECRET = "Top secret question about the winter plan"


@pytest.fixture
async def console(database_url: str, clock: clock.FakeClock) -> AsyncIterator[Console]:
    async with running_console(database_url) as running:
        yield running


def _poll_count(console: Console) -> int:
    with console.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Poll)) or 0)


async def _create(console: Console, **fields: str) -> str:
    form = {"question": "How confident are you in the winter plan?", "kind": "single",
            "options": "Very\nSomewhat\nNot at all", "audience": "", "opens": "", "closes": "+2d",
            "reminders": "", "attributed": "no", "min_group": "5", "results_for": "staff", "action": "save",
            **fields}
    page = await console.staff.post("/staff/polls/new", form)
    assert page.status == 303, page.text
    return page.location


async def test_every_console_page_renders_for_staff(console: Console) -> None:
    for path in PAGES:
        page = await console.staff.get(path)
        assert page.status == 200, (path, page.status, page.text[:300])
        assert "<h1" in page.text and page.headers["Cache-Control"] == "no-store"


async def test_leaders_without_the_role_get_403_and_learn_nothing(console: Console) -> None:
    await _create(console, question=SECRET)
    poll_id = _latest(console)
    for path in (*PAGES, f"/staff/polls/{poll_id}", f"/staff/polls/{poll_id}/results",
                 f"/staff/polls/{poll_id}/edit", "/staff/polls/999999",
                 f"/staff/polls/{poll_id}/results.csv"):
        page = await console.leader.get(path)
        assert page.status == 403, path
        assert SECRET not in page.text and "Winter" not in page.text and "console" not in page.text.lower()
        assert "999999" not in page.text  # not even whether an id exists
    posted = await console.leader.post(f"/staff/polls/{poll_id}/cancel", {})
    assert posted.status == 403
    assert get_status(console, poll_id) == "scheduled"


async def test_signed_out_visitors_are_sent_to_sign_in(console: Console) -> None:
    await _create(console, question=SECRET)
    for path in (*PAGES, f"/staff/polls/{_latest(console)}"):
        page = await console.nobody.get(path)
        assert page.status == 303 and page.location.startswith("/sign-in?next=/staff"), path
        assert SECRET not in page.text
    posted = await console.nobody.post("/staff/polls/new", {"question": SECRET}, csrf=False)
    assert posted.status in (303, 403) and _poll_count(console) == 1


async def test_a_form_without_its_csrf_token_or_from_another_site_changes_nothing(console: Console) -> None:
    form = {"question": "Q?", "kind": "single", "options": "A\nB", "action": "save"}
    missing = await console.staff.post("/staff/polls/new", form, csrf=False)
    assert missing.status == 403
    elsewhere = await console.staff.post("/staff/polls/new", form, origin="https://evil.example")
    assert elsewhere.status == 403
    assert _poll_count(console) == 0 and audit_actions(console.db, "poll.") == []


def _latest(console: Console) -> int:
    with console.db.session() as session:
        return int(session.scalar(select(func.max(Poll.id))) or 0)


def get_status(console: Console, poll_id: int) -> str:
    with console.db.session() as session:
        return get(session, poll_id).status


async def test_bad_input_shows_the_error_summary_and_stores_nothing(console: Console) -> None:
    cases = {
        "question": ({"question": "  "}, "The question is empty"),
        "options": ({"options": "Only one"}, "options (got 1)"),
        "audience": ({"audience": "sector:nonsense"}, "sector"),
        "closes": ({"closes": "next tuesday-ish"}, "Closes: cannot read"),
        "min_group": ({"min_group": "five"}, "whole number"),
    }
    for field, (change, words) in cases.items():
        form = {"question": "Q?", "kind": "single", "options": "A\nB", "closes": "+2d", "min_group": "5",
                "results_for": "staff", "attributed": "no", "action": "save", **change}
        page = await console.staff.post("/staff/polls/new", form)
        assert page.status == 400, field
        assert "govuk-error-summary" in page.text and "There is a problem" in page.text
        assert f'href="#{field}"' in page.text, (field, page.text[page.text.find("error-summary"):][:600])
        assert words.lower() in page.text.lower(), (field, words)
        assert "<title>Error:" in page.text
    assert _poll_count(console) == 0 and audit_actions(console.db, "poll.") == []


async def test_checking_the_audience_counts_who_it_reaches_without_saving(console: Console) -> None:
    add_leaders(console.db, 3, sector="policing", region="Scotland")
    form = {"question": "Q?", "kind": "single", "options": "A\nB", "audience": "sector:policing",
            "min_group": "5", "results_for": "staff", "attributed": "no", "action": "check"}
    page = await console.staff.post("/staff/polls/new", form)
    assert page.status == 200 and re.search(r"reaches <strong>3</strong> leaders", page.text)
    assert _poll_count(console) == 0


async def test_staff_create_edit_open_and_close_a_poll_each_audited_as_the_cli_does(console: Console) -> None:
    location = await _create(console)
    poll_id = _latest(console)
    assert location == f"/staff/polls/{poll_id}?done=created"
    shown = await console.staff.get(location)
    assert "Poll created." in shown.text and "How confident are you in the winter plan?" in shown.text
    assert "everyone (reaches 2 leaders now)" in shown.text
    edit = await console.staff.get(f"/staff/polls/{poll_id}/edit")
    assert 'value="How confident are you in the winter plan?"' in edit.text
    changed = await console.staff.post(f"/staff/polls/{poll_id}/edit", {
        "question": "Changed question?", "kind": "multi", "options": "A\nB\nC", "closes": "+3d",
        "min_group": "3", "results_for": "participants", "attributed": "no", "action": "save"})
    assert changed.status == 303
    with console.db.session() as session:
        poll = get(session, poll_id)
        assert (poll.question, poll.kind, poll.min_group, poll.results_for) == (
            "Changed question?", "multi", 3, "participants")
    ask = await console.staff.get(f"/staff/polls/{poll_id}/open")
    assert ask.status == 200 and "Open this poll now?" in ask.text
    assert get_status(console, poll_id) == "scheduled"
    assert (await console.staff.post(f"/staff/polls/{poll_id}/open", {})).status == 303
    assert get_status(console, poll_id) == "open"
    assert (await console.staff.post(f"/staff/polls/{poll_id}/close", {})).status == 303
    assert get_status(console, poll_id) == "closed"
    me = f"leader:{console.staff_id}"
    assert [(a, act) for a, act, _ in audit_actions(console.db, "poll.")] == [
        (me, "poll.created"), (me, "poll.edited"), (me, "poll.opened"), (me, "poll.closed")]
    again = await console.staff.post(f"/staff/polls/{poll_id}/close", {})
    assert again.status == 409 and "closed already" in again.text


async def test_cancel_asks_first_then_deletes_the_poll_answers(console: Console) -> None:
    await _create(console)
    poll_id = _latest(console)
    ask = await console.staff.get(f"/staff/polls/{poll_id}/cancel")
    assert "Cancel this poll?" in ask.text and "cannot be undone" in ask.text
    assert get_status(console, poll_id) == "scheduled"
    assert (await console.staff.post(f"/staff/polls/{poll_id}/cancel", {})).status == 303
    assert get_status(console, poll_id) == "cancelled"
    assert audit_actions(console.db, "poll.cancelled")[0][0] == f"leader:{console.staff_id}"


def _closed_poll(console: Console, question: str = "Winter?", options: str = "Ready\nNot ready") -> int:
    """A poll of 17 leaders in three sectors (8, 7 and 2) who all answer, then closed."""
    from bot.poll_lifecycle import close_poll, open_poll
    from directory.poll_store import PollSpec, create

    with console.db.session() as session:  # the console's two own leaders leave the audience
        session.execute(update(Leader).where(Leader.id.in_([console.staff_id, console.leader_id]))
                        .values(sector="education"))
    ids = (add_leaders(console.db, 8, sector="health") + add_leaders(console.db, 7, sector="policing")
           + add_leaders(console.db, 2, sector="fire-and-rescue"))
    with console.db.session() as session:
        poll = create(session, PollSpec(question=question, options=options.split("\n"),
                                        audience="sector:health sector:policing sector:fire-and-rescue",
                                        closes_at=clock.now() + timedelta(days=1)), "cli:test")
        open_poll(session, poll, "cli:test")
        poll_id = poll.id
    for n, leader_id in enumerate(ids):
        with console.db.session() as session:
            vote(session, poll_id, session.get(Leader, leader_id), choose=1 if n % 3 else 2)
    with console.db.session() as session:
        close_poll(session, get(session, poll_id), "cli:test")
    return poll_id


async def test_results_are_a_chart_with_its_summary_and_table_and_suppressed_cells_show_no_count(
        console: Console) -> None:
    poll_id = _closed_poll(console)
    page = await console.staff.get(f"/staff/polls/{poll_id}/results")
    assert page.status == 200
    text = page.text
    assert 'id="summary"' in text and "17 of 17 leaders asked answered (100%)" in text
    assert "“Ready” was chosen most, by 11" in text
    assert text.count("<svg") == 2 and 'id="results-table"' in text  # a bar per option, and its table
    assert text.index("<svg") < text.index('id="results-table"')
    assert 'id="rate">100%' in text
    sectors = text[text.index('id="by-sector"'):text.index('id="by-region"')]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", sectors, re.S)
    named = [(re.search(r'scope="row"[^>]*>([^<]*)<', row), row) for row in rows]
    by_group = {found.group(1): row for found, row in named if found}
    assert set(by_group) == {"Fire and rescue", "Health and care (NHS)", "Policing"}
    health = by_group["Health and care (NHS)"]
    assert "Suppressed" not in health and ">8<" in health
    for hidden in ("Fire and rescue", "Policing"):  # small; and the one that would give it away
        cells = re.sub(r"<th[^>]*>.*?</th>", "", by_group[hidden], flags=re.S)
        assert "Suppressed" in cells and not re.search(r"\d", re.sub(r'colspan="\d+"', "", cells))
    assert f"/staff/polls/{poll_id}/results.csv" in text and f"/staff/polls/{poll_id}/report.html" in text


async def test_an_open_poll_has_its_response_rate_and_no_counts(console: Console) -> None:
    await _create(console)
    poll_id = _latest(console)
    await console.staff.post(f"/staff/polls/{poll_id}/open", {})
    page = await console.staff.get(f"/staff/polls/{poll_id}/results")
    assert page.status == 200 and "So far 0 of" in page.text and "<svg" not in page.text
    csv_page = await console.staff.get(f"/staff/polls/{poll_id}/results.csv")
    assert csv_page.status == 409 and "closed poll" in csv_page.text


async def test_hostile_text_is_escaped_on_the_page_and_spreadsheet_safe_in_the_csv(console: Console) -> None:
    poll_id = _closed_poll(console, question='<script>alert("q")</script>',
                           options='=HYPERLINK("https://evil.example","x")\n<img src=x onerror=alert(1)>')
    page = await console.staff.get(f"/staff/polls/{poll_id}/results")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    download = await console.staff.get(f"/staff/polls/{poll_id}/results.csv")
    assert download.status == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in download.headers["Content-Disposition"]
    cells = [cell for row in csv.reader(io.StringIO(download.text)) for cell in row]
    assert "'=HYPERLINK(\"https://evil.example\",\"x\")" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "suppressed" in cells
    report = await console.staff.get(f"/staff/polls/{poll_id}/report.html")
    assert report.status == 200 and "attachment" in report.headers["Content-Disposition"]
    assert "<script>alert" not in report.text and "&lt;script&gt;" in report.text


async def test_a_poll_that_does_not_exist_is_404_for_staff(console: Console) -> None:
    for path in ("/staff/polls/424242", "/staff/polls/424242/results", "/staff/polls/424242/open"):
        assert (await console.staff.get(path)).status == 404


async def test_free_text_answers_are_escaped_and_staff_can_redact_one_audited(console: Console) -> None:
    from bot.poll_lifecycle import close_poll, open_poll
    from directory.poll_store import PollSpec, create

    with console.db.session() as session:
        session.execute(update(Leader).where(Leader.id.in_([console.staff_id, console.leader_id]))
                        .values(sector="education"))
    ids = add_leaders(console.db, 6, sector="justice")
    with console.db.session() as session:
        poll = create(session, PollSpec(question="What would help?", kind="text", audience="sector:justice",
                                        closes_at=clock.now() + timedelta(days=1)), "cli:test")
        open_poll(session, poll, "cli:test")
        poll_id = poll.id
    for n, leader_id in enumerate(ids):
        with console.db.session() as session:
            vote(session, poll_id, session.get(Leader, leader_id),
                 answer=f"<b>answer {n}</b> call 07700 900{n:03d}")
    with console.db.session() as session:
        close_poll(session, get(session, poll_id), "cli:test")
    page = await console.staff.get(f"/staff/polls/{poll_id}/results")
    assert "free text" in page.text and "<svg" not in page.text
    assert "&lt;b&gt;answer 0&lt;/b&gt;" in page.text and "<b>answer" not in page.text
    link = re.search(rf"/staff/polls/{poll_id}/comments/(\d+)/redact", page.text)
    assert link
    ask = await console.staff.get(link.group(0))
    assert ask.status == 200 and "Redact this comment?" in ask.text
    assert (await console.staff.post(link.group(0), {})).status == 303
    after = await console.staff.get(f"/staff/polls/{poll_id}/results")
    assert after.text.count("[redacted by staff]") == 1 and after.text.count("&lt;b&gt;answer") == 5
    assert audit_actions(console.db, "poll.comment_redacted") == [
        (f"leader:{console.staff_id}", "poll.comment_redacted", f"poll:{poll_id}")]
    assert (await console.staff.post(f"/staff/polls/{poll_id}/comments/999999/redact", {})).status == 404
