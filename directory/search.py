"""People search: typo-tolerant, accent-insensitive, ranked name > role > organisation > expertise > bio.

How a query runs, the same way on both backends:
1. `parse_query` folds the words and reads the filters (search_query.py).
2. Each word becomes a group of alternatives: itself, its typo corrections from the vocabulary (found by
   the backend's candidate lookup and vetted by fuzzy.py), and for the last word a prefix, since people
   type names as they remember them. A run of words the short-form vocabulary knows (synonyms.py: "perm
   sec", "DG", "chief exec") becomes one group whose alternatives are the words as typed or an expansion.
3. Groups are ANDed in the backend's full-text engine, filters applied in SQL, and candidates gathered
   field by field (every word in the name first, then in the role, …, then anywhere) up to a fixed pool
   (`POOL`, the same whatever the limit asked for). If nothing matches every word, the same runs with any
   word.
4. Every candidate is ranked in Python (search_rank.py) — field tier first, then exact-field, length,
   evidence in several fields, rarity and freshness — before the list is cut to the limit, so the limit
   never changes who comes first and the order is one contract on both backends.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from directory import synonyms
from directory.fuzzy import close_terms, deletes, max_typos
from directory.models import Leader
from directory.regions import KEYS as REGION_KEYS
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
    dialect = session.get_bind().dialect.name
    filter_sql, params = _filters(parsed)
    if not parsed.words:
        # Filters alone: directory order (by id) lets the database stop at the limit instead of sorting
        # every member of a sector.
        sql = f"SELECT l.id FROM leader l WHERE l.left_at IS NULL AND {filter_sql} ORDER BY l.id LIMIT :limit"
        ids = session.scalars(text(sql), {**params, "limit": limit})
        return [SearchHit(leader, 0.0) for leader in _load(session, list(ids))]
    groups, in_vocabulary = _groups(session, parsed.words, dialect)
    run = _match_sqlite if dialect == "sqlite" else _match_postgres
    pool = max(POOL, limit)
    require_all = True
    ids = run(session, groups, "AND", filter_sql, params, pool)
    # Nobody matches every word: try any word the directory's vocabulary knows (or corrected to). Words it
    # has never seen cannot help, and an OR over them alone would only make the database look everywhere.
    known = [group for group, known in zip(groups, in_vocabulary, strict=True) if known]
    if not ids and len(groups) > 1 and known:
        ids = run(session, known, "OR", filter_sql, params, pool)
        groups, require_all = known, False
    if not ids:
        return []
    idf = _idf(session, dialect, groups)
    if dialect == "sqlite":  # the index keeps each field's folded text: no folding here
        texts = {row["rowid"]: row for row in session.execute(_INDEXED_TEXT, {"ids": ids}).mappings()}
        rows = session.execute(_TIE_BREAKS, {"ids": ids}).mappings().all()
        candidates = [candidate(row, texts[row["id"]]) for row in rows if row["id"] in texts]
    else:
        candidates = [candidate(row) for row in session.execute(_CANDIDATE_ROWS, {"ids": ids}).mappings()]
    return _hits(session, rank(candidates, groups, idf, require_all)[:limit])


def _hits(session: Session, ranked: list[Ranked]) -> list[SearchHit]:
    leaders = {leader.id: leader for leader in _load(session, [r.id for r in ranked])}
    return [SearchHit(leaders[r.id], r.score, explain(leaders[r.id], r)) for r in ranked if r.id in leaders]


def _groups(session: Session, words: tuple[str, ...], dialect: str) -> tuple[list[Group], list[bool]]:
    """Each word's alternatives (or a short form's), and whether the vocabulary knows the group."""
    fuzzable = [w for w in words if max_typos(w) > 0]
    lookup = _candidates_sqlite if dialect == "sqlite" else _candidates_postgres
    candidates = lookup(session, fuzzable) if fuzzable else {}
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
    expansions = synonyms.lookup(session, list(dict.fromkeys([*words, *corrected])))
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
    return groups, in_vocabulary


# Inverse document frequencies change slowly: each term's count is cached per database for a while, and
# counted only up to a cap (past it a word is common, and how common no longer matters to the order).
_DF_CAP = 5000
_TOTAL = " total"  # the cache key of the document count (no term has a space)
_DF_TTL = 600.0
_df_cache: dict[tuple[str, str], tuple[float, int]] = {}
_df_lock = threading.Lock()


def _idf(session: Session, dialect: str, groups: list[Group]) -> dict[str, float]:
    terms = sorted({t for group in groups for a in group for t in a.tokens})
    url = str(session.get_bind().engine.url)
    now = time.monotonic()
    known: dict[str, int] = {}
    missing: list[str] = []
    with _df_lock:
        for term in [*terms, _TOTAL]:
            cached = _df_cache.get((url, term))
            if cached and now - cached[0] < _DF_TTL:
                known[term] = cached[1]
            else:
                missing.append(term)
    if missing:
        count = _count_sqlite if dialect == "sqlite" else _count_postgres
        counted = count(session, missing)
        with _df_lock:
            if len(_df_cache) > 50_000:
                _df_cache.clear()
            for term, df in counted.items():
                _df_cache[(url, term)] = (now, df)
        known.update(counted)
    total = known.pop(_TOTAL)
    return idf_of(total, known)


def _count_sqlite(session: Session, terms: list[str]) -> dict[str, int]:
    counted = {}
    for term in terms:
        if term == _TOTAL:
            counted[term] = session.scalar(text("SELECT count(*) FROM leader_fts")) or 0
        else:  # folded tokens are [a-z0-9]: quoted, each is a plain FTS5 string
            counted[term] = session.scalar(text(
                "SELECT count(*) FROM (SELECT 1 FROM leader_fts WHERE leader_fts MATCH :q LIMIT :cap)"),
                {"q": f'"{term}"', "cap": _DF_CAP}) or 0
    return counted


def _count_postgres(session: Session, terms: list[str]) -> dict[str, int]:
    words = [t for t in terms if t != _TOTAL]
    counted: dict[str, int] = {}
    if words:
        rows = session.execute(text(
            "SELECT w.word, (SELECT count(*) FROM (SELECT 1 FROM leader_search s WHERE s.document @@ "
            " to_tsquery('leaders_fold', quote_literal(w.word)) LIMIT :cap) AS m) "
            "FROM unnest(CAST(:words AS text[])) AS w(word)"), {"words": words, "cap": _DF_CAP})
        counted.update({word: int(n) for word, n in rows})
    if _TOTAL in terms:
        counted[_TOTAL] = int(session.scalar(text("SELECT count(*) FROM leader_search")) or 0)
    return counted


# Statements that do not depend on the query are built once (building one costs about as much CPU as
# running it on the hot path); SQLAlchemy statements are immutable, so every thread can share them.
_TERMS_BY_VARIANT = text("SELECT DISTINCT term FROM search_term_variant WHERE variant IN :v").bindparams(
    bindparam("v", expanding=True))
_LEADERS_BY_ID = select(Leader).where(Leader.id.in_(bindparam("ids", expanding=True)))
# What ranking needs of each candidate, without building ORM objects (the pool is up to POOL rows).
_TIE_BREAKS = select(Leader.id, Leader.full_name, Leader.verified, Leader.confirmed_at,
                     Leader.created_at).where(
    Leader.id.in_(bindparam("ids", expanding=True)), Leader.left_at.is_(None))
_INDEXED_TEXT = text("SELECT rowid, name, role, organisation, expertise, bio FROM leader_fts "
                     "WHERE rowid IN :ids").bindparams(bindparam("ids", expanding=True))
_CANDIDATE_ROWS = select(
    Leader.id, Leader.full_name, Leader.role, Leader.organisation, Leader.region, Leader.sector,
    Leader.expertise, Leader.bio, Leader.visibility, Leader.verified, Leader.confirmed_at, Leader.created_at,
).where(Leader.id.in_(bindparam("ids", expanding=True)), Leader.left_at.is_(None))


def _candidates_sqlite(session: Session, words: list[str]) -> dict[str, list[str]]:
    """Vocabulary terms sharing a delete-variant with each word (the word itself, if known, included)."""
    found: dict[str, list[str]] = {}
    for word in words:
        variants = sorted(deletes(word, max_typos(word)))
        found[word] = list(session.scalars(_TERMS_BY_VARIANT, {"v": variants}))
    return found


def _candidates_postgres(session: Session, words: list[str]) -> dict[str, list[str]]:
    """For every word, in one round trip: the word itself if the vocabulary has it, otherwise its 12
    nearest terms by trigram distance (the nearest-neighbour scan is skipped for known words: it is most
    of the cost)."""
    rows = session.execute(text(
        "SELECT w.word, t.term FROM unnest(CAST(:words AS text[])) AS w(word), LATERAL ("
        " (SELECT k.term FROM search_term k WHERE k.term = w.word) UNION ALL"
        " (SELECT s.term FROM search_term s"
        "   WHERE NOT EXISTS (SELECT 1 FROM search_term k WHERE k.term = w.word)"
        "   ORDER BY s.term <-> w.word LIMIT 12)) AS t"), {"words": words})
    found: dict[str, list[str]] = {}
    for word, term in rows:
        found.setdefault(word, []).append(term)
    return found


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


# Candidates are gathered field by field, heaviest first, each stage an unranked indexed lookup that
# stops at the pool size: "every word in the name", then "every word in the role", …, then "the words
# anywhere". Asking the engine to rank every match instead (bm25, ts_rank) costs time in proportion to
# the number of matches — 20+ ms for a common phrase such as "net zero" at 100,000 profiles — while the
# order inside the pool is decided by `_rerank` anyway.
SQLITE_STAGES = ("name", "role", "organisation", "expertise", "bio", None)
POSTGRES_STAGES = ("name_doc", "role_doc", "organisation_doc", "expertise_doc", "document")


def _fts5_alternative(a: Alternative) -> str:
    last = len(a.tokens) - 1
    parts = [f'"{t}"' + ("*" if a.prefix and i == last else "") for i, t in enumerate(a.tokens)]
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def _tsquery_alternative(a: Alternative) -> str:
    last = len(a.tokens) - 1
    parts = [t + (":*" if a.prefix and i == last else "") for i, t in enumerate(a.tokens)]
    return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"


def _match_sqlite(session: Session, groups: list[Group], joiner: str, filter_sql: str,
                  params: dict[str, object], pool: int) -> list[int]:
    # Tokens are [a-z0-9]+ (textfold.py), so wrapping them in double quotes makes each an FTS5 string.
    expression = f" {joiner} ".join(
        "(" + " OR ".join(_fts5_alternative(a) for a in group) + ")" for group in groups)
    statement = text("SELECT l.id FROM leader_fts JOIN leader l ON l.id = leader_fts.rowid "
                     f"WHERE leader_fts MATCH :expression AND {filter_sql} LIMIT :limit")  # one per search
    found: dict[int, None] = {}
    for column in SQLITE_STAGES:
        staged = f"{{{column}}} : ({expression})" if column else expression
        rows = session.execute(statement, {**params, "expression": staged, "limit": pool})
        found.update(dict.fromkeys(row[0] for row in rows))
        if len(found) >= pool:
            break
    return list(found)[:pool]


def _match_postgres(session: Session, groups: list[Group], joiner: str, filter_sql: str,
                    params: dict[str, object], pool: int) -> list[int]:
    # All stages in one statement: a round trip costs more than a stage.
    operator = " & " if joiner == "AND" else " | "
    branches: list[str] = []
    expression = operator.join(
        "(" + " | ".join(_tsquery_alternative(a) for a in group) + ")" for group in groups)
    join = "" if not params else " JOIN leader l ON l.id = s.leader_id"  # filters need the leader row
    for n, column in enumerate(POSTGRES_STAGES):
        branches.append(f"(SELECT s.leader_id, {n} AS stage FROM leader_search s{join} "
                        f"WHERE s.{column} @@ to_tsquery('leaders_fold', :q) AND {filter_sql} LIMIT :limit)")
    # The outer LIMIT stops PostgreSQL's Append once the heavier fields have filled the pool, so a
    # common phrase never pays for the lighter stages: the same early stop as SQLite's loop, in one trip.
    sql = "SELECT leader_id, stage FROM (" + " UNION ALL ".join(branches) + ") AS staged LIMIT :limit"
    rows = session.execute(text(sql), {**params, "q": expression, "limit": pool})
    found = dict.fromkeys(leader_id for leader_id, _ in sorted(rows, key=lambda row: row[1]))
    return list(found)[:pool]


def _load(session: Session, ids: list[int]) -> list[Leader]:
    if not ids:
        return []
    leaders = {leader.id: leader for leader in session.scalars(_LEADERS_BY_ID, {"ids": ids})}
    return [leaders[i] for i in ids if i in leaders]
