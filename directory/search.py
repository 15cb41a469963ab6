"""People search: typo-tolerant, accent-insensitive, ranked name > role > organisation > expertise > bio.

How a query runs, the same way on both backends:
1. `parse_query` folds the words and reads the filters (search_query.py).
2. Each word becomes a group of alternatives: itself, its typo corrections from the vocabulary (found by
   the backend's candidate lookup and vetted by fuzzy.py), and for the last word a prefix, since people
   type names as they remember them. A run of words the short-form vocabulary knows (synonyms.py: "perm
   sec", "DG", "chief exec") becomes one group whose alternatives are the words as typed or an expansion.
3. Groups are ANDed in the backend's full-text engine, with the filters, and candidates gathered
   field by field (every word in the name first, then in the role, …, then anywhere), each field in
   leader id order, up to a fixed pool (`POOL`, the same whatever the limit asked for) — the same pool on
   both backends (search_pool.py). If nothing matches every word, the same runs with any word.
4. Every candidate is ranked in Python (search_rank.py) — field tier first, then exact-field, length,
   evidence in several fields, rarity and freshness — before the list is cut to the limit, so the limit
   never changes who comes first and the order is one contract on both backends. Document counts and
   staff's synonyms are remembered per process until the directory changes (search_cache.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from directory import search_cache, synonyms
from directory.fuzzy import close_terms, deletes, max_typos
from directory.models import Leader
from directory.regions import KEYS as REGION_KEYS
from directory.search_cache import DF_CAP
from directory.search_pool import plan_counts, postgres_pool, sqlite_pool
from directory.search_query import STOPWORDS, SearchQuery, parse_query
from directory.search_rank import Alternative, Group, Ranked, candidate, explain, idf_of, rank

# Candidates ranked per query, whatever the limit: enough that a common phrase's best matches are all in
# it, few enough that ranking them all stays well inside the speed bars (docs/PERFORMANCE.md).
POOL = 30
MAX_LIMIT = 200


@dataclass(frozen=True)
class SearchHit:
    leader: Leader
    score: float
    matched: tuple[str, ...] = field(default=())  # where the words were found: ("role", "expertise: …")


def search(session: Session, query: str | SearchQuery, limit: int = 10) -> list[SearchHit]:
    """Leaders matching `query`, best first. Raises QueryError only for a filter value it can name."""
    parsed = parse_query(query) if isinstance(query, str) else query
    if parsed.is_empty:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    sqlite = session.get_bind().dialect.name == "sqlite"
    filter_sql, params = _filters(parsed)
    if not parsed.words:
        # Filters alone: directory order (by id) lets the database stop at the limit instead of sorting
        # every member of a sector.
        sql = f"SELECT l.id FROM leader l WHERE l.left_at IS NULL AND {filter_sql} ORDER BY l.id LIMIT :limit"
        ids = session.scalars(text(sql), {**params, "limit": limit})
        return [SearchHit(leader, 0.0) for leader in _load(session, list(ids))]
    current, groups, in_vocabulary = _groups(session, parsed.words, sqlite)

    if not sqlite:  # how many profiles hold each word, per field: how PostgreSQL should look (search_pool)
        counts = plan_counts(session, current, groups, parsed.filters)

    def gather(chosen: list[Group], joiner: str) -> list[Mapping[str, Any]]:
        if sqlite:
            return sqlite_pool(session, chosen, joiner, filter_sql, params, pool)
        return postgres_pool(session, chosen, joiner, parsed.filters, pool, counts)

    pool = max(POOL, limit)
    require_all = True
    rows = gather(groups, "AND")
    # Nobody matches every word: try any word the directory's vocabulary knows (or corrected to). Words it
    # has never seen cannot help, and an OR over them alone would only make the database look everywhere.
    known = [group for group, known in zip(groups, in_vocabulary, strict=True) if known]
    if not rows and len(groups) > 1 and known:
        rows = gather(known, "OR")
        groups, require_all = known, False
    if not rows:
        return []
    idf = _idf(session, sqlite, current, groups)
    return _hits(session, rank([candidate(row) for row in rows], groups, idf, require_all)[:limit])


def _hits(session: Session, ranked: list[Ranked]) -> list[SearchHit]:
    leaders = {leader.id: leader for leader in _load(session, [r.id for r in ranked])}
    return [SearchHit(leaders[r.id], r.score, explain(leaders[r.id], r)) for r in ranked if r.id in leaders]


def _groups(session: Session, words: tuple[str, ...],
            sqlite: bool) -> tuple[str | None, list[Group], list[bool]]:
    """The search version, each word's alternatives (or a short form's), and whether the vocabulary
    knows each group."""
    fuzzable = [w for w in words if max_typos(w) > 0]
    lookup = _vocabulary_sqlite if sqlite else _vocabulary_postgres
    current, candidates = lookup(session, fuzzable)
    per_word: list[list[Alternative]] = []
    known_word: list[bool] = []
    corrected: list[str] = []
    for position, word in enumerate(words):
        alternatives = [Alternative((word,), prefix=position == len(words) - 1 and len(word) >= 2)]
        near = candidates.get(word, [])
        fixes: list[str] = []
        if word in fuzzable and word not in near:  # a word the directory knows is taken as typed
            fixes = close_terms(word, near)
            alternatives += [Alternative((term,), typo=True) for term in fixes]
        per_word.append(alternatives)
        known_word.append(word in near or bool(fixes))
        corrected.append(fixes[0] if fixes else word)
    # Short forms: the longest known phrase wins at each position, as typed or with its typos corrected.
    expansions = synonyms.lookup(session, list(dict.fromkeys([*words, *corrected])), current)
    groups: list[Group] = []
    in_vocabulary: list[bool] = []
    position = 0
    while position < len(words):
        span = 0
        for size in range(min(synonyms.MAX_PHRASE_WORDS, len(words) - position), 0, -1):
            typed = " ".join(words[position:position + size])
            fixed = " ".join(corrected[position:position + size])
            found = expansions.get(typed) or expansions.get(fixed)
            if found:
                span = size
                break
        if not span:
            groups.append(tuple(per_word[position]))
            in_vocabulary.append(known_word[position])
            position += 1
            continue
        last = position + span == len(words)
        typed_words = tuple(words[position:position + span])
        alternatives = [Alternative(typed_words, prefix=last and len(typed_words[-1]) >= 2)]
        if span == 1:
            alternatives = per_word[position][:]
        for expansion in found:
            expansion_tokens = tuple(t for t in expansion.split() if t not in STOPWORDS) or tuple(
                expansion.split())
            alternatives.append(Alternative(expansion_tokens, synonym=True))
        groups.append(tuple(dict.fromkeys(alternatives)))
        in_vocabulary.append(True)
        position += span
    return current, groups, in_vocabulary


def _idf(session: Session, sqlite: bool, current: str | None, groups: list[Group]) -> dict[str, float]:
    terms = {t for group in groups for a in group for t in a.tokens}
    frequencies = search_cache.counts(session, current, terms, _count_sqlite if sqlite else _count_postgres)
    return idf_of(search_cache.document_total(session, current, _directory_size), frequencies)


def _count_sqlite(session: Session, terms: list[str]) -> dict[str, int]:
    # folded tokens are [a-z0-9]: quoted, each is a plain FTS5 string
    return {term: session.scalar(_COUNT_FTS, {"q": f'"{term}"', "cap": DF_CAP}) or 0 for term in terms}


def _directory_size(session: Session) -> int:
    """The directory's size for idf: its highest leader id. Counting the indexed profiles exactly reads
    all 100,000 on either backend (50–80 ms, after every change); the highest id is one index look-up,
    the same on both backends for the same data, and over-counts only leavers and erasures, which moves
    every word's weight alike."""
    return int(session.scalar(_HIGHEST_ID) or 0)


