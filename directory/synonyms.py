"""Short forms and synonyms of public-sector roles: what leaders type, and the words profiles hold.

People search for "perm sec", "DG", "CX" or "chief exec"; profiles say "Permanent Secretary", "Director
General", "Chief Executive". A query phrase found here is searched as typed *or* as any of its
expansions, on both backends (search.py turns each expansion into one more alternative of the same query
group), and a hit through an expansion ranks a little below a hit on the words as typed.

The built-in vocabulary is deliberately small and unambiguous inside the public sector; where a short
form has two common meanings (CFO: chief financial officer, chief fire officer) both are expansions.
Staff extend it without a deploy: rows in the `search_synonym` table (`leaders synonyms add "perm sec"
"permanent secretary"`, `leaders synonyms list`, `leaders synonyms remove "perm sec"`) are read on every
search beside the built-in ones. Phrases and expansions are folded (textfold.py) before they are stored
or compared, so "Perm. Sec." and "perm sec" are one entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from directory import search_cache
from directory.textfold import tokens

# phrase → expansions (folded words). Keep this list short and documented in README's search section.
BUILT_IN: dict[str, tuple[str, ...]] = {
    "perm sec": ("permanent secretary",),
    "permsec": ("permanent secretary",),
    "ps": ("permanent secretary",),
    "dg": ("director general",),
    "ceo": ("chief executive",),
    "cx": ("chief executive",),
    "chief exec": ("chief executive",),
    "exec": ("executive",),
    "dep": ("deputy",),
    "cc": ("chief constable",),
    "acc": ("assistant chief constable",),
    "dcc": ("deputy chief constable",),
    "cfo": ("chief financial officer", "chief fire officer"),
    "dcfo": ("deputy chief fire officer",),
    "acfo": ("assistant chief fire officer",),
    "coo": ("chief operating officer",),
    "cdo": ("chief digital officer", "chief data officer"),
    "cio": ("chief information officer",),
    "ciso": ("chief information security officer",),
    "cdio": ("chief digital and information officer",),
    "cpo": ("chief people officer",),
    "cmo": ("chief medical officer",),
    "md": ("medical director",),
    "ned": ("non executive director",),
    "non exec": ("non executive",),
    "dd": ("deputy director",),
    "hr": ("people", "workforce"),
    "s151": ("section 151 officer",),
    "s151 officer": ("section 151 officer",),
    "vc": ("vice chancellor",),
    "dcs": ("director of childrens services",),
    "dph": ("director of public health",),
    "it": ("digital",),
    "ai": ("data and ai",),
    "vawg": ("violence against women and girls",),
    "soc": ("serious and organised crime",),
    "ct": ("counter terrorism",),
}

MAX_PHRASE_WORDS = 3  # the longest phrase looked up: "s151 officer", "chief exec"


def folded_phrase(text_: str) -> str:
    return " ".join(tokens(text_))


def ngrams(words: Sequence[str]) -> list[str]:
    """Every run of up to MAX_PHRASE_WORDS consecutive words, as a phrase."""
    found = []
    for size in range(1, MAX_PHRASE_WORDS + 1):
        for start in range(len(words) - size + 1):
            found.append(" ".join(words[start:start + size]))
    return found


_STAFF_ROWS = text("SELECT phrase, expansion FROM search_synonym ORDER BY phrase, expansion")


def lookup(session: Session, words: Sequence[str], current: str | None) -> dict[str, tuple[str, ...]]:
    """The expansions of every phrase of the query that the vocabulary (built-in or staff's) knows.
    Staff's rows are read once per search version (`current`, search_cache.py), not on every search."""
    phrases = ngrams(words)
    staff = search_cache.staff_synonyms(session, current, _staff_rows)
    found: dict[str, list[str]] = {p: list(BUILT_IN[p]) for p in phrases if p in BUILT_IN}
    for phrase in phrases:
        for expansion in staff.get(phrase, ()):
            found.setdefault(phrase, [])
            if expansion not in found[phrase]:
                found[phrase].append(expansion)
    return {p: tuple(e) for p, e in found.items()}


def _staff_rows(session: Session) -> dict[str, tuple[str, ...]]:
    rows: dict[str, list[str]] = {}
    for phrase, expansion in session.execute(_STAFF_ROWS):
        rows.setdefault(phrase, []).append(expansion)
    return {p: tuple(e) for p, e in rows.items()}


def add(session: Session, phrase: str, expansion: str) -> tuple[str, str]:
    """Add a staff synonym; returns the folded pair. Raises ValueError for an empty or too long one."""
    p, e = folded_phrase(phrase), folded_phrase(expansion)
    if not p or not e:
        raise ValueError("both the phrase and its expansion need at least one letter or digit")
    if len(p.split()) > MAX_PHRASE_WORDS:
        raise ValueError(f"a phrase is at most {MAX_PHRASE_WORDS} words")
    if len(e.split()) > 8 or len(p) > 100 or len(e) > 200:
        raise ValueError("an expansion is at most 8 words")
    if p == e:
        raise ValueError("a phrase cannot expand to itself")
    exists = session.execute(text("SELECT 1 FROM search_synonym WHERE phrase = :p AND expansion = :e"),
                             {"p": p, "e": e}).first()
    if not exists:
        session.execute(text("INSERT INTO search_synonym (phrase, expansion) VALUES (:p, :e)"),
                        {"p": p, "e": e})
        search_cache.changed(session)
    return p, e


def remove(session: Session, phrase: str) -> int:
    result = session.execute(text("DELETE FROM search_synonym WHERE phrase = :p"),
                             {"p": folded_phrase(phrase)})
    search_cache.changed(session)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def staff_entries(session: Session) -> list[tuple[str, str]]:
    return [(p, e) for p, e in session.execute(
        text("SELECT phrase, expansion FROM search_synonym ORDER BY phrase, expansion"))]
