"""Parsing what a person types into the search box: free words plus `sector:` style filters.

The parser never fails on odd text: whatever it cannot read as a filter becomes free words, and free words
are folded to [a-z0-9] tokens before any backend sees them, so no user text reaches SQL or an FTS
`MATCH` expression as syntax. The only error is a filter value we can name as wrong (an unknown sector).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from directory.sectors import UnknownSectorError, normalise_sector
from directory.textfold import fold, tokens

FILTERS = ("sector", "region", "org", "cohort", "tag")
MAX_WORDS = 12  # beyond this a query is a paste, not a search; the first words carry the meaning
MAX_WORD_LENGTH = 40
MAX_QUERY_LENGTH = 1000
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
            value = match.group("quoted") if match.group("quoted") is not None else match.group("bare")
            value = _filter_value(key, value or "")
            if value and value not in filters.setdefault(key, []):
                filters[key].append(value)
            continue
        words.extend(tokens(match.group(0)))
    words = [w[:MAX_WORD_LENGTH] for w in words]
    meaningful = [w for w in words if w not in STOPWORDS] or words
    unique = list(dict.fromkeys(meaningful))[:MAX_WORDS]
    return SearchQuery(tuple(unique), {k: tuple(v) for k, v in filters.items() if v})


def _filter_value(key: str, value: str) -> str:
    if key == "sector":
        if not fold(value):
            return ""
        try:
            return normalise_sector(value).key
        except UnknownSectorError as error:
            raise QueryError(str(error)) from None
    return fold(value)[:100]
