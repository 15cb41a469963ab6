"""What a valid profile value is — one set of rules for the CSV import and for leaders editing themselves.

Keeping the limits and patterns here (not in csv_io.py) lets directory.people validate a leader's own edits
without importing the CSV module, and means staff imports and self-service edits can never disagree about
what the directory accepts.
"""

from __future__ import annotations

import re

from directory.privacy import PRIVATE_FIELDS, Visibility

MAX_LENGTH = {"email": 320, "full_name": 200, "role": 200, "organisation": 200, "region": 100,
              "phone": 50, "cohort": 100, "slack_user_id": 50, "teams_user_id": 200,
              "expertise": 2000, "bio": 4000}
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{6,30}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# The fields a leader may change about themselves. Name and email are their verified identity and the
# sector is the directory's classification: staff change those, through an import.
SELF_EDITABLE: tuple[str, ...] = ("role", "organisation", "region", "expertise", "bio", "phone")
REQUIRED_OWN: tuple[str, ...] = ("role", "organisation")  # required by the import too


def clean_value(name: str, raw: str) -> str:
    """The stored form of a typed value: spaces collapsed (bio keeps its line breaks), tags tidied."""
    if name == "bio":
        return "\n".join(" ".join(line.split()) for line in raw.strip().splitlines()).strip()
    value = " ".join(raw.split())
    if name == "expertise":
        value = ";".join(t.strip() for t in value.split(";") if t.strip())
    return value


def own_value_problem(name: str, value: str) -> str | None:
    """Why a cleaned value of a self-editable field cannot be stored, in words for the leader; else None."""
    if name in REQUIRED_OWN and not value:
        return "This can't be empty."
    if CONTROL.search(value):
        return "This contains control characters; please retype it."
    limit = MAX_LENGTH.get(name, 10_000)
    if len(value) > limit:
        return f"This is {len(value):,} characters long; the limit is {limit:,}."
    if name == "phone" and value and not PHONE.match(value):
        return (f"“{value[:60]}” is not a phone number. Use digits, spaces, brackets and dashes, "
                "with an optional leading +, e.g. +44 7700 900123.")
    return None


class InvalidProfileError(ValueError):
    """A leader's own edit that cannot be stored; `errors` maps each bad field to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def check_own_profile(changes: dict[str, str],
                      visibility: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The cleaned changes and visibility, or InvalidProfileError naming every bad field at once."""
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for name, raw in changes.items():
        if name not in SELF_EDITABLE:
            errors[name] = "This field is managed by the Leaders Connect team and can't be changed here."
            continue
        cleaned[name] = clean_value(name, raw)
        problem = own_value_problem(name, cleaned[name])
        if problem:
            errors[name] = problem
    levels = [v.value for v in Visibility]
    for name, level in visibility.items():
        if name not in PRIVATE_FIELDS:
            errors[f"visibility.{name}"] = f"“{name[:40]}” is not a field whose visibility you can set."
        elif level not in levels:
            errors[f"visibility.{name}"] = (f"“{level[:40]}” is not a visibility level; "
                                            f"choose {', '.join(levels)}.")
    if errors:
        raise InvalidProfileError(errors)
    return cleaned, dict(visibility)
