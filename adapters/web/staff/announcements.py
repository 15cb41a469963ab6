"""`/staff/announcements…`: send an announcement (checked, then confirmed with its audience size, after a
recent sign-in), the list, and each one's delivery report — as `leaders announce` and `announce status`.

The flow is chat's (bot/usecases/announce.py): `bot.announcements.draft` checks everything and stores
the announcement unsent; the confirmation page shows who it reaches; `confirm` queues the messages only
if the audience still has the size that was shown, and writes `announcement.created` to the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select

from adapters.web.site_kit import posted, staff_page
from adapters.web.staff.console import actor, done, error_list, in_store, needs_sign_in_again, page, path_id
from bot.announcements import AudienceChanged, confirm, draft
from directory.announcements import MAX_TEXT, Announcement, report
from directory.audience import parse_audience
from directory.content import ContentError
from directory.search_query import QueryError
from directory.when import WhenError, format_moment, parse_when

FIELDS = ("text", "url", "audience", "at")


def _moment(value: datetime) -> str:
    return format_moment(value)


@staff_page
async def list_announcements(request: web.Request) -> web.Response:
    def work(session: Any) -> list[dict[str, Any]]:
        rows = []
        for item in session.scalars(select(Announcement).where(Announcement.confirmed_at.is_not(None))
                                    .order_by(Announcement.id.desc()).limit(200)):
            data = report(session, item).as_json()
            rows.append({**data, "text": item.text, "send": _moment(datetime.fromisoformat(data["send_at"]))})
        return rows

    rows = await in_store(request, work, commit=False)
    return page(request, "staff/announcements.html", {"title": "Announcements", "announcements": rows})


def _form(request: web.Request, values: dict[str, str], errors: dict[str, str], status: int = 200,
          ) -> web.Response:
    return page(request, "staff/announcement_form.html", {
        "title": "Send an announcement", "values": values, "errors": errors,
        "error_list": error_list(errors), "max_text": MAX_TEXT}, status=status)


@staff_page
async def new_announcement(request: web.Request) -> web.Response:
    return _form(request, {}, {})


def _field(message: str) -> str:
    return "url" if "link" in message.lower() else "text"


@staff_page
async def check(request: web.Request) -> web.Response:
    form = await posted(request)
    values = {name: form.get(name, "") for name in FIELDS}
    errors: dict[str, str] = {}
    send_at = None
    if values["at"].strip():
        try:
            send_at = parse_when(values["at"])
        except WhenError as error:
            errors["at"] = f"Send at: {error}"
    try:
        parse_audience(values["audience"])
    except QueryError as error:
        errors["audience"] = f"Audience: {error}"
    if errors:
        return _form(request, values, errors, 400)
    me = actor(request)

    def work(session: Any) -> int:
        return draft(session, actor=me, text=values["text"], url=values["url"], audience=values["audience"],
                     send_at=send_at).id

    try:
        draft_id = await in_store(request, work)
    except ContentError as error:
        message = str(error).replace(" (--text)", "")
        message = message[:1].upper() + message[1:]
        return _form(request, values, {_field(message): message}, 400)
    raise done(f"/staff/announcements/{draft_id}/confirm")


def _announcement(session: Any, announcement_id: int) -> Announcement:
    found = session.get(Announcement, announcement_id)
    if found is None:
        raise web.HTTPNotFound()
    return found


def _confirm_page(request: web.Request, item: dict[str, Any], problem: str = "",
                  status: int = 200) -> web.Response:
    return page(request, "staff/announcement_confirm.html", {
        "title": "Check and send the announcement", "item": item, "problem": problem}, status=status)


def _draft_view(session: Any, announcement_id: int) -> dict[str, Any]:
    item = _announcement(session, announcement_id)
    return {"id": item.id, "text": item.text, "url": item.url, "audience": item.audience or "everyone",
            "audience_size": item.audience_size, "send": _moment(item.send_at),
            "sent": item.confirmed_at is not None}


@staff_page
async def ask_confirm(request: web.Request) -> web.Response:
    announcement_id = path_id(request)
    item = await in_store(request, lambda s: _draft_view(s, announcement_id), commit=False)
    if item["sent"]:
        raise done(f"/staff/announcements/{announcement_id}")
    again = needs_sign_in_again(request, f"/staff/announcements/{announcement_id}/confirm")
    if again is not None:
        raise again
    return _confirm_page(request, item)


@staff_page
async def send(request: web.Request) -> web.Response:
    announcement_id = path_id(request)
    form = await posted(request)
    again = needs_sign_in_again(request, f"/staff/announcements/{announcement_id}/confirm")
    if again is not None:
        raise again
    size = form.get("audience_size", "")
    confirmed = int(size) if size.isdigit() and len(size) <= 9 else -1  # -1: never an audience's size
    me = actor(request)

    def work(session: Any) -> dict[str, Any] | None:
        item = _announcement(session, announcement_id)
        try:
            confirm(session, item, me, confirmed)
        except AudienceChanged as changed:
            session.flush()
            return {**_draft_view(session, announcement_id), "changed": str(changed)}
        return None

    changed = await in_store(request, work)  # a changed audience keeps the draft's new size
    if changed is not None:
        return _confirm_page(request, changed, f"Not sent: {changed['changed']}. Check the new number and "
                             "send again.", status=409)
    raise done(f"/staff/announcements/{announcement_id}?done=sent")


@staff_page
async def show_report(request: web.Request) -> web.Response:
    announcement_id = path_id(request)

    def work(session: Any) -> dict[str, Any]:
        item = _announcement(session, announcement_id)
        if item.confirmed_at is None:
            return {"draft": True}
        data = report(session, item).as_json()
        return {**data, "text": item.text, "url": item.url,
                "send": _moment(datetime.fromisoformat(data["send_at"]))}

    data = await in_store(request, work, commit=False)
    if data.get("draft"):
        raise done(f"/staff/announcements/{announcement_id}/confirm")
    return page(request, "staff/announcement_report.html", {
        "title": f"Announcement {announcement_id}: delivery", "report": data,
        "notice": "Announcement queued: it goes out at the time shown." if request.query.get("done") == "sent"
        else None})


def mount(app: web.Application) -> None:
    add = app.router.add_route
    add("GET", "/staff/announcements", list_announcements)
    add("GET", "/staff/announcements/new", new_announcement)
    add("POST", "/staff/announcements/new", check)
    add("GET", r"/staff/announcements/{id:\d+}", show_report)
    add("GET", r"/staff/announcements/{id:\d+}/confirm", ask_confirm)
    add("POST", r"/staff/announcements/{id:\d+}/confirm", send)
