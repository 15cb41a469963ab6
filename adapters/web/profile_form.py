"""`/profile` as GOV.UK components: chat's `me` form (bot/usecases/me.py) laid out one field at a time.

The page is drawn from the same neutral Form chat's `me` shows (`profile_form`), so the web edits exactly
the fields chat edits, with the same labels, hints and visibility choices; saving goes through the same
use case (`save_own`: the import's validation rules, self-edits marked as the leader's own, an audit
entry naming the fields only). Each field is shown with its "who can see it" radios beside it. Values go
into the components as `text`, never `html`, so whatever a leader typed is escaped.
"""

from __future__ import annotations

from adapters.web.bidi import shown_text
from bot.cards import LABELS
from bot.commands import Context
from bot.replies import Input
from bot.usecases.me import (
    FORM_HINT,
    LEVELS,
    MISSING_WHY,
    label_of,
    missing_from,
    profile_form,
    save_own,
    visibility_name,
)
from directory.models import Leader
from directory.privacy import PRIVATE_FIELDS
from directory.profile_rules import InvalidProfileError
from directory.sectors import sector_label

READ_ONLY_NOTE = "Changed by the Leaders Connect team"


def element_id(name: str) -> str:
    """The id of the input (or first radio) for a form name: `visibility.role` → `visibility-role`."""
    return name.replace(".", "-")


def _input(field: Input) -> dict:
    params: dict = {"id": element_id(field.name), "name": field.name, "value": field.value,
                    "label": {"text": field.label, "classes": "govuk-label--m"}}
    if field.hint:
        params["hint"] = {"text": field.hint}
    if field.error:
        params["errorMessage"] = {"text": field.error}
    if field.kind == "multiline":
        params["rows"] = 8
    elif field.name == "phone":
        params.update(type="tel", autocomplete="tel", classes="govuk-input--width-20")
    return params


def _radios(field: Input) -> dict:
    params: dict = {"idPrefix": element_id(field.name), "name": field.name, "value": field.value,
                    "classes": "govuk-radios--small",
                    "fieldset": {"legend": {"text": field.label, "classes": "govuk-fieldset__legend--s"}},
                    "items": [{"value": value, "text": label} for value, label in LEVELS]}
    if field.error:
        params["errorMessage"] = {"text": field.error}
    return params


def _shown(leader: Leader, field: str) -> str:
    value = getattr(leader, field) or ""
    return sector_label(value) if field == "sector" else value


def page(leader: Leader, values: dict[str, str] | None = None,
         errors: dict[str, str] | None = None) -> dict:
    """The template's context: the form (with the submitted values and errors, if any), what is missing,
    and the fields only staff change."""
    form = profile_form(leader, values, errors)
    inputs = {field.name: field for field in form.fields}
    sections = []
    for field in PRIVATE_FIELDS:
        editable = inputs.get(field)
        sections.append({
            "heading": LABELS[field],
            "input": _input(editable) if editable and editable.kind == "text" else None,
            "textarea": _input(editable) if editable and editable.kind == "multiline" else None,
            "fixed": None if editable else (shown_text(_shown(leader, field)) or "Not given"),
            "radios": _radios(inputs[visibility_name(field)]),
        })
    error_list = [{"text": f"{label_of(name)}: {message}", "href": "#" + element_id(name)}
                  for name, message in form.errors.items()]
    missing = [LABELS[name].lower() for name in missing_from(leader)]
    return {"title": form.title, "name": shown_text(leader.full_name), "form_hint": FORM_HINT,
            "read_only_note": READ_ONLY_NOTE, "sections": sections, "error_list": error_list,
            "missing": missing, "missing_why": MISSING_WHY}


def save(ctx: Context, values: dict[str, str]) -> list[str] | dict:
    """What changed, or the page again with every problem marked (and nothing saved)."""
    try:
        return save_own(ctx, values)
    except InvalidProfileError as error:
        ctx.session.rollback()  # nothing of a refused edit stays, not even the confirmation date
        return page(ctx.leader, values, error.errors)


KNOWN_NAMES = frozenset({*LABELS, *(visibility_name(field) for field in PRIVATE_FIELDS)})


def saved_param(changed: list[str]) -> str:
    """What the redirect after saving carries for the banner: the changed field names, or `none`."""
    return ",".join(changed) or "none"


def banner(saved: str | None) -> str | None:
    """The success banner's words after a save (None when the page was not reached by saving). Only
    field names this page knows are read back from the address, so a crafted link can say nothing else."""
    if saved is None:
        return None
    names = [name for name in saved.split(",") if name in KNOWN_NAMES]
    if not names:
        return "Nothing to change — your profile already says that."
    return "Your profile is updated: " + ", ".join(label_of(name).lower() for name in names) + "."
