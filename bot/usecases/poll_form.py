"""`/leaders poll new`: staff create a poll from a form — a Slack modal, a Teams card, or (in the console)
the form's fields shown with the CLI command that does the same.

The form is validated by the same rules as `leaders poll create` (directory/poll_store.validate); a bad
value comes back as the form with the message under that field, and nothing is created.
"""

from __future__ import annotations

from bot.actions import submission
from bot.commands import Context
from bot.live import replacing
from bot.replies import Form, Input, Reply, Text
from directory import audit
from directory.poll_store import PollError, PollSpec, create
from directory.polls import KINDS, MAX_QUESTION
from directory.when import WhenError, format_moment, parse_when

CREATE = "poll.create"
_KINDS = tuple(
    (
        k,
        {
            "single": "Single choice",
            "multi": "Multiple choice",
            "scale": "Scale of 1 to 5",
            "text": "Free text",
        }[k],
    )
    for k in KINDS
)
# Which field a validation message belongs under, by the words it starts with.
_FIELD_OF = (
    ("the question", "question"),
    ("the option", "options"),
    ("a single", "options"),
    ("a multi", "options"),
    ("a scale", "options"),
    ("a text", "options"),
    ("audience", "audience"),
    ("the audience", "audience"),
    ("the closing", "closes"),
    ("a reminder", "reminders"),
    ("--min-group", "min_group"),
    ("unknown kind", "kind"),
)


def poll_form(values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Reply:
    v, e = values or {}, errors or {}
    fields = (
        Input(
            "question",
            "Question",
            v.get("question", ""),
            max_length=MAX_QUESTION,
            error=e.get("question", ""),
        ),
        Input(
            "options",
            "Options",
            v.get("options", ""),
            "multiline",
            max_length=2000,
            hint="One per line, 2 to 10. Leave empty for a 1–5 scale or free text.",
            error=e.get("options", ""),
        ),
        Input("kind", "Kind", v.get("kind", "single"), "choice", _KINDS, error=e.get("kind", "")),
        Input(
            "audience",
            "Audience",
            v.get("audience", ""),
            max_length=1000,
            hint="Empty for everyone, or a search such as sector:health region:wales",
            error=e.get("audience", ""),
        ),
        Input(
            "opens",
            "Opens",
            v.get("opens", ""),
            max_length=60,
            hint="2026-12-03T09:00 (UK time), now, +2h, +3d; empty: open it by hand",
            error=e.get("opens", ""),
        ),
        Input(
            "closes",
            "Closes",
            v.get("closes", ""),
            max_length=60,
            hint="The same forms; empty: close by hand",
            error=e.get("closes", ""),
        ),
        Input(
            "reminders",
            "Reminders",
            v.get("reminders", ""),
            max_length=300,
            hint="Times to remind those who have not answered, separated by commas",
            error=e.get("reminders", ""),
        ),
        Input(
            "attributed",
            "Anonymous or attributed",
            v.get("attributed", "anonymous"),
            "choice",
            (("anonymous", "Anonymous"), ("attributed", "Attributed: names go with answers")),
        ),
        Input(
            "min_group",
            "Smallest group shown",
            v.get("min_group", "5"),
            max_length=4,
            error=e.get("min_group", ""),
        ),
        Input(
            "results",
            "Who sees results after close",
            v.get("results", "staff"),
            "choice",
            (("staff", "Staff only"), ("participants", "Participants too")),
        ),
    )
    return Reply(
        (
            Form(
                "poll-new",
                "New poll",
                fields,
                "Create",
                CREATE,
                "The same as `leaders poll create` in a terminal.",
            ),
        )
    )


def _when(value: str, field: str) -> object:
    if not value.strip():
        return None
    try:
        return parse_when(value)
    except WhenError as error:
        raise _FieldError(field, str(error)) from None


class _FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _spec(values: dict[str, str]) -> PollSpec:
    options = [line.strip() for line in values.get("options", "").splitlines() if line.strip()]
    group = values.get("min_group", "5").strip() or "5"
    if not (group.isascii() and group.isdigit()):
        raise _FieldError("min_group", "a whole number, such as 5")
    reminders = [_when(part, "reminders") for part in values.get("reminders", "").split(",") if part.strip()]
    return PollSpec(
        question=values.get("question", ""),
        options=options,
        kind=values.get("kind", "single"),
        audience=values.get("audience", ""),
        opens_at=_when(values.get("opens", ""), "opens"),  # type: ignore[arg-type]
        closes_at=_when(values.get("closes", ""), "closes"),  # type: ignore[arg-type]
        reminders=reminders,  # type: ignore[arg-type]
        attributed=values.get("attributed") == "attributed",
        min_group=int(group),
        results_for=values.get("results", "staff"),
    )


@submission(CREATE)
def create_submitted(ctx: Context, args: list[str], values: dict[str, str]) -> Reply:
    if not ctx.is_staff:
        return Reply((Text("Creating polls is for the Leaders Connect staff team only.", "error"),))
    try:
        poll = create(ctx.session, _spec(values), audit.leader_ref(ctx.leader.id))
    except _FieldError as error:
        return poll_form(values, {error.field: error.message})
    except PollError as error:
        message = str(error)
        field = next((f for start, f in _FIELD_OF if message.startswith(start)), "question")
        return poll_form(values, {field: message[0].upper() + message[1:] + "."})
    audit.record(ctx.session, audit.leader_ref(ctx.leader.id), "poll.created", f"poll:{poll.id}")
    opens = (
        format_moment(poll.opens_at)
        if poll.opens_at
        else "when you run `leaders poll open " + str(poll.id) + "`"
    )
    return replacing(
        Reply(
            (
                Text(f"Poll {poll.id} created", "heading"),
                Text(poll.question),
                Text(
                    f"It opens {opens}. See it with `poll list`; results with `poll results "
                    f"{poll.id}` after it closes.",
                    "muted",
                ),
            )
        )
    )
