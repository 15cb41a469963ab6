"""The public-sector sectors the directory knows, and how messy spellings map onto them.

Staff import spreadsheets typed by many hands ("NHS", "Health & care", "police force"), so the import
normalises every spelling to one canonical key and reports anything it cannot place, rather than letting
six spellings of one sector fragment the `sector:` filter.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from directory.textfold import fold


@dataclass(frozen=True)
class Sector:
    key: str
    label: str
    aliases: tuple[str, ...]


SECTORS: tuple[Sector, ...] = (
    Sector("central-government", "Central government",
           ("central government", "civil service", "whitehall", "government department",
            "central govt", "ministerial department", "hm government")),
    Sector("health", "Health and care (NHS)",
           ("nhs", "health", "health and care", "health and social care", "nhs trust",
            "integrated care board", "icb", "healthcare", "social care")),
    Sector("policing", "Policing",
           ("police", "policing", "police force", "constabulary", "law enforcement")),
    Sector("local-government", "Local government",
           ("local government", "local authority", "council", "local govt", "combined authority",
            "county council", "borough council", "city council", "unitary authority")),
    Sector("devolved-government", "Devolved government",
           ("devolved government", "devolved administration", "scottish government",
            "welsh government", "northern ireland executive", "northern ireland civil service")),
    Sector("fire-and-rescue", "Fire and rescue",
           ("fire and rescue", "fire", "fire service", "fire and rescue service")),
    Sector("education", "Education",
           ("education", "schools", "higher education", "further education", "universities",
            "academy trust", "multi academy trust")),
    Sector("justice", "Justice",
           ("justice", "courts", "prisons", "probation", "prison service", "tribunals")),
    Sector("defence", "Defence",
           ("defence", "defense", "armed forces", "military")),
    Sector("arms-length-body", "Agencies and arm's-length bodies",
           ("arms length body", "arm's length body", "arm's-length body", "alb", "agency",
            "executive agency", "non departmental public body", "ndpb", "regulator",
            "public body", "public corporation")),
)

_BY_SPELLING: dict[str, Sector] = {}
for _sector in SECTORS:
    for _spelling in (_sector.key, _sector.label, *_sector.aliases):
        _BY_SPELLING[fold(_spelling.replace("-", " "))] = _sector


class UnknownSectorError(ValueError):
    """Raised with a message a staff member can act on: the bad spelling and the nearest sector."""


def normalise_sector(text: str) -> Sector:
    """Return the sector a spelling means, or raise UnknownSectorError naming the closest match."""
    key = fold(text.replace("-", " ").replace("&", " and "))
    sector = _BY_SPELLING.get(key)
    if sector is not None:
        return sector
    if key.endswith("s") and key[:-1] in _BY_SPELLING:  # "councils", "police forces"
        return _BY_SPELLING[key[:-1]]
    close = difflib.get_close_matches(key, list(_BY_SPELLING), n=1, cutoff=0.75)
    if close:
        return _BY_SPELLING[close[0]]  # a typo such as "polcing" is unambiguous enough to fix
    suggestion = difflib.get_close_matches(key, list(_BY_SPELLING), n=1, cutoff=0.6)
    hint = f"; did you mean '{_BY_SPELLING[suggestion[0]].key}'?" if suggestion else ""
    keys = ", ".join(s.key for s in SECTORS)
    raise UnknownSectorError(f"unknown sector '{text}' (expected one of: {keys}{hint})")


def sector_label(key: str) -> str:
    for sector in SECTORS:
        if sector.key == key:
            return sector.label
    return key
