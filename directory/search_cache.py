"""What search remembers between queries, and how it knows when to forget.

Two things every search would otherwise ask the database for again: how many profiles hold each query
word (the document counts behind ranking's inverse document frequency) and staff's short forms
(`search_synonym`). Both change only when the directory's searchable text or the synonyms change, so
each process keeps them, tagged with the database's *search version*: a random token in the one-row
table `search_state`, replaced in the same transaction as any change to the search index or to the
synonyms (`changed`). A search reads the token (on PostgreSQL in the same round trip as its typo look-up)
and uses what it remembers only while the token is the same — so an import, a profile edit, a leaver or
an erasure in any process is seen by the next search in every process, and no count is ever served
from before a change the searcher can already see.

The token is written when the transaction commits, not when the change is made: an import indexes a
thousand leaders at a time inside one long transaction, and holding the `search_state` row from the
first batch would make every profile edit meanwhile wait for the import (and could deadlock with it).
A random token rather than a counter, so a database emptied and refilled (tests, a restore) can never
repeat a version an earlier process remembers.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import event, text
from sqlalchemy.orm import Session

_DIRTY = "search_changed"  # Session.info key: this transaction changed what search reads
_BUMP = text("INSERT INTO search_state (id, version) VALUES (1, :v) "
             "ON CONFLICT (id) DO UPDATE SET version = excluded.version")
VERSION_SQL = "SELECT version FROM search_state WHERE id = 1"
_VERSION = text(VERSION_SQL)

# Counted only up to a cap: past it a word is common, and how common no longer matters to the order.
DF_CAP = 5000
_MAX_TERMS = 50_000  # remembered per database; forgotten all at once when full (a directory has fewer)


@dataclass
class _Memory:
    """What one process remembers of one database, at one search version."""

    version: str | None
    total: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    synonyms: dict[str, tuple[str, ...]] | None = None


_lock = threading.Lock()
_memories: dict[str, _Memory] = {}  # database URL -> what is remembered of it


def changed(session: Session) -> None:
    """Note that this transaction changes the search index or the synonyms: a new version at commit."""
    session.info[_DIRTY] = True


@event.listens_for(Session, "before_commit")
def _new_version_at_commit(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        session.execute(_BUMP, {"v": secrets.token_hex(8)})


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_DIRTY, None)


def version(session: Session) -> str | None:
    """The database's current search version (None before anything was ever indexed)."""
    return session.scalar(_VERSION)


def _memory(session: Session, current: str | None) -> _Memory:
    """This database's memory at `current`; a different version starts afresh. Call holding _lock."""
    key = str(session.get_bind().engine.url)
    memory = _memories.get(key)
    if memory is None or memory.version != current or len(memory.counts) > _MAX_TERMS:
        memory = _memories[key] = _Memory(current)
    return memory


def counts(session: Session, current: str | None, keys: Iterable[str],
           count: Callable[[Session, list[str]], dict[str, int]]) -> dict[str, int]:
    """A number per key (how many profiles hold a term, say), asking `count` only for the keys this
    process has not counted at this version."""
    keys = sorted(set(keys))
    with _lock:
        memory = _memory(session, current)
        known = {k: memory.counts[k] for k in keys if k in memory.counts}
    missing = [k for k in keys if k not in known]
    if missing:
        counted = count(session, missing)
        with _lock:
            _memory(session, current).counts.update(counted)
        known.update(counted)
    return known


def document_total(session: Session, current: str | None, total: Callable[[Session], int]) -> int:
    """How many profiles are indexed, asking `total` once per version."""
    with _lock:
        documents = _memory(session, current).total
    if documents is None:
        documents = total(session)
        with _lock:
            _memory(session, current).total = documents
    return documents


def staff_synonyms(session: Session, current: str | None,
                   load: Callable[[Session], dict[str, tuple[str, ...]]]) -> Mapping[str, tuple[str, ...]]:
    """Staff's short forms (phrase -> expansions) at this version, read by `load` once per version."""
    with _lock:
        found = _memory(session, current).synonyms
    if found is None:
        found = load(session)
        with _lock:
            _memory(session, current).synonyms = found
    return found