def _count_postgres(session: Session, terms: list[str]) -> dict[str, int]:
    rows = session.execute(_COUNT_TSVECTOR, {"words": terms, "cap": DF_CAP})
    return {word: int(n) for word, n in rows}


# Statements that do not depend on the query are built once (building one costs about as much CPU as
# running it on the hot path); SQLAlchemy statements are immutable, so every thread can share them.
_HIGHEST_ID = text("SELECT max(id) FROM leader")
_COUNT_FTS = text("SELECT count(*) FROM (SELECT 1 FROM leader_fts WHERE leader_fts MATCH :q LIMIT :cap)")
_COUNT_TSVECTOR = text(
    "SELECT w.word, (SELECT count(*) FROM (SELECT 1 FROM leader_search s WHERE s.document @@ "
    " to_tsquery('leaders_fold', quote_literal(w.word)) LIMIT :cap) AS m) "
    "FROM unnest(CAST(:words AS text[])) AS w(word)")
_TERMS_BY_VARIANT = text("SELECT variant, term FROM search_term_variant WHERE variant IN :v").bindparams(
    bindparam("v", expanding=True))
_LEADERS_BY_ID = select(Leader).where(Leader.id.in_(bindparam("ids", expanding=True)))
# The search version in the same round trip as the typo look-up: the first row carries it.
_VOCABULARY_POSTGRES = text(
    f"SELECT NULL AS word, ({search_cache.VERSION_SQL}) AS term UNION ALL "
    "SELECT w.word, t.term FROM unnest(CAST(:words AS text[])) AS w(word), LATERAL ("
    " (SELECT k.term FROM search_term k WHERE k.term = w.word) UNION ALL"
    " (SELECT s.term FROM search_term s"
    "   WHERE NOT EXISTS (SELECT 1 FROM search_term k WHERE k.term = w.word)"
    "   ORDER BY s.term <-> w.word LIMIT 12)) AS t")


