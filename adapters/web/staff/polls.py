"""`/staff/polls…`: list, create, edit, open, close and cancel polls, and read their results.

The same use cases as `leaders poll …` (directory.poll_store, bot.poll_lifecycle) with the same audit
actions; the web adds only the form, the confirmation before a change that sends or deletes, and the
results page (chart, table, breakdowns) with the CLI's own CSV and report as downloads.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from adapters.cli.poll_reports import poll_json, report_html, results_csv, results_data
from adapters.web.site_kit import posted, staff_page
from adapters.web.staff import poll_form
from adapters.web.staff.console import actor, confirm, done, error_list, in_store, page, path_id
from adapters.web.staff.results_view import view
from bot.poll_lifecycle import cancel_poll, close_poll, open_poll
from directory import audit
from directory.audience import count as audience_count
from directory.audience import parse_audience
from directory.poll_store import PollError, PollSpec, create, edit, get, redact, spec_of, validate
from directory.polls import Poll
from directory.search_query import QueryError
from directory.when import format_moment

NOTICES = {"created": "Poll created.", "edited": "Poll changed.", "opened": "Poll opened: its cards are on "
           "their way.", "closed": "Poll closed: its results are published.", "cancelled": "Poll cancelled."}
ACTIONS = {"open": ("Open this poll now?", "Open poll", "Everyone in its audience who is in chat gets the "
                    "poll card now."),
           "close": ("Close this poll now?", "Close poll", "No more answers are taken; the results are "
                     "published and every card says closed."),
           "cancel": ("Cancel this poll?", "Cancel poll", "The poll stops and any answers given so far are "
                      "deleted. This cannot be undone.")}


def _when(value: str | None, empty: str) -> str:
    from datetime import datetime

    return format_moment(datetime.fromisoformat(value)) if value else empty


def _describe(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "opens": _when(data["opens_at"], "when opened by staff"),
            "closes": _when(data["closes_at"], "when closed by staff"),
            "reminder_times": [_when(r, "") for r in data["reminders"]]}


@staff_page
async def list_polls(request: web.Request) -> web.Response:
    def work(session: Any) -> list[dict[str, Any]]:
        found = session.scalars(select(Poll).order_by(Poll.id.desc()))
        return [_describe(poll_json(session, p)) for p in found]

    polls = await in_store(request, work, commit=False)
    return page(request, "staff/polls.html", {"title": "Polls", "polls": polls})


def _reach(session: Any, text: str) -> tuple[int | None, str]:
    """How many leaders an audience reaches, or the search language's message."""
    try:
        audience = parse_audience(text)
    except QueryError as error:
        return None, poll_form.web_words(str(error))
    return audience_count(session, audience), audience.describe()


async def _form_page(request: web.Request, values: dict[str, str], errors: dict[str, str], *,
                     poll_id: int | None = None, status: int = 200) -> web.Response:
    reach = await in_store(request, lambda s: _reach(s, values.get("audience", "")), commit=False)
    errors = {name: errors[name] for name in sorted(errors, key=poll_form.FIELDS.index)}  # the form's order
    return page(request, "staff/poll_form.html", {
        "title": f"Change poll {poll_id}" if poll_id else "Create a poll", "values": values,
        "errors": errors, "error_list": error_list(errors), "poll_id": poll_id, "reach": reach[0],
        "reach_words": reach[1], "kinds": poll_form.KIND_LABELS}, status=status)


@staff_page
async def new_poll(request: web.Request) -> web.Response:
    return await _form_page(request, {"kind": "single", "min_group": "5", "results_for": "staff",
                                      "attributed": "no"}, {})


