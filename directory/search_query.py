"""Parsing what a person types into the search box: free words plus `sector:` style filters.

The parser never fails on odd text: free words are folded to [a-z0-9] tokens before any backend sees them,
so no user text reaches SQL or an FTS `MATCH` expression as syntax. Its only errors are ones a person can
fix and that we can name: an unknown sector, or an unknown filter (`colour:blue` is answered with the list
of filters rather than searched as the words "colour blue", which would quietly find the wrong people).
Links and times are not filters: `https://…` and `10:30` stay words.
`region:` values are read against the known regions with forgiving spellings (regions.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from directory.regions import known_regions
from directory.sectors import UnknownSectorError, normalise_sector
from directory.textfold import fold, tokens

FILTERS = ("sector", "region", "org", "cohort", "tag")
MAX_WORDS = 12  # beyond this a query is a paste, not a search; the first words carry the meaning
MAX_WORD_LENGTH = 40
MAX_QUERY_LENGTH = 1000
# Text before a colon that is not a filter attempt: links, and a few words people end with a colon.
NOT_FILTERS = frozenset({"http", "https", "mailto", "re", "fwd", "fw", "note", "ps", "eg", "ie"})
STOPWORDS = frozenset({"of", "the", "and", "for", "in", "at", "to", "a", "an", "on", "with"})

_PART = re.compile(r'(?P<key>[A-Za-z]+):(?:"(?P<quoted>[^"]*)"?|(?P<bare>\S*))'
                   r'|"(?P<phrase>[^"]*)"?|(?P<word>\S+)')


class QueryError(ValueError):
    """A search the user can fix; the message is one line, fit to show them."""


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.filters

    def describe(self) -> str:
        parts = list(self.words)
        parts += [f'{k}:"{v}"' if " " in v else f"{k}:{v}" for k, vs in self.filters.items() for v in vs]
        return " ".join(parts)


def parse_query(text: str) -> SearchQuery:
    """Split `text` into folded free words and folded filter values (sector values are canonical keys)."""
    text = text.replace("\x00", " ")[:MAX_QUERY_LENGTH]
    text = text.replace("\u201c", '"').replace("\u201d", '"')  # phones turn quotes curly
    words: list[str] = []
    filters: dict[str, list[str]] = {}
    for match in _PART.finditer(text):
        key = (match.group("key") or "").lower()
        if key in FILTERS:
            raw = match.group("quoted") if match.group("quoted") is not None else match.group("bare")
            for value in _filter_values(key, raw or ""):
                if value not in filters.setdefault(key, []):
                    filters[key].append(value)
            continue
        if key and key not in NOT_FILTERS and not (match.group("bare") or "").startswith("/"):
            shown = "".join(ch for ch in match.group("key") if ch.isascii())[:30]
            raise QueryError(f"'{shown}:' is not a filter I know (filters: "
                             + ", ".join(f"{f}:" for f in FILTERS) + ")")
        words.extend(tokens(match.group(0)))
    words = [w[:MAX_WORD_LENGTH] for w in words]
    meaningful = [w for w in words if w not in STOPWORDS] or words
    unique = list(dict.fromkeys(meaningful))[:MAX_WORDS]
    return SearchQuery(tuple(unique), {k: tuple(v) for k, v in filters.items() if v})


def _filter_values(key: str, value: str) -> tuple[str, ...]:
    if not fold(value):
        return ()
    if key == "sector":
        try:
            return (normalise_sector(value).key,)
        except UnknownSectorError as error:
            raise QueryError(str(error)) from None
    if key == "region":
        return known_regions(value) or (fold(value)[:100],)
    return (fold(value)[:100],)
