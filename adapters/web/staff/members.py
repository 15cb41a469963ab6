"""`/staff/members`: who has the staff role, and granting or removing it (with a confirmation page),
through `directory.staff` — the rules and the audit entries of `leaders staff add|remove` and chat's
`staff add|remove`, including "you cannot remove yourself while you are the last one"."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapters.web.site_kit import posted, staff_page
from adapters.web.staff.console import actor, confirm, done, error_list, in_store, page, settings
from directory.people import by_email
from directory.staff import AlreadyStaff, StaffError, grant, members, revoke

NOTICES = {"added": "Staff role granted.", "removed": "Staff role removed.",
           "already": "They already have the staff role; nothing changed."}


async def _list(request: web.Request, errors: dict[str, str] | None = None, typed: str = "",
                status: int = 200) -> web.Response:
    env = settings(request).staff_email_set
    entries = await in_store(request, lambda s: members(s, env), commit=False)
    errors = errors or {}
    return page(request, "staff/members.html", {
        "title": "Staff members", "members": entries, "errors": errors, "error_list": error_list(errors),
        "typed": typed, "notice": NOTICES.get(request.query.get("done", ""))}, status=status)


@staff_page
async def list_members(request: web.Request) -> web.Response:
    return await _list(request)


def _email(form: dict[str, str]) -> str:
    return form.get("email", "").strip()[:320]


@staff_page
async def ask(request: web.Request) -> web.Response:
    """Adding and removing both start with a POSTed email and end on a confirmation page."""
    form = await posted(request)
    email, verb = _email(form), request.match_info["verb"]
    if not email:
        return await _list(request, {"email": "Enter the email address of a leader in the directory"},
                           status=400)
    leader = await in_store(request, lambda s: (lambda found: (found.full_name, found.email) if found
                                                 else None)(by_email(s, email)), commit=False)
    if leader is None:
        return await _list(request, {"email": f"{email} is not in the directory; import them first"},
                           typed=email, status=400)
    name, address = leader
    what = ("can create polls, approve content, send announcements and see the audit log" if verb == "add"
            else "loses access to the staff console and staff commands in chat")
    return confirm(request, title=f"{'Give' if verb == 'add' else 'Remove'} the staff role "
                   f"{'to' if verb == 'add' else 'from'} {name}?", lines=[f"{name} <{address}> {what}."],
                   action=f"/staff/members/{verb}/confirm", button="Give staff role" if verb == "add"
                   else "Remove staff role", back="/staff/members", hidden={"email": address})


@staff_page
async def change(request: web.Request) -> web.Response:
    form = await posted(request)
    email, verb, me = _email(form), request.match_info["verb"], actor(request)
    env = settings(request).staff_email_set

    def work(session: Any) -> None:
        (grant if verb == "add" else revoke)(session, email, me, env)

    try:
        await in_store(request, work)
    except AlreadyStaff:
        raise done("/staff/members?done=already") from None
    except StaffError as error:
        message = str(error)
        return await _list(request, {"email": message[:1].upper() + message[1:]}, typed=email, status=409)
    raise done(f"/staff/members?done={'added' if verb == 'add' else 'removed'}")


def mount(app: web.Application) -> None:
    add = app.router.add_route
    add("GET", "/staff/members", list_members)
    add("POST", "/staff/members/{verb:add|remove}", ask)
    add("POST", "/staff/members/{verb:add|remove}/confirm", change)