async def _save(request: web.Request, poll_id: int | None) -> web.Response:
    form = await posted(request)
    spec, errors = poll_form.read(form)
    values = poll_form.submitted(form)
    who = actor(request)

    def work(session: Any) -> tuple[int | None, dict[str, str]]:
        checked: PollSpec | None = None
        try:
            checked = validate(session, spec)
        except PollError as error:
            errors.update({k: v for k, v in poll_form.store_error(error).items() if k not in errors})
        if errors or checked is None or form.get("action") == "check":
            return None, errors
        if poll_id is None:
            poll = create(session, spec, who)
            audit.record(session, who, "poll.created", f"poll:{poll.id}")
        else:
            poll = get(session, poll_id)
            edit(session, poll, spec)
            audit.record(session, who, "poll.edited", f"poll:{poll.id}")
        return poll.id, {}

    try:
        saved, problems = await in_store(request, work)
    except PollError as error:  # the poll opened (or vanished) while the form was open
        problems, saved = poll_form.store_error(error), None
    if saved is not None:
        raise done(f"/staff/polls/{saved}?done={'edited' if poll_id else 'created'}")
    status = 400 if problems else 200
    return await _form_page(request, values, problems, poll_id=poll_id, status=status)


@staff_page
async def create_poll(request: web.Request) -> web.Response:
    return await _save(request, None)


@staff_page
async def edit_form(request: web.Request) -> web.Response:
    poll_id = path_id(request)

    def work(session: Any) -> tuple[str, dict[str, str]]:
        poll = _poll(session, poll_id)
        return poll.status, poll_form.values_of(spec_of(session, poll))

    status, values = await in_store(request, work, commit=False)
    if status != "scheduled":
        return page(request, "staff/problem.html", {
            "title": "This poll cannot be changed",
            "message": f"Poll {poll_id} is {status}: only a poll that has not opened can be changed. "
                       "Cancel it and create another.", "back": f"/staff/polls/{poll_id}"}, status=409)
    return await _form_page(request, values, {}, poll_id=poll_id)


@staff_page
async def save_edit(request: web.Request) -> web.Response:
    return await _save(request, path_id(request))


def _poll(session: Any, poll_id: int) -> Poll:
    try:
        return get(session, poll_id)
    except PollError:
        raise web.HTTPNotFound() from None


@staff_page
async def show_poll(request: web.Request) -> web.Response:
    poll_id = path_id(request)
    def work(session: Any) -> dict[str, Any]:
        poll = _poll(session, poll_id)
        data = _describe(poll_json(session, poll))
        if poll.status == "scheduled":  # who it would reach if it opened now (fixed at opening)
            data["reach"] = _reach(session, poll.audience)[0]
        return data

    data = await in_store(request, work, commit=False)
    return page(request, "staff/poll.html", {"title": f"Poll {poll_id}", "poll": data,
                                             "notice": NOTICES.get(request.query.get("done", ""))})


@staff_page
async def ask_change(request: web.Request) -> web.Response:
    poll_id, verb = path_id(request), request.match_info["verb"]
    question = await in_store(request, lambda s: _poll(s, poll_id).question, commit=False)
    title, button, what = ACTIONS[verb]
    return confirm(request, title=title, lines=[f"Poll {poll_id}: {question}", what],
                   action=f"/staff/polls/{poll_id}/{verb}", button=button, back=f"/staff/polls/{poll_id}",
                   warning=what if verb == "cancel" else "")


@staff_page
async def change(request: web.Request) -> web.Response:
    poll_id, verb = path_id(request), request.match_info["verb"]
    await posted(request)
    who = actor(request)

    def work(session: Any) -> None:
        poll = _poll(session, poll_id)
        if verb == "open":
            open_poll(session, poll, who)
        elif verb == "close":
            if not close_poll(session, poll, who):
                raise PollError(f"poll {poll.id} is {poll.status} already")
        else:
            cancel_poll(session, poll, who)

    try:
        await in_store(request, work)
    except PollError as error:
        return page(request, "staff/problem.html", {"title": "Nothing changed", "message":
                    poll_form.web_words(str(error)) + ".", "back": f"/staff/polls/{poll_id}"}, status=409)
    past = {"open": "opened", "close": "closed", "cancel": "cancelled"}[verb]
    raise done(f"/staff/polls/{poll_id}?done={past}")


