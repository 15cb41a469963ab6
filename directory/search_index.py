"""Keeping each backend's search structures in step with the leader table.

Called in the same transaction as every change to a leader, so search never shows a profile that was
rolled back or misses one that was committed. The text indexed is folded in Python (textfold.py), which
is what lets the two backends return the same results for the same query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from directory import search_cache
from directory.fuzzy import deletes, max_typos
from directory.models import Leader
from directory.privacy import is_public
from directory.sectors import sector_label
from directory.textfold import fold, index_tokens


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
        return cls(leader.id, *(field_text(leader, name) for name in SEARCH_FIELDS))

    def vocabulary(self) -> set[str]:
        """Words typo correction may map to: long enough to be fuzzed, from the short identifying fields."""
        words = f"{self.name} {self.role} {self.organisation} {self.expertise}".split()
        return {w for w in words if max_typos(w) > 0 and len(w) <= 60}


SEARCH_FIELDS = ("name", "role", "organisation", "expertise", "bio")


def search_texts(leader: Any) -> dict[str, str]:
    """Every search field's folded text, by field name (what both backends store and rank on)."""
    return {name: field_text(leader, name) for name in SEARCH_FIELDS}


def tags_of(leader: Any) -> list[str]:
    """The `tag:` filter's values: each expertise item folded, none if the expertise is hidden."""
    if not is_public(leader, "expertise"):
        return []
    return [tag for tag in dict.fromkeys(fold(item)[:100] for item in leader.expertise_list) if tag]


def filter_lexemes(leader: Any) -> str:
    """The leader's filter keys as a PostgreSQL tsvector literal, for `filters @@ …` (search_pool.py).

    Lexemes carry a prefix no query word can have (words are [a-z0-9] only): `s=` the sector key, `r=`
    the whole region key, `t=` each tag; and for the keys filters match at the start of any word
    (organisation `o=`, cohort `c=`, region `rw=`), the key from each word on ("o=greater manchester
    combined authority", "o=manchester combined authority", …), so "starts at a word" is one prefix
    match: `'o=manchester comb':*`. The keys are already blank for a field the leader hides
    (people.refresh_filter_keys)."""
    lexemes = []
    if leader.sector_key:
        lexemes.append(lexeme(f"s={leader.sector_key}"))
    if leader.region_key:
        lexemes.append(lexeme(f"r={leader.region_key}"))
    lexemes += [lexeme(f"t={tag}") for tag in tags_of(leader)]
    for prefix, key in (("o", leader.org_key), ("c", leader.cohort_key), ("rw", leader.region_key)):
        words = (key or "").split()
        lexemes += [lexeme(f"{prefix}={' '.join(words[n:])}") for n in range(len(words))]
    return " ".join(dict.fromkeys(lexemes))


def lexeme(value: str) -> str:
    """A quoted tsvector/tsquery lexeme (values are folded, but quote and backslash are escaped anyway)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def field_text(leader: Any, field: str) -> str:
    """The folded text indexed for one search field of a leader (the same for indexing and ranking)."""
    if field == "name":
        raw = leader.full_name
    elif field == "organisation":  # where they work, so "nhs north west" finds people by place too
        raw = " ".join(getattr(leader, name) if name != "sector" else sector_label(leader.sector)
                       for name in ("organisation", "region", "sector") if is_public(leader, name))
    elif not is_public(leader, field):
        raw = ""  # a hidden field is not searchable: finding someone by it would reveal it
    elif field == "expertise":
        raw = leader.expertise.replace(";", " ")
    else:
        raw = getattr(leader, field)
    return " ".join(index_tokens(raw or ""))


def index_leaders(session: Session, leaders: Sequence[Leader]) -> None:
    """(Re)index `leaders`, which must already have ids (flushed). Leavers are never indexed: a
    re-import that touches one leaves them out of search (directory/leavers.py)."""
    # (read without loading: an old migration indexes leaders loaded with only the columns it knew)
    leaders = [leader for leader in leaders if leader.__dict__.get("left_at") is None]
    if not leaders:
        return
    documents = [Document.of(leader) for leader in leaders]
    if session.get_bind().dialect.name == "sqlite":
        _index_sqlite(session, documents)
    else:
        _index_postgres(session, documents, {leader.id: filter_lexemes(leader) for leader in leaders})
    _add_vocabulary(session, set().union(*(d.vocabulary() for d in documents)))
    search_cache.changed(session)


def unindex_leaders(session: Session, leader_ids: Iterable[int]) -> None:
    """Take leaders out of search (an erasure, a leaver). PostgreSQL's rows would also go with a deleted
    leader (ON DELETE CASCADE); a leaver's row stays, so they are removed here."""
    ids = [{"id": i} for i in leader_ids]
    if not ids:
        return
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM leader_fts WHERE rowid = :id"), ids)
    else:
        session.execute(text("DELETE FROM leader_search WHERE leader_id = :id"), ids)
    search_cache.changed(session)


