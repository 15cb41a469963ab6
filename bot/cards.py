"""Person cards, built only from what the viewer may see (directory.privacy decides)."""

from __future__ import annotations

from bot.replies import Button, Field, PersonCard
from directory.freshness import staleness
from directory.models import Leader
from directory.privacy import Viewer, may_see, visible_fields
from directory.sectors import sector_label

LABELS = {"role": "Role", "organisation": "Organisation", "sector": "Sector", "region": "Region",
          "expertise": "Expertise", "bio": "Bio", "cohort": "Cohort", "email": "Email", "phone": "Phone"}


def headline(shown: dict[str, str]) -> str:
    return ", ".join(v for v in (shown.get("role"), shown.get("organisation")) if v)


def found_in(viewer: Viewer, leader: Leader, matched: tuple[str, ...]) -> str:
    """Why a search result matched ("role; expertise: cyber security"), naming only what the viewer may
    see. Search matches public fields only (search_rank.py), so this is a second lock, not the first."""
    allowed = [reason for reason in matched
               if reason == "name" or may_see(viewer, leader, reason.split(":", 1)[0])]
    return "; ".join(allowed)


def summary_card(viewer: Viewer, leader: Leader, matched: tuple[str, ...] = ()) -> PersonCard:
    """The short card used in search results: who they are, where, why they matched, and a button for
    the full profile."""
    shown = visible_fields(viewer, leader)
    fields = []
    if "region" in shown or "sector" in shown:
        place = " · ".join(v for v in (shown.get("region"), sector_label(shown.get("sector", ""))) if v)
        fields.append(Field("Where", place))
    if "expertise" in shown:
        fields.append(Field("Expertise", ", ".join(leader.expertise_list)))
    reasons = found_in(viewer, leader, matched)
    if reasons:
        fields.append(Field("Found in", reasons))
    stale = staleness(leader)
    if stale:
        fields.append(Field("Profile", stale))
    return PersonCard(leader.id, leader.full_name, headline(shown), tuple(fields),
                      buttons=(Button("View profile", f"profile.view:{leader.id}", "primary"),))


def listing_card(viewer: Viewer, leader: Leader, matched: tuple[str, ...] = ()) -> PersonCard:
    """A search result as a list row (the web's results): one field per line instead of the chat card's
    "Where" — from the same visible fields and the same "why it matched", so it can show no more."""
    shown = visible_fields(viewer, leader)
    fields = [Field(LABELS[name], sector_label(shown[name]) if name == "sector" else shown[name])
              for name in ("role", "organisation", "sector", "region") if name in shown]
    reasons = found_in(viewer, leader, matched)
    if reasons:
        fields.append(Field("Found in", reasons))
    stale = staleness(leader)
    if stale:
        fields.append(Field("Profile", stale))
    return PersonCard(leader.id, leader.full_name, headline(shown), tuple(fields))


def verification(leader: Leader, linked_via: tuple[str, ...] = ()) -> str:
    """How we know this is them: how the profile was verified, and how their chat accounts were linked."""
    text = f"Verified by {leader.verified_by}" if leader.verified else "Not yet verified"
    ways = list(dict.fromkeys(linked_via))
    if ways:
        text += " · chat account linked by " + ", ".join(ways)
    stale = staleness(leader)
    if stale:
        text += f" · {stale}"
    return text


def profile_card(viewer: Viewer, leader: Leader, linked_via: tuple[str, ...] = ()) -> PersonCard:
    """Everything the viewer may see of one leader, and how we know the profile is genuine."""
    shown = visible_fields(viewer, leader)
    fields = []
    for name, value in shown.items():
        if name in ("full_name", "role", "organisation"):
            continue
        if name == "sector":
            value = sector_label(value)
        elif name == "expertise":
            value = ", ".join(leader.expertise_list)
        fields.append(Field(LABELS[name], value))
    return PersonCard(leader.id, leader.full_name, headline(shown), tuple(fields),
                      verification(leader, linked_via))
