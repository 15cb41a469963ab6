"""People search: typo-tolerant, accent-insensitive, ranked name > role > organisation > expertise > bio.

How a query runs, the same way on both backends:
1. `parse_query` folds the words and reads the filters (search_query.py).
2. Each word becomes a group of alternatives: itself, its typo corrections from the vocabulary (found by
   the backend's candidate lookup and vetted by fuzzy.py), and for the last word a prefix, since people
   type names as they remember them.
3. Groups are ANDed in the backend's full-text engine, which ranks with field weights and applies the
   filters in SQL. If nothing matches every word, the search falls back to matching any word.
4. The engine's best few candidates are re-ranked here by which field each word matched and how (exact >
   prefix > typo), with the engine's own score only breaking ties. bm25 and ts_rank disagree in detail
   (and bm25 says little on a small directory); this step makes "name > role > organisation > expertise >
   bio" an exact contract, identical on both backends.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from directory.fuzzy import close_terms, deletes, max_typos
from directory.models import Leader
from directory.search_index import Document
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
        rows = session.execute(text(f"SELECT l.id, 0.0 FROM leader l WHERE {filter_sql} "
                                    "ORDER BY l.full_name, l.id LIMIT :limit"), {**params, "limit": limit})
        return [SearchHit(leader, 0.0) for leader, _ in _load(session, list(rows))]
    groups = _groups(session, parsed.words, dialect)
    run = _match_sqlite if dialect == "sqlite" else _match_postgres
    pool = max(limit * 3, 30)
    rows = run(session, groups, "AND", filter_sql, params, pool)
    if not rows and len(groups) > 1:
        rows = run(session, groups, "OR", filter_sql, params, pool)
    return _rerank(_load(session, rows), groups)[:limit]


def _rerank(candidates: list[tuple[Leader, float]], groups: list[Group]) -> list[SearchHit]:
    best_engine_score = max((abs(score) for _, score in candidates), default=0.0) or 1.0
    hits = []
    for leader, engine_score in candidates:
        document = Document.of(leader)
        fields = [(weight, getattr(document, name).split()) for name, weight in FIELD_WEIGHTS]
        score = sum(_group_score(group, fields) for group in groups) + _together_bonus(groups, fields)
        hits.append(SearchHit(leader, round(score + 0.1 * engine_score / best_engine_score, 4)))
    hits.sort(key=lambda hit: (-hit.score, hit.leader.full_name, hit.leader.id))
    return hits


def _together_bonus(groups: list[Group], fields: list[tuple[float, list[str]]]) -> float:
    """Reward a field that holds every query word: "chief nurse" is a Chief Nurse before a Mr Nurse."""
    if len(groups) < 2:
        return 0.0
    for weight, words in fields:  # heaviest field first
        if all(_group_score(group, [(weight, words)]) for group in groups):
            return weight * len(groups)
    return 0.0


def _group_score(group: Group, fields: list[tuple[float, list[str]]]) -> float:
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


def _groups(session: Session, words: tuple[str, ...], dialect: str) -> list[Group]:
    fuzzable = [w for w in words if max_typos(w) > 0]
    known: set[str] = set()
    if fuzzable:
        known = set(session.scalars(text("SELECT term FROM search_term WHERE term IN :w")
                                    .bindparams(bindparam("w", expanding=True)), {"w": fuzzable}))
    groups: list[Group] = []
    for position, word in enumerate(words):
        alternatives = [Alternative(word, prefix=position == len(words) - 1 and len(word) >= 2)]
        if word in fuzzable and word not in known:
            candidates = (_candidates_sqlite if dialect == "sqlite" else _candidates_postgres)(session, word)
            alternatives += [Alternative(term, typo=True) for term in close_terms(word, candidates)]
        groups.append(tuple(alternatives))
    return groups


def _candidates_sqlite(session: Session, word: str) -> list[str]:
    variants = sorted(deletes(word, max_typos(word)))
    return list(session.scalars(text("SELECT DISTINCT term FROM search_term_variant WHERE variant IN :v")
                                .bindparams(bindparam("v", expanding=True)), {"v": variants}))


def _candidates_postgres(session: Session, word: str) -> list[str]:
    return list(session.scalars(text("SELECT term FROM search_term ORDER BY term <-> :w LIMIT 12"),
                                {"w": word}))


def _filters(parsed: SearchQuery) -> tuple[str, dict[str, object]]:
    """SQL for the filters. Values are folded to [a-z0-9 ] (search_query.py), so LIKE sees no wildcards."""
    clauses, params = ["1=1"], {}
    for name, values in parsed.filters.items():
        options = []
        for n, value in enumerate(values):
            key = f"{name}{n}"
            params[key], params[key + "p"], params[key + "w"] = value, value + "%", f"% {value}%"
            options.append({
                "sector": f"l.sector = :{key}",
                # region, cohort and org match at the start of any word: region:west → "North West"
                "region": f"(l.region_key LIKE :{key}p OR l.region_key LIKE :{key}w)",
                "cohort": f"(l.cohort_key LIKE :{key}p OR l.cohort_key LIKE :{key}w)",
                "org": f"(l.org_key LIKE :{key}p OR l.org_key LIKE :{key}w)",
                "tag": f"EXISTS (SELECT 1 FROM leader_tag t WHERE t.leader_id = l.id "
                       f"AND (t.tag = :{key} OR t.tag LIKE :{key}p))",
            }[name])
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses), params


def _match_sqlite(session: Session, groups: list[Group], joiner: str, filter_sql: str,
                  params: dict[str, object], limit: int) -> list[tuple[int, float]]:
    # Tokens are [a-z0-9]+ (textfold.py), so wrapping them in double quotes makes each an FTS5 string.
    expression = f" {joiner} ".join(
        "(" + " OR ".join(f'"{a.token}"' + ("*" if a.prefix else "") for a in group) + ")"
        for group in groups)
    sql = ("SELECT l.id, -bm25(leader_fts, 10.0, 5.0, 3.0, 2.0, 1.0) AS score FROM leader_fts "
           "JOIN leader l ON l.id = leader_fts.rowid "
           f"WHERE leader_fts MATCH :expression AND {filter_sql} ORDER BY score DESC, l.id LIMIT :limit")
    return [(r[0], float(r[1])) for r in
            session.execute(text(sql), {**params, "expression": expression, "limit": limit})]


def _match_postgres(session: Session, groups: list[Group], joiner: str, filter_sql: str,
                    params: dict[str, object], limit: int) -> list[tuple[int, float]]:
    operator = " & " if joiner == "AND" else " | "
    expression = operator.join(
        "(" + " | ".join(a.token + (":*" if a.prefix else "") for a in group) + ")" for group in groups)
    sql = ("SELECT l.id, ts_rank(s.rank_document, q, 1) * 10 + ts_rank(s.document, q, 1) AS score "
           "FROM leader_search s JOIN leader l ON l.id = s.leader_id, "
           "to_tsquery('leaders_fold', :expression) AS q "
           f"WHERE s.document @@ q AND {filter_sql} ORDER BY score DESC, l.id LIMIT :limit")
    return [(r[0], float(r[1])) for r in
            session.execute(text(sql), {**params, "expression": expression, "limit": limit})]


def _load(session: Session, rows: list[tuple[int, float]]) -> list[tuple[Leader, float]]:
    if not rows:
        return []
    leaders = {leader.id: leader for leader in
               session.scalars(select(Leader).where(Leader.id.in_([r[0] for r in rows])))}
    return [(leaders[i], float(score)) for i, score in rows if i in leaders]
