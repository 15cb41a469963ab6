"""`/staff/content…`: draft, edit, approve (the two-person rule) and retire curated content; topics.

`directory.content` holds every rule — the https-only link check, the topic vocabulary, the two-person
rule (the drafter cannot approve, and an edit to what leaders read sends an item back) — and writes the
audit entries, exactly as for `leaders content …`. The web adds one thing: approving asks for a recent
sign-in (console.needs_sign_in_again), so a screen left unlocked cannot publish.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from adapters.web.site_kit import posted, staff_page
from adapters.web.staff.console import (
    actor,
    confirm,
    done,
    error_list,
    in_store,
    needs_sign_in_again,
    page,
    path_id,
    settings,
)
from directory import content
from directory.audience import parse_audience
from directory.content import ContentError
from directory.models import Leader
from directory.search_query import QueryError
from directory.when import WhenError, format_moment, local, parse_when

FIELDS = ("title", "url", "summary", "topics", "audience", "publish", "expires")
NOTICES = {"added": "Item drafted.", "edited": "Item changed.", "approved": "Item approved.",
           "retired": "Item retired.", "topic-added": "Topic added.", "topic-retired": "Topic retired."}
_FIELD_OF = (("expire", "expires"), ("link", "url"), ("title", "title"), ("summary", "summary"),
             ("topic", "topics"))


def _field(message: str) -> str:
    lowered = message.lower()
    return next((name for word, name in _FIELD_OF if word in lowered), "title")


def _sentence(message: str) -> str:
    message = message.replace("--expires must be after --publish", "the expiry must be after publishing")
    return message[:1].upper() + message[1:]


def who(session: Any, reference: str) -> str:
    """A staff reference as a name (`leader:12` → the leader's name); other actors as they are."""
    if reference.startswith("leader:") and reference[7:].isdigit():
        leader = session.get(Leader, int(reference[7:]))
        return leader.full_name if leader else "a former staff member"
    return reference or "—"


def _row(session: Any, item: content.ContentItem, me: str) -> dict[str, Any]:
    data = item.as_json()
    data["drafter"] = "you" if item.drafted_by == me else who(session, item.drafted_by)
    data["approver"] = who(session, item.approved_by) if item.approved_by else ""
    data["own"] = item.drafted_by == me
    data["publish"] = format_moment(datetime.fromisoformat(data["publish_at"])) if data["publish_at"] else ""
    data["expires"] = format_moment(datetime.fromisoformat(data["expires_at"])) if data["expires_at"] else ""
    return data


@staff_page
async def list_content(request: web.Request) -> web.Response:
    me = actor(request)
    show_all = request.query.get("all") == "1"
    items = await in_store(request, lambda s: [_row(s, i, me) for i in
                                              content.list_items(s, include_retired=show_all)], commit=False)
    return page(request, "staff/content.html", {
        "title": "Content", "items": items, "show_all": show_all,
        "awaiting": [i for i in items if i["state"] == "awaiting approval"],
        "notice": NOTICES.get(request.query.get("done", "")),
        "two_person_rule": settings(request).content_approval})


def _read(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"title": form.get("title", ""), "url": form.get("url", ""),
                              "summary": form.get("summary", ""),
                              "topics": content.split_topics(form.get("topics", ""))}
    try:
        values["audience"] = parse_audience(form.get("audience", "")).text
    except QueryError as error:
        errors["audience"] = f"Audience: {error}"
    for name, key in (("publish", "publish_at"), ("expires", "expires_at")):
        text = form.get(name, "").strip()
        try:
            values[key] = parse_when(text) if text else None
        except WhenError as error:
            errors[name] = f"{'Publish' if name == 'publish' else 'Expires'}: {error}"
    return values, errors


async def _form_page(request: web.Request, values: dict[str, str], errors: dict[str, str],
                     item_id: int | None = None, status: int = 200) -> web.Response:
    topics = await in_store(request, content.live_topics, commit=False)
    return page(request, "staff/content_form.html", {
        "title": f"Change item {item_id}" if item_id else "Draft a content item", "values": values,
        "errors": errors, "error_list": error_list(errors), "item_id": item_id, "topics": topics},
        status=status)


@staff_page
async def new_item(request: web.Request) -> web.Response:
    return await _form_page(request, {}, {})


async def _save(request: web.Request, item_id: int | None) -> web.Response:
    form = await posted(request)
    values, errors = _read(form)
    shown = {name: form.get(name, "") for name in FIELDS}
    me, approval = actor(request), settings(request).content_approval
    if errors:
        return await _form_page(request, shown, errors, item_id, status=400)

    def work(session: Any) -> int:
        if item_id is None:
            return content.add_item(session, actor=me, approval=approval, **values).id
        if not form.get("expires", "").strip():
            values.pop("expires_at")  # an empty box keeps the item's expiry, as the CLI's absent option does
        if not form.get("publish", "").strip():
            values.pop("publish_at")
        return content.edit(session, item_id, me, approval=approval, **values).id

    try:
        saved = await in_store(request, work)
    except ContentError as error:
        message = _sentence(str(error))
        return await _form_page(request, shown, {_field(message): message}, item_id, status=400)
    raise done(f"/staff/content?done={'edited' if item_id else 'added'}#item-{saved}")


@staff_page
async def create_item(request: web.Request) -> web.Response:
    return await _save(request, None)


def _item(session: Any, item_id: int) -> content.ContentItem:
    try:
        return content.get_item(session, item_id)
    except ContentError:
        raise web.HTTPNotFound() from None


def _moment(value: datetime | None) -> str:
    return local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


@staff_page
async def edit_item(request: web.Request) -> web.Response:
    item_id = path_id(request)

    def work(session: Any) -> dict[str, str]:
        item = _item(session, item_id)
        return {"title": item.title, "url": item.url, "summary": item.summary,
                "topics": ", ".join(item.topics), "audience": item.audience,
                "publish": _moment(item.publish_at), "expires": _moment(item.expires_at)}

    return await _form_page(request, await in_store(request, work, commit=False), {}, item_id)


@staff_page
async def save_item(request: web.Request) -> web.Response:
    return await _save(request, path_id(request))


@staff_page
async def ask_approve(request: web.Request) -> web.Response:
    item_id, me = path_id(request), actor(request)
    data = await in_store(request, lambda s: _row(s, _item(s, item_id), me), commit=False)
    if not data["own"]:
        again = needs_sign_in_again(request, f"/staff/content/{item_id}/approve")
        if again is not None:
            raise again
    if data["own"]:
        return page(request, "staff/problem.html", {
            "title": "Another staff member must approve this", "message": f"You drafted item {item_id} "
            "(or last changed what leaders read in it), so under the two-person rule someone else must "
            "approve it.", "back": "/staff/content"}, status=403)
    return confirm(request, title=f"Approve “{data['title']}”?", lines=[
        f"Drafted by {data['drafter']}. Link: {data['url']}", data["summary"],
        f"Goes out from {data['publish']} to {data['audience']}."],
        action=f"/staff/content/{item_id}/approve", button="Approve", back="/staff/content")


@staff_page
async def approve(request: web.Request) -> web.Response:
    item_id = path_id(request)
    await posted(request)
    again = needs_sign_in_again(request, f"/staff/content/{item_id}/approve")
    if again is not None:
        raise again
    me = actor(request)
    try:
        await in_store(request, lambda s: content.approve(s, item_id, me))
    except ContentError as error:
        return page(request, "staff/problem.html", {"title": "Not approved", "message": _sentence(str(error))
                    .replace(f" ({me})", "") + ".", "back": "/staff/content"}, status=409)
    raise done(f"/staff/content?done=approved#item-{item_id}")


@staff_page
async def ask_retire(request: web.Request) -> web.Response:
    item_id = path_id(request)
    title = await in_store(request, lambda s: _item(s, item_id).title, commit=False)
    return confirm(request, title=f"Retire “{title}”?", lines=[
        "It stops going out in digests and leaves the library. It stays in the record with its figures."],
        action=f"/staff/content/{item_id}/retire", button="Retire", back="/staff/content",
        warning="Retiring cannot be undone.")


@staff_page
async def retire(request: web.Request) -> web.Response:
    item_id = path_id(request)
    await posted(request)
    me = actor(request)
    try:
        await in_store(request, lambda s: content.retire(s, item_id, me))
    except ContentError as error:
        return page(request, "staff/problem.html", {"title": "Nothing changed", "message":
                    _sentence(str(error)) + ".", "back": "/staff/content"}, status=409)
    raise done("/staff/content?done=retired")


@staff_page
async def topics(request: web.Request) -> web.Response:
    return await _topics_page(request)


async def _topics_page(request: web.Request, errors: dict[str, str] | None = None, status: int = 200,
                       typed: str = "") -> web.Response:
    names = await in_store(request, content.live_topics, commit=False)
    errors = errors or {}
    return page(request, "staff/topics.html", {
        "title": "Content topics", "topics": names, "errors": errors, "error_list": error_list(errors),
        "typed": typed, "notice": NOTICES.get(request.query.get("done", ""))}, status=status)


@staff_page
async def add_topic(request: web.Request) -> web.Response:
    form = await posted(request)
    typed, me = form.get("name", ""), actor(request)

    def work(session: Any) -> None:
        names = content.split_topics(typed)
        if not names:
            raise ContentError("type a topic name, such as cyber or net-zero")
        for name in names:
            content.add_topic(session, name, me)

    try:
        await in_store(request, work)
    except ContentError as error:
        return await _topics_page(request, {"name": _sentence(str(error))}, 400, typed)
    raise done("/staff/content/topics?done=topic-added")


@staff_page
async def ask_retire_topic(request: web.Request) -> web.Response:
    name = content.split_topics(request.match_info["name"])[:1]
    if not name:
        raise web.HTTPNotFound()
    return confirm(request, title=f"Retire the topic “{name[0]}”?", lines=[
        "No new item may use it. Items that have it keep it."],
        action=f"/staff/content/topics/{name[0]}/retire", button="Retire topic", back="/staff/content/topics")


@staff_page
async def retire_topic(request: web.Request) -> web.Response:
    await posted(request)
    name, me = request.match_info["name"], actor(request)
    try:
        await in_store(request, lambda s: content.retire_topic(s, name, me))
    except ContentError as error:
        return page(request, "staff/problem.html", {"title": "Nothing changed", "message":
                    _sentence(str(error)) + ".", "back": "/staff/content/topics"}, status=409)
    raise done("/staff/content/topics?done=topic-retired")


def mount(app: web.Application) -> None:
    add = app.router.add_route
    add("GET", "/staff/content", list_content)
    add("GET", "/staff/content/new", new_item)
    add("POST", "/staff/content/new", create_item)
    add("GET", r"/staff/content/{id:\d+}/edit", edit_item)
    add("POST", r"/staff/content/{id:\d+}/edit", save_item)
    add("GET", r"/staff/content/{id:\d+}/approve", ask_approve)
    add("POST", r"/staff/content/{id:\d+}/approve", approve)
    add("GET", r"/staff/content/{id:\d+}/retire", ask_retire)
    add("POST", r"/staff/content/{id:\d+}/retire", retire)
    add("GET", "/staff/content/topics", topics)
    add("POST", "/staff/content/topics", add_topic)
    add("GET", r"/staff/content/topics/{name:[a-z0-9-]{1,40}}/retire", ask_retire_topic)
    add("POST", r"/staff/content/topics/{name:[a-z0-9-]{1,40}}/retire", retire_topic)