def _index_sqlite(session: Session, documents: list[Document]) -> None:
    rows = [d.__dict__ for d in documents]
    session.execute(text("DELETE FROM leader_fts WHERE rowid = :leader_id"), rows)
    session.execute(text("INSERT INTO leader_fts(rowid, name, role, organisation, expertise, bio) "
                         "VALUES (:leader_id, :name, :role, :organisation, :expertise, :bio)"), rows)


_PG_UPSERT = text("""
    INSERT INTO leader_search (leader_id, document, name_doc, role_doc, organisation_doc, expertise_doc,
                               name, role, organisation, expertise, bio, filters)
    SELECT :leader_id, n || r || o || e || to_tsvector('leaders_fold', :bio), n, r, o, e,
           :name, :role, :organisation, :expertise, :bio, CAST(:filters AS tsvector)
    FROM (SELECT to_tsvector('leaders_fold', :name) AS n, to_tsvector('leaders_fold', :role) AS r,
                 to_tsvector('leaders_fold', :organisation) AS o,
                 to_tsvector('leaders_fold', :expertise) AS e) AS built
    ON CONFLICT (leader_id) DO UPDATE
      SET document = EXCLUDED.document, name_doc = EXCLUDED.name_doc, role_doc = EXCLUDED.role_doc,
          organisation_doc = EXCLUDED.organisation_doc, expertise_doc = EXCLUDED.expertise_doc,
          name = EXCLUDED.name, role = EXCLUDED.role, organisation = EXCLUDED.organisation,
          expertise = EXCLUDED.expertise, bio = EXCLUDED.bio, filters = EXCLUDED.filters
""")


# The upsert as it was before revision 0017 added the text and filter columns, for a migration older than
# that which reindexes (0004): it says so with `session.info[BEFORE_0017] = True`; 0017 then fills the rest.
BEFORE_0017 = "search_index.before_0017"
_PG_UPSERT_BEFORE_0017 = text("""
    INSERT INTO leader_search (leader_id, document, name_doc, role_doc, organisation_doc, expertise_doc)
    SELECT :leader_id, n || r || o || e || to_tsvector('leaders_fold', :bio), n, r, o, e
    FROM (SELECT to_tsvector('leaders_fold', :name) AS n, to_tsvector('leaders_fold', :role) AS r,
                 to_tsvector('leaders_fold', :organisation) AS o,
                 to_tsvector('leaders_fold', :expertise) AS e) AS built
    ON CONFLICT (leader_id) DO UPDATE
      SET document = EXCLUDED.document, name_doc = EXCLUDED.name_doc, role_doc = EXCLUDED.role_doc,
          organisation_doc = EXCLUDED.organisation_doc, expertise_doc = EXCLUDED.expertise_doc
""")


def _index_postgres(session: Session, documents: list[Document], filters: dict[int, str]) -> None:
    if session.info.get(BEFORE_0017):
        session.execute(_PG_UPSERT_BEFORE_0017, [d.__dict__ for d in documents])
        return
    session.execute(_PG_UPSERT, [{**d.__dict__, "filters": filters[d.leader_id]} for d in documents])


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
        # Deleting as many letters as a word of that length may have typos (fuzzy.max_typos) on both
        # sides finds every candidate within that many edits, transpositions included.
        variants = [{"variant": v, "term": t} for t in new for v in deletes(t, max_typos(t))]
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


def vocabulary_of(leader: Leader) -> set[str]:
    return Document.of(leader).vocabulary()


def forget_words(session: Session, words: set[str]) -> int:
    """Drop typo-correction words no remaining profile uses (after an erasure: a name is personal data)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    unused = []
    for word in sorted(words):
        if sqlite:
            # Folded index tokens are [a-z0-9] only, so quoting them is a plain FTS phrase.
            used = session.scalar(text("SELECT 1 FROM leader_fts WHERE leader_fts MATCH :q LIMIT 1"),
                                  {"q": f'"{word}"'})
        else:
            used = session.scalar(text("SELECT 1 FROM leader_search WHERE document @@ "
                                       "to_tsquery('leaders_fold', :q) LIMIT 1"), {"q": f"'{word}'"})
        if not used:
            unused.append({"term": word})
    if unused:
        if sqlite:
            session.execute(text("DELETE FROM search_term_variant WHERE term = :term"), unused)
        session.execute(text("DELETE FROM search_term WHERE term = :term"), unused)
    return len(unused)
