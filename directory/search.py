"""People search: typo-tolerant, accent-insensitive, ranked name > role > organisation > expertise > bio.

How a query runs, the same way on both backends:
1. `parse_query` folds the words and reads the filters (search_query.py).
2. Each word becomes a group of alternatives: itself, its typo corrections from the vocabulary (found by
   the backend's candidate lookup and vetted by fuzzy.py), and for the last word a prefix, since people
   type names as they remember them.
3. Groups are ANDed in the backend's full-text engine, filters applied in SQL, and candidates gathered
   field by field (every word in the name first, then in the role, …, then anywhere) until there are
   2 × limit of them. If nothing matches every word, the same runs with any word.
4. The candidates are ranked here by which field each word matched and how (exact > prefix > typo).
   This makes "name > role > organisation > expertise > bio" one exact contract on both backends, where
   bm25 and ts_rank would each rank in their own way (and bm25 says little on a small directory).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from directory.fuzzy import close_terms, deletes, max_typos
from directory.models import Leader
from directory.search_index import field_text
from directory.search_query import SearchQuery, parse_query

FIELD_WEIGHTS = (("name", 16.0), ("role", 8.0), ("organisation", 4.0), ("expertise", 2.0), ("bio", 1.0))
EXACT, PREFIX, TYPO = 1.0, 0.8, 0.6


@dataclass(frozen=True)
class Alternative:
    token: str
    prefix: bool = False
    typo: bool = False


Group = tuple[Alternative, ...]


@dataclass(frozen=True)
class SearchHit:
    leader: Leader
    score: float


def search(session: Session, query: str | SearchQuery, limit: int = 10) -> list[SearchHit]:
    """Leaders matching `query`, best first. Raises QueryError only for a filter value it can name."""
    parsed = parse_query(query) if isinstance(query, str) else query
    if parsed.is_empty:
        return []
    limit = max(1, min(limit, 200))
    dialect = session.get_bind().dialect.name
    filter_sql, params = _filters(parsed)
    if not parsed.words:
        # Filters alone: directory order (by id) lets the database stop at the limit instead of sorting
        # every member of a sector.
        sql = f"SELECT l.id FROM leader l WHERE {filter_sql} ORDER BY l.id LIMIT :limit"
        ids = session.scalars(text(sql), {**params, "limit": limit})
        return [SearchHit(leader, 0.0) for leader in _load(session, list(ids))]
    groups, in_vocabulary = _groups(session, parsed.words, dialect)
    run = _match_sqlite if dialect == "sqlite" else _match_postgres
    pool = max(limit * 2, 20)
    ids = run(session, groups, "AND", filter_sql, params, pool)
    # Nobody matches every word: try any word the directory's vocabulary knows (or corrected to). Words it
    # has never seen cannot help, and an OR over them alone would only make the database look everywhere.
    known = [group for group, known in zip(groups, in_vocabulary, strict=True) if known]
    if not ids and len(groups) > 1 and known:
        ids = run(session, known, "OR", filter_sql, params, pool)
    return _rerank(_load(session, ids), groups)[:limit]


def _rerank(candidates: list[Leader], groups: list[Group]) -> list[SearchHit]:
    hits = []
    for leader in candidates:
        fields = _LazyFields(leader)
        score = sum(_group_score(group, fields) for group in groups) + _together_bonus(groups, fields)
        hits.append(SearchHit(leader, round(score, 4)))
    hits.sort(key=lambda hit: (-hit.score, hit.leader.full_name, hit.leader.id))
    return hits


class _LazyFields:
    """A leader's folded words per field, heaviest field first, folded only when first asked for.

    Most query words are settled by the name or role, so the long bio is rarely folded at all.
    """

    def __init__(self, leader: Leader) -> None:
        self._leader = leader
        self._words: dict[str, list[str]] = {}

    def __iter__(self) -> Iterator[tuple[float, list[str]]]:
        for name, weight in FIELD_WEIGHTS:
            if name not in self._words:
                self._words[name] = field_text(self._leader, name).split()
            yield weight, self._words[name]


def _together_bonus(groups: list[Group], fields: Iterable[tuple[float, list[str]]]) -> float:
    """Reward a field that holds every query word: "chief nurse" is a Chief Nurse before a Mr Nurse."""
    if len(groups) < 2:
        return 0.0
    for weight, words in fields:  # heaviest field first
        if all(_group_score(group, [(weight, words)]) for group in groups):
            return weight * len(groups)
    return 0.0


def _group_score(group: Group, fields: Iterable[tuple[float, list[str]]]) -> float:
    """The best (field weight × match quality) any alternative of one query word achieves."""
    best = 0.0
    for weight, words in fields:
        if weight <= best:
            break  # fields come heaviest first; nothing lighter can beat what we have
        for alternative in group:
            quality = TYPO if alternative.typo else EXACT
            if alternative.token in words:
                best = max(best, weight * quality)
            elif alternative.prefix and any(w.startswith(alternative.token) for w in words):
                best = max(best, weight * PREFIX)
    return best


def _groups(session: Session, words: tuple[str, ...], dialect: str) -> tuple[list[Group], list[bool]]:
    """Each word's alternatives, and whether the vocabulary knows the word or a correction of it."""
    fuzzable = [w for w in words if max_typos(w) > 0]
    lookup = _candidates_sqlite if dialect == "sqlite" else _candidates_postgres
    candidates = lookup(session, fuzzable) if fuzzable else {}
    groups: list[Group] = []
    in_vocabulary: list[bool] = []
    for position, word in enumerate(words):
        alternatives = [Alternative(word, prefix=position == len(words) - 1 and len(word) >= 2)]
        near = candidates.get(word, [])
        if word in fuzzable and word not in near:  # a word the directory knows is taken as typed
            alternatives += [Alternative(term, typo=True) for term in close_terms(word, near)]
        groups.append(tuple(alternatives))
        in_vocabulary.append(word in near or len(alternatives) > 1)
    return groups, in_vocabulary


# Statements that do not depend on the query are built once (building one costs about as much CPU as
# running it on the hot path); SQLAlchemy statements are immutable, so every thread can share them.
_TERMS_BY_VARIANT = text("SELECT DISTINCT term FROM search_term_variant WHERE variant IN :v").bindparams(
    bindparam("v", expanding=True))
_LEADERS_BY_ID = select(Leader).where(Leader.id.in_(bindparam("ids", expanding=True)))


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
                # region, cohort and org match at the start of any word: region:west → "North West"
                "region": f"(l.region_key LIKE :{key}p OR l.region_key LIKE :{key}w)",
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


def _match_sqlite(session: Session, groups: list[Group], joiner: str, filter_sql: str,
                  params: dict[str, object], pool: int) -> list[int]:
    # Tokens are [a-z0-9]+ (textfold.py), so wrapping them in double quotes makes each an FTS5 string.
    expression = f" {joiner} ".join(
        "(" + " OR ".join(f'"{a.token}"' + ("*" if a.prefix else "") for a in group) + ")"
        for group in groups)
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
        "(" + " | ".join(a.token + (":*" if a.prefix else "") for a in group) + ")" for group in groups)
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
