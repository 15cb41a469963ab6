"""Staff curating content in chat: `content add` (a form: a Slack modal, a Teams card), `content list`,
`content approve ID`, `content retire ID` — the same rules as `leaders content …` on the command line.

The two-person rule holds here too: the staff member who drafted an item cannot approve it; the audit log
records both, by reference (`leader:12`).
"""

from __future__ import annotations

from bot.actions import submission
from bot.commands import Context, command
from bot.live import replacing
from bot.replies import Form, Input, Reply, Text
from directory import audit, content
from directory.audience import parse_audience
from directory.content import MAX_SUMMARY, MAX_TITLE, ContentError
from directory.ids import parse_id
from directory.search_query import QueryError
from directory.when import WhenError, format_moment, parse_when

USAGE = "content add | content list | content approve <id> | content retire <id>"
SAVE = "content.save"
FIELDS = ("title", "url", "summary", "topics", "audience", "publish", "expires")


def item_form(ctx: Context, values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None) -> Form:
    values, errors = values or {}, errors or {}
    known = ", ".join(content.live_topics(ctx.session)) or "none yet: `leaders content topics add NAME`"

    def field(name: str, label: str, kind: str = "text", limit: int = 200, hint: str = "") -> Input:
        return Input(name, label, values.get(name, ""), kind, max_length=limit, hint=hint,  # type: ignore[arg-type]
                     error=errors.get(name, ""))

    return Form("content", "Add a content item", (
        field("title", "Title", limit=MAX_TITLE), field("url", "Link (https)", limit=2000),
        field("summary", "Summary", "multiline", MAX_SUMMARY), field("topics", "Topics", hint=known),
        field("audience", "Audience", limit=500,
              hint="empty for everyone, or e.g. sector:health region:wales"),
        field("publish", "Publish", limit=40, hint="empty for now, or 2026-12-03T09:00, +2h"),
        field("expires", "Expires", limit=40, hint="empty for never, or a time as above")),
        "Add", SAVE)


@submission(SAVE)
def save(ctx: Context, args: list[str], values: dict[str, str]) -> Reply:
    if not ctx.is_staff:
        return replacing(Reply((Text("Curating content is for the Leaders Connect staff team.", "error"),)))
    errors: dict[str, str] = {}
    moments = {}
    for name in ("publish", "expires"):
        if values.get(name, "").strip():
            try:
                moments[name] = parse_when(values[name])
            except WhenError as error:
                errors[name] = str(error)
    try:
        audience = parse_audience(values.get("audience", "")).text
    except QueryError as error:
        errors["audience"], audience = str(error), ""
    if not errors:
        try:  # every check runs before anything is written
            item = content.add_item(ctx.session, actor=audit.leader_ref(ctx.leader.id),
                                    title=values.get("title", ""), url=values.get("url", ""),
                                    summary=values.get("summary", ""), topics=values.get("topics", ""),
                                    audience=audience, publish_at=moments.get("publish"),
                                    expires_at=moments.get("expires"), approval=ctx.settings.content_approval)
        except ContentError as error:
            errors["form"] = str(error)
    if errors:
        return replacing(Reply((Text("Nothing was added: " + "; ".join(errors.values()) + ".", "error"),
                                item_form(ctx, values, errors))))
    then = "another staff member must approve it (`content approve " f"{item.id}`)" \
        if item.status == content.DRAFT else f"it is {item.state()}"
    return replacing(Reply((Text(f"Added item {item.id}, “{item.title}”: {then}.", "heading"),)))


def _listing(ctx: Context) -> Reply:
    items = content.list_items(ctx.session)[:20]
    if not items:
        return Reply((Text("No content yet. Type `content add`.", "muted"),))
    return Reply((Text("Content items (newest first)", "heading"),
                  *(Text(f"{i.id}. {i.title} — {i.state()}, {', '.join(i.topics)}, "
                         f"from {format_moment(i.publish_at)}") for i in items)))


@command("content", "Curate content for digests and the library (staff)", USAGE, staff_only=True,
         private_only=True, opens_form=True, examples=("content add", "content approve 3"))
def curate(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if verb in ("", "add"):
        return Reply((item_form(ctx), Text(f"Also: `{USAGE}`.", "muted")))
    if verb == "list":
        return _listing(ctx)
    number = parse_id(rest.strip())
    if verb not in ("approve", "retire") or number is None:
        return Reply((Text(f"Usage: `{USAGE}`.", "error"),))
    actor = audit.leader_ref(ctx.leader.id)
    try:  # refused before anything is changed
        item = (content.approve if verb == "approve" else content.retire)(ctx.session, number, actor)
    except ContentError as error:
        return Reply((Text(f"Nothing changed: {error}.", "error"),))
    return Reply((Text(f"Item {item.id}, “{item.title}”, is {item.state()}.", "heading"),))