def _vocabulary_sqlite(session: Session, words: list[str]) -> tuple[str | None, dict[str, list[str]]]:
    """The search version, and the vocabulary terms sharing a delete-variant with each word (the word
    itself, if known, included), in one look-up for all the words."""
    current = search_cache.version(session)
    if not words:
        return current, {}
    wanted: dict[str, list[str]] = {}
    for word in words:
        for variant in deletes(word, max_typos(word)):
            wanted.setdefault(variant, []).append(word)
    found: dict[str, dict[str, None]] = {word: {} for word in words}
    for variant, term in session.execute(_TERMS_BY_VARIANT, {"v": sorted(wanted)}):
        for word in wanted[variant]:
            found[word][term] = None
    return current, {word: sorted(terms) for word, terms in found.items()}


def _vocabulary_postgres(session: Session, words: list[str]) -> tuple[str | None, dict[str, list[str]]]:
    """In one round trip: the search version and, for every word, the word itself if the vocabulary has
    it, otherwise its 12 nearest terms by trigram distance (the nearest-neighbour scan is skipped for
    known words: it is most of the cost)."""
    current = None
    found: dict[str, list[str]] = {}
    for word, term in session.execute(_VOCABULARY_POSTGRES, {"words": words}):
        if word is None:
            current = term
        else:
            found.setdefault(word, []).append(term)
    return current, found


def _filters(parsed: SearchQuery) -> tuple[str, dict[str, object]]:
    """SQL for the filters. Values are folded to [a-z0-9 ] (search_query.py), so LIKE sees no wildcards."""
    clauses, params = ["1=1"], {}
    for name, values in parsed.filters.items():
        options = []
        for n, value in enumerate(values):
            key = f"{name}{n}"
            params[key], params[key + "p"], params[key + "w"] = value, value + "%", f"% {value}%"
            options.append({
                "sector": f"l.sector_key = :{key}",
                # a known region (regions.py) by equality; any other value, and cohort and org, match
                # at the start of any word: region:"greater manc" → "Greater Manchester"
                # (`|| ''` keeps SQLite from driving the query by the region index and running the
                # full-text MATCH once per leader of the region: 6 s instead of 5 ms at 100,000)
                "region": (f"(l.region_key || '') = :{key}" if value in REGION_KEYS else
                           f"(l.region_key LIKE :{key}p OR l.region_key LIKE :{key}w)"),
                "cohort": f"(l.cohort_key LIKE :{key}p OR l.cohort_key LIKE :{key}w)",
                "org": f"(l.org_key LIKE :{key}p OR l.org_key LIKE :{key}w)",
                "tag": f"EXISTS (SELECT 1 FROM leader_tag t WHERE t.leader_id = l.id "
                       f"AND (t.tag = :{key} OR t.tag LIKE :{key}p))",
            }[name])
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses), params


def _load(session: Session, ids: list[int]) -> list[Leader]:
    if not ids:
        return []
    leaders = {leader.id: leader for leader in session.scalars(_LEADERS_BY_ID, {"ids": ids})}
    return [leaders[i] for i in ids if i in leaders]
