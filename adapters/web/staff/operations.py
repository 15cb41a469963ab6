"""`/staff`, `/staff/outbox`, `/staff/audit`, `/staff/health`: the overview and what keeps the service
honest — what is waiting or failed (and retrying it), who did what, and how true the directory is.

Each page reads the same functions as its command (`leaders outbox`, `leaders audit`, `leaders directory
health`); a retry is audited as `outbox.retried`, from here as from the CLI.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from adapters.web.site_kit import posted, staff_page
from adapters.web.staff.console import actor, confirm, done, error_list, in_store, page, path_id
from directory import audit
from directory.health import COMPLETENESS_FIELDS, report
from directory.outbox import FAILED, STATUSES, depth
from directory.outbox_views import list_messages, retry, status_of
from directory.sectors import sector_label
from directory.staff_overview import overview
from scheduler.delivery_metrics import lane_label

AUDIT_PAGE = 50
OUTBOX_ROWS = 100


@staff_page
async def home(request: web.Request) -> web.Response:
    figures = await in_store(request, overview, commit=False)
    return page(request, "staff/overview.html", {"title": "Staff console", "figures": figures})


@staff_page
async def outbox(request: web.Request) -> web.Response:
    def work(session: Any) -> dict[str, Any]:
        counts = depth(session)
        lanes = sorted({lane for _, lane, _ in counts})
        table = [{"lane": lane, "label": lane_label(lane),
                  "counts": [sum(n for s, ln, n in counts if s == status and ln == lane)
                             for status in STATUSES]}
                 for lane in lanes]
        return {"lanes": table, "waiting": list_messages(session, failed_only=False, limit=OUTBOX_ROWS),
                "failed": list_messages(session, failed_only=True, limit=OUTBOX_ROWS)}

    data = await in_store(request, work, commit=False)
    notice = "Queued again." if request.query.get("done") == "retried" else None
    return page(request, "staff/outbox.html", {"title": "Outbox", "statuses": STATUSES, **data,
                                               "notice": notice})


@staff_page
async def ask_retry(request: web.Request) -> web.Response:
    message_id = path_id(request)
    status = await in_store(request, lambda s: status_of(s, message_id), commit=False)
    if status is None:
        raise web.HTTPNotFound()
    if status != FAILED:
        return page(request, "staff/problem.html", {"title": "Nothing to retry", "message": f"Message "
                    f"{message_id} is {status}, not failed.", "back": "/staff/outbox"}, status=409)
    return confirm(request, title=f"Send message {message_id} again?", lines=[
        "It goes back in the queue with a fresh count of tries, and is delivered to the leader it was for."],
        action=f"/staff/outbox/{message_id}/retry", button="Retry", back="/staff/outbox")


@staff_page
async def do_retry(request: web.Request) -> web.Response:
    message_id = path_id(request)
    await posted(request)
    me = actor(request)
    count = await in_store(request, lambda s: retry(s, me, message_id))
    if not count:
        return page(request, "staff/problem.html", {"title": "Nothing to retry", "message": f"Message "
                    f"{message_id} is not failed (any more).", "back": "/staff/outbox"}, status=409)
    raise done("/staff/outbox?done=retried")


def _day(text: str, name: str, errors: dict[str, str], label: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"{label} must be a date such as 2026-11-30"
        return None


@staff_page
async def audit_log(request: web.Request) -> web.Response:
    query = request.query
    filters = {name: query.get(name, "").strip()[:200] for name in ("actor", "action", "from", "to")}
    errors: dict[str, str] = {}
    start = _day(filters["from"], "from", errors, "From")
    end = _day(filters["to"], "to", errors, "To")
    if start and end and end < start:
        errors["to"] = "To must be the same day as From or later"
    number = query.get("page", "1")
    page_number = int(number) if number.isdigit() and 0 < len(number) <= 6 and int(number) > 0 else 1
    since = datetime.combine(start, datetime.min.time(), UTC) if start else None
    until = datetime.combine(end, datetime.min.time(), UTC) + timedelta(days=1) if end else None

    def work(session: Any) -> list[audit.AuditLine]:
        if errors:
            return []
        return list(audit.lines(session, since, filters["actor"] or None, filters["action"] or None,
                                until=until, newest_first=True, offset=(page_number - 1) * AUDIT_PAGE,
                                limit=AUDIT_PAGE + 1))

    found = await in_store(request, work, commit=False)
    kept = {k: v for k, v in filters.items() if v}

    def link(n: int) -> str:
        return "/staff/audit?" + urlencode({**kept, "page": n})

    return page(request, "staff/audit.html", {
        "title": "Audit log", "entries": found[:AUDIT_PAGE], "filters": filters, "errors": errors,
        "error_list": error_list(errors), "page_number": page_number,
        "previous": link(page_number - 1) if page_number > 1 else None,
        "next": link(page_number + 1) if len(found) > AUDIT_PAGE else None},
        status=400 if errors else 200)


@staff_page
async def health(request: web.Request) -> web.Response:
    def work(session: Any) -> list[dict[str, Any]]:
        rows = []
        for entry in report(session):
            missing = ", ".join(f"{name} {entry.missing[name]}" for name in COMPLETENESS_FIELDS
                                if entry.missing.get(name))
            rows.append({"sector": "Total" if entry.sector == "total" else sector_label(entry.sector),
                         "total": entry.sector == "total", "leaders": entry.leaders, "stale": entry.stale,
                         "never_confirmed": entry.never_confirmed, "incomplete": entry.incomplete,
                         "missing": missing or "—", "unlinked": entry.unlinked})
        return rows

    rows = await in_store(request, work, commit=False)
    return page(request, "staff/health.html", {"title": "Directory health", "rows": rows})


def mount(app: web.Application) -> None:
    add = app.router.add_route
    add("GET", "/staff", home)
    add("GET", "/staff/outbox", outbox)
    add("GET", r"/staff/outbox/{id:\d+}/retry", ask_retry)
    add("POST", r"/staff/outbox/{id:\d+}/retry", do_retry)
    add("GET", "/staff/audit", audit_log)
    add("GET", "/staff/health", health)
