"""Who a poll, a content item or an announcement is for: everyone, or a query in the search language.

Staff write audiences the way they search (`sector:health region:wales cohort:2024`, or words such as
`chief constable`), so the parser is the search parser and its messages are the same. Resolving is not a
search, though: search ranks, stops at a limit and matches only what each leader shows everyone, while an
audience must hold *every* leader who fits, judged on the values staff hold. A leader who hides their
region from other leaders is still a leader in Wales when staff ask Welsh leaders how winter went.

Resolving reads each candidate's fields once and matches in Python: audiences are resolved when a poll
opens or a digest runs, not per keystroke, and one code path means SQLite and PostgreSQL agree exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Leader
from directory.search_query import SearchQuery, parse_query
from directory.textfold import fold

EVERYONE_WORDS = frozenset({"", "everyone", "all", "*"})
_COLUMNS = (Leader.id, Leader.full_name, Leader.role, Leader.organisation, Leader.sector, Leader.region,
            Leader.cohort, Leader.expertise, Leader.bio)


@dataclass(frozen=True)
class Audience:
    text: str = ""
    query: SearchQuery = field(default_factory=SearchQuery)

    @property
    def everyone(self) -> bool:
        return self.query.is_empty

    def describe(self) -> str:
        return "everyone" if self.everyone else self.query.describe()


def parse_audience(text: str | None) -> Audience:
    """The audience `text` names. Raises QueryError (one line) for a filter value it can name as wrong."""
    raw = (text or "").strip()
    if raw.lower() in EVERYONE_WORDS:
        return Audience("", SearchQuery())
    return Audience(raw, parse_query(raw))


@dataclass(frozen=True)
class _Person:
    """The folded values one leader is matched on."""

    sector: str
    region: str
    organisation: str
    cohort: str
    tags: tuple[str, ...]
    words: frozenset[str]

    @classmethod
    def of(cls, name: str, role: str, organisation: str, sector: str, region: str, cohort: str,
           expertise: str, bio: str) -> _Person:
        tags = tuple(fold(t) for t in (expertise or "").split(";") if fold(t))
        words = frozenset(fold(" ".join((name, role, organisation, expertise or "", bio or ""))).split())
        return cls(sector, fold(region or ""), fold(organisation or ""), fold(cohort or ""), tags, words)


def _starts_a_word(haystack: str, needle: str) -> bool:
    """`region:west` matches "north west": the value starts the field or one of its words."""
    return haystack.startswith(needle) or f" {needle}" in f" {haystack}"


def _fits(person: _Person, query: SearchQuery) -> bool:
    for name, values in query.filters.items():
        if name == "sector":
            ok = person.sector in values
        elif name == "region":
            ok = any(_starts_a_word(person.region, v) for v in values)
        elif name == "org":
            ok = any(_starts_a_word(person.organisation, v) for v in values)
        elif name == "cohort":
            ok = any(_starts_a_word(person.cohort, v) for v in values)
        elif name == "tag":
            ok = any(tag == v or tag.startswith(v) for tag in person.tags for v in values)
        else:  # a filter the parser learnt after this module: never widen an audience by ignoring it
            ok = False
        if not ok:
            return False
    words = query.words
    for n, word in enumerate(words):
        last = n == len(words) - 1
        if word not in person.words and not (last and any(w.startswith(word) for w in person.words)):
            return False
    return True


def matches(leader: Leader, audience: Audience) -> bool:
    """Whether one leader is in `audience` (a digest asks this per leader and item)."""
    if leader.left_at is not None:
        return False
    if audience.everyone:
        return True
    person = _Person.of(leader.full_name, leader.role, leader.organisation, leader.sector, leader.region,
                        leader.cohort, leader.expertise, leader.bio)
    return _fits(person, audience.query)


def _rows(session: Session, audience: Audience, batch: int = 5000) -> Iterator[tuple]:
    statement = (select(*_COLUMNS).where(Leader.left_at.is_(None)).order_by(Leader.id)
                 .execution_options(yield_per=batch))
    sectors = audience.query.filters.get("sector")
    if sectors:  # the one filter an index answers exactly: let the database narrow first
        statement = statement.where(Leader.sector.in_(sectors))
    yield from session.execute(statement)


def resolve(session: Session, audience: Audience) -> list[int]:
    """Ids of every leader in `audience`, in id order (no limit: an audience is everyone who fits).
    Leavers are never in an audience."""
    if audience.everyone:
        return list(session.scalars(select(Leader.id).where(Leader.left_at.is_(None)).order_by(Leader.id)))
    return [row[0] for row in _rows(session, audience) if _fits(_Person.of(*row[1:]), audience.query)]


def count(session: Session, audience: Audience) -> int:
    return len(resolve(session, audience))
