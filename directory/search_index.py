"""Keeping each backend's search structures in step with the leader table.

Called in the same transaction as every change to a leader, so search never shows a profile that was
rolled back or misses one that was committed. The text indexed is folded in Python (textfold.py), which
is what lets the two backends return the same results for the same query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from directory.fuzzy import deletes, max_typos
from directory.models import Leader
from directory.sectors import sector_label
from directory.textfold import index_tokens


@dataclass(frozen=True)
class Document:
    """The folded text of one leader, by search field (name > role > organisation > expertise > bio)."""

    leader_id: int
    name: str
    role: str
    organisation: str
    expertise: str
    bio: str

    @classmethod
    def of(cls, leader: Leader) -> Document:
        place = f"{leader.organisation} {leader.region} {sector_label(leader.sector)}"
        return cls(leader.id, _joined(leader.full_name), _joined(leader.role), _joined(place),
                   _joined(leader.expertise.replace(";", " ")), _joined(leader.bio))

    def vocabulary(self) -> set[str]:
        """Words typo correction may map to: long enough to be fuzzed, from the short identifying fields."""
        words = f"{self.name} {self.role} {self.organisation} {self.expertise}".split()
        return {w for w in words if max_typos(w) > 0 and len(w) <= 60}


def _joined(value: str) -> str:
    return " ".join(index_tokens(value or ""))


def index_leaders(session: Session, leaders: Sequence[Leader]) -> None:
    """(Re)index `leaders`, which must already have ids (flushed)."""
    if not leaders:
        return
    documents = [Document.of(leader) for leader in leaders]
    if session.get_bind().dialect.name == "sqlite":
        _index_sqlite(session, documents)
    else:
        _index_postgres(session, documents)
    _add_vocabulary(session, set().union(*(d.vocabulary() for d in documents)))


def unindex_leaders(session: Session, leader_ids: Iterable[int]) -> None:
    ids = [{"id": i} for i in leader_ids]
    if ids and session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM leader_fts WHERE rowid = :id"), ids)
    # PostgreSQL's leader_search rows go with the leader (ON DELETE CASCADE).


def _index_sqlite(session: Session, documents: list[Document]) -> None:
    rows = [d.__dict__ for d in documents]
    session.execute(text("DELETE FROM leader_fts WHERE rowid = :leader_id"), rows)
    session.execute(text("INSERT INTO leader_fts(rowid, name, role, organisation, expertise, bio) "
                         "VALUES (:leader_id, :name, :role, :organisation, :expertise, :bio)"), rows)


_PG_UPSERT = text("""
    INSERT INTO leader_search (leader_id, document, rank_document)
    SELECT :leader_id, r || to_tsvector('leaders_fold', :bio), r
    FROM (SELECT setweight(to_tsvector('leaders_fold', :name), 'A')
              || setweight(to_tsvector('leaders_fold', :role), 'B')
              || setweight(to_tsvector('leaders_fold', :organisation), 'C')
              || setweight(to_tsvector('leaders_fold', :expertise), 'D') AS r) AS built
    ON CONFLICT (leader_id) DO UPDATE
      SET document = EXCLUDED.document, rank_document = EXCLUDED.rank_document
""")


def _index_postgres(session: Session, documents: list[Document]) -> None:
    session.execute(_PG_UPSERT, [d.__dict__ for d in documents])


def _add_vocabulary(session: Session, terms: set[str]) -> None:
    if not terms:
        return
    known: set[str] = set()
    ordered = sorted(terms)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        known.update(session.scalars(text("SELECT term FROM search_term WHERE term IN :terms")
                                     .bindparams(bindparam("terms", expanding=True)), {"terms": chunk}))
    new = [t for t in ordered if t not in known]
    if not new:
        return
    session.execute(text("INSERT INTO search_term (term) VALUES (:term)"), [{"term": t} for t in new])
    if session.get_bind().dialect.name == "sqlite":
        variants = [{"variant": v, "term": t} for t in new for v in deletes(t, 1)]
        session.execute(text("INSERT OR IGNORE INTO search_term_variant (variant, term) "
                             "VALUES (:variant, :term)"), variants)


def rebuild(session: Session, batch: int = 2000) -> int:
    """Reindex every leader (after a restore or a change to folding rules); returns how many."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM leader_fts"))
        session.execute(text("DELETE FROM search_term_variant"))
    else:
        session.execute(text("DELETE FROM leader_search"))
    session.execute(text("DELETE FROM search_term"))
    count, last_id = 0, 0
    while True:
        leaders = list(session.scalars(
            select(Leader).where(Leader.id > last_id).order_by(Leader.id).limit(batch)))
        if not leaders:
            return count
        index_leaders(session, leaders)
        count += len(leaders)
        last_id = leaders[-1].id