@staff_page
async def results_page(request: web.Request) -> web.Response:
    poll_id = path_id(request)
    data = await in_store(request, lambda s: results_data(s, _poll(s, poll_id)), commit=False)
    return page(request, "staff/poll_results.html", {"title": f"Results of poll {poll_id}", "data": data,
                                                     "results": view(data)})


async def _final(request: web.Request) -> dict[str, Any] | web.Response:
    poll_id = path_id(request)
    data = await in_store(request, lambda s: results_data(s, _poll(s, poll_id)), commit=False)
    if not data["final"]:
        return page(request, "staff/problem.html", {
            "title": "No results file yet", "message": f"Poll {poll_id} is {data['status']}: files are made "
            "from the results of a closed poll.", "back": f"/staff/polls/{poll_id}/results"}, status=409)
    return data


def _download(body: str, name: str, content_type: str) -> web.Response:
    return web.Response(text=body, content_type=content_type, charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


@staff_page
async def results_csv_file(request: web.Request) -> web.Response:
    data = await _final(request)
    if isinstance(data, web.Response):
        return data
    return _download(results_csv(data), f"poll-{data['id']}-results.csv", "text/csv")


@staff_page
async def report_file(request: web.Request) -> web.Response:
    data = await _final(request)
    if isinstance(data, web.Response):
        return data
    import asyncio

    body = await asyncio.to_thread(report_html, data)  # matplotlib draws the chart: not on the loop
    return _download(body, f"poll-{data['id']}-report.html", "text/html")


@staff_page
async def ask_redact(request: web.Request) -> web.Response:
    poll_id, comment_id = path_id(request), path_id(request, "comment")
    await in_store(request, lambda s: _poll(s, poll_id), commit=False)
    return confirm(request, title="Redact this comment?", lines=[
        "Its text is deleted from the results and the report, for good; the results show "
        "“[redacted by staff]” in its place."], action=f"/staff/polls/{poll_id}/comments/{comment_id}/redact",
        button="Redact comment", back=f"/staff/polls/{poll_id}/results", warning="This cannot be undone.")


@staff_page
async def redact_comment(request: web.Request) -> web.Response:
    """`leaders poll redact ID COMMENT`: the comment's text is deleted, audited as the CLI audits it."""
    poll_id, comment_id = path_id(request), path_id(request, "comment")
    await posted(request)
    who = actor(request)

    def work(session: Any) -> None:
        poll = _poll(session, poll_id)
        redact(session, poll, comment_id)
        audit.record(session, who, "poll.comment_redacted", f"poll:{poll.id}", comment=comment_id)

    try:
        await in_store(request, work)
    except PollError as error:
        return page(request, "staff/problem.html", {"title": "Nothing changed", "message":
                    poll_form.web_words(str(error)) + ".", "back": f"/staff/polls/{poll_id}/results"},
                    status=404)
    raise done(f"/staff/polls/{poll_id}/results#comments")


def mount(app: web.Application) -> None:
    add = app.router.add_route
    add("GET", "/staff/polls", list_polls)
    add("GET", "/staff/polls/new", new_poll)
    add("POST", "/staff/polls/new", create_poll)
    add("GET", r"/staff/polls/{id:\d+}", show_poll)
    add("GET", r"/staff/polls/{id:\d+}/edit", edit_form)
    add("POST", r"/staff/polls/{id:\d+}/edit", save_edit)
    add("GET", r"/staff/polls/{id:\d+}/{verb:open|close|cancel}", ask_change)
    add("POST", r"/staff/polls/{id:\d+}/{verb:open|close|cancel}", change)
    add("GET", r"/staff/polls/{id:\d+}/results", results_page)
    add("GET", r"/staff/polls/{id:\d+}/results.csv", results_csv_file)
    add("GET", r"/staff/polls/{id:\d+}/report.html", report_file)
    add("GET", r"/staff/polls/{id:\d+}/comments/{comment:\d+}/redact", ask_redact)
    add("POST", r"/staff/polls/{id:\d+}/comments/{comment:\d+}/redact", redact_comment)
