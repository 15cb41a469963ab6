"""The staff poll form on the web: its fields to a `PollSpec` and back, and the store's messages placed
on the fields they are about (the GOV.UK error summary links each message to its field).

Every rule is the store's (`directory.poll_store.validate`, `directory.when.parse_when`): this module
only reads the form, so a poll the web accepts is exactly a poll `leaders poll create` accepts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from directory.poll_store import PollError, PollSpec
from directory.polls import KINDS, RESULTS_FOR
from directory.when import WhenError, local, parse_when

FIELDS = ("question", "options", "kind", "audience", "opens", "closes", "reminders", "attributed",
          "comment", "min_group", "results_for")
KIND_LABELS = {"single": "Single choice", "multi": "Several choices", "scale": "Scale of 1 to 5",
               "text": "Free text"}
# The store speaks the command line's words; on the web the same message names the form's fields.
_CLI_WORDS = (("give --option at least twice", "give at least two options, one per line"),
              ("takes no --option", "takes no options"), ("--min-group", "the smallest group shown"),
              ("--results", "who sees results"))
_FIELD_OF = (("reminder", "reminders"), ("closing time", "closes"), ("audience", "audience"),
             ("option", "options"), ("question", "question"), ("kind", "kind"),
             ("smallest group", "min_group"), ("who sees results", "results_for"))


def web_words(message: str) -> str:
    for cli, web in _CLI_WORDS:
        message = message.replace(cli, web)
    return message[:1].upper() + message[1:]


def field_of(message: str) -> str:
    """Which field a store message is about (the question, if it names none)."""
    lowered = message.lower()
    for word, name in _FIELD_OF:
        if word in lowered:
            return name
    return "question"


def _when(text: str, name: str, errors: dict[str, str], label: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        return parse_when(text)
    except WhenError as error:
        errors.setdefault(name, f"{label}: {web_words(str(error))}")
        return None


def read(form: Mapping[str, str]) -> tuple[PollSpec, dict[str, str]]:
    """The spec the form describes and the problems found reading it (times, numbers, choices)."""
    errors: dict[str, str] = {}
    kind = form.get("kind", "single")
    if kind not in KINDS:
        errors["kind"] = "Choose what kind of answer the poll asks for"
        kind = "single"
    options = [line.strip() for line in form.get("options", "").splitlines() if line.strip()]
    if kind in ("scale", "text"):
        options = []  # the form keeps the lines typed for a choice poll; a scale or text poll has none
    reminders = []
    for part in re.split(r"[\n,]+", form.get("reminders", "")):
        moment = _when(part, "reminders", errors, "Reminders")
        if moment is not None:
            reminders.append(moment)
    min_group = 5
    raw_group = form.get("min_group", "").strip()
    if raw_group:
        if raw_group.isdigit() and len(raw_group) <= 4:
            min_group = int(raw_group)
        else:
            errors["min_group"] = "The smallest group shown must be a whole number, such as 5"
    results_for = form.get("results_for", "staff")
    if results_for not in RESULTS_FOR:
        errors["results_for"] = "Choose who sees the results"
        results_for = "staff"
    spec = PollSpec(
        question=form.get("question", ""), options=options, kind=kind, audience=form.get("audience", ""),
        opens_at=_when(form.get("opens", ""), "opens", errors, "Opens"),
        closes_at=_when(form.get("closes", ""), "closes", errors, "Closes"),
        reminders=reminders, attributed=form.get("attributed") == "yes",
        allow_comment=form.get("comment") == "yes", min_group=min_group, results_for=results_for)
    return spec, errors


def store_error(error: PollError) -> dict[str, str]:
    message = str(error)
    return {field_of(web_words(message)): web_words(message)}


def _moment(value: datetime | None) -> str:
    return local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def values_of(spec: PollSpec) -> dict[str, str]:
    """The form's fields for an existing poll (times in UK local time, as staff typed them)."""
    return {"question": spec.question, "options": "\n".join(spec.options), "kind": spec.kind,
            "audience": spec.audience, "opens": _moment(spec.opens_at), "closes": _moment(spec.closes_at),
            "reminders": ", ".join(_moment(r) for r in spec.reminders),
            "attributed": "yes" if spec.attributed else "no", "comment": "yes" if spec.allow_comment else "",
            "min_group": str(spec.min_group), "results_for": spec.results_for}


def submitted(form: Mapping[str, str]) -> dict[str, str]:
    """What was typed, to show again beside the errors (never more than the form's own fields)."""
    return {name: form.get(name, "") for name in FIELDS}
