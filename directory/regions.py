"""The UK regions the directory knows, and the spellings people type for them in a `region:` filter.

`region:` is forgiving the way `sector:` is: "north-west", "NW", "yorkshire", "the humber" and a typo
such as "scotand" all mean a known region, so a slip of the keyboard never makes someone unfindable. A
value that names the start of a word of several regions ("west", "north") means all of them. A value
that is no known region, nor close to one, is kept as typed and matches the start of a word of the
leader's region as before: a directory may hold regions of its own ("Greater Manchester").
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from directory.textfold import fold


@dataclass(frozen=True)
class Region:
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The folded form stored in `leader.region_key` for a leader in this region."""
        return fold(self.label)


REGIONS: tuple[Region, ...] = (
    Region("North East", ("ne", "north east england")),
    Region("North West", ("nw", "north west england")),
    Region("Yorkshire and the Humber", ("yorkshire", "humber", "the humber", "yorks", "yorkshire humber")),
    Region("East Midlands", ("em",)),
    Region("West Midlands", ("wm",)),
    Region("East of England", ("east england", "eastern", "east anglia", "eoe")),
    Region("London", ("greater london", "ldn")),
    Region("South East", ("se", "south east england")),
    Region("South West", ("sw", "south west england")),
    Region("Scotland", ("scottish", "alba")),
    Region("Wales", ("welsh", "cymru")),
    Region("Northern Ireland", ("ni", "n ireland", "northern irish")),
    Region("National", ("uk", "uk wide", "united kingdom", "nationwide", "england")),
)

_BY_SPELLING: dict[str, Region] = {}
for _region in REGIONS:
    for _spelling in (_region.label, *_region.aliases):
        _BY_SPELLING[fold(_spelling.replace("-", " ").replace("&", " and "))] = _region
KEYS = frozenset(r.key for r in REGIONS)


def known_regions(value: str) -> tuple[str, ...]:
    """The folded keys of the known regions `value` means; empty if it means none of them."""
    key = fold(value.replace("-", " ").replace("&", " and "))
    if not key:
        return ()
    if key in _BY_SPELLING:
        return (_BY_SPELLING[key].key,)
    # "west" → North West, West Midlands, South West; "north w" → North West
    starting = tuple(r.key for r in REGIONS if f" {key}" in f" {r.key}")
    if starting:
        return starting
    close = difflib.get_close_matches(key, list(_BY_SPELLING), n=1, cutoff=0.8)
    return (_BY_SPELLING[close[0]].key,) if close else ()
