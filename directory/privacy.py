"""Who may see which profile field: the one function every renderer goes through.

Each field carries a level: `everyone` (any verified leader), `introduced` (people the leader accepted an
introduction with), `staff`. The leader always sees their own profile; staff see everything. Keeping the
decision here, before any reply is built, means no platform renderer can leak a field by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from directory.models import Leader


class Visibility(StrEnum):
    EVERYONE = "everyone"
    INTRODUCED = "introduced"
    STAFF = "staff"


# Fields whose visibility a leader controls. full_name is always shown to verified leaders: a
# directory of anonymous entries would defeat its purpose.
PRIVATE_FIELDS: tuple[str, ...] = ("role", "organisation", "sector", "region", "expertise", "bio",
                                   "cohort", "email", "phone")
DEFAULT_VISIBILITY: dict[str, str] = {
    "role": "everyone", "organisation": "everyone", "sector": "everyone", "region": "everyone",
    "expertise": "everyone", "bio": "everyone", "cohort": "everyone",
    "email": "introduced", "phone": "introduced",
}


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a linked leader (possibly staff). Unlinked accounts never reach this module."""

    leader_id: int
    is_staff: bool = False
    # Leaders this viewer has an accepted introduction with (filled by the introductions capability).
    introduced_to: frozenset[int] = frozenset()


def level_of(leader: Leader, field: str) -> Visibility:
    raw = (leader.visibility or {}).get(field, DEFAULT_VISIBILITY[field])
    try:
        return Visibility(raw)
    except ValueError:
        return Visibility.STAFF  # an unreadable setting fails closed


def is_public(leader: Leader, field: str) -> bool:
    """Visible to every verified leader — the only fields search may match or filter on, so a query
    cannot reveal a hidden value by whether it finds the person."""
    return level_of(leader, field) is Visibility.EVERYONE


def may_see(viewer: Viewer, leader: Leader, field: str, introduced: bool = False) -> bool:
    """True if `viewer` may see `field` of `leader`; `introduced` says whether the two were introduced."""
    if field == "full_name":
        return True
    if viewer.leader_id == leader.id or viewer.is_staff:
        return True
    level = level_of(leader, field)
    if level is Visibility.EVERYONE:
        return True
    if level is Visibility.INTRODUCED:
        return introduced or leader.id in viewer.introduced_to
    return False


def visible_fields(viewer: Viewer, leader: Leader, introduced: bool = False) -> dict[str, str]:
    """The profile as `viewer` may see it: only permitted, non-empty fields, in display order."""
    shown: dict[str, str] = {"full_name": leader.full_name}
    for field in PRIVATE_FIELDS:
        value = getattr(leader, field) or ""
        if value and may_see(viewer, leader, field, introduced):
            shown[field] = value
    return shown
