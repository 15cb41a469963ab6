"""Choosing the candidates a search ranks — the same pool, chosen the same way, on SQLite and PostgreSQL.

Ranking (search_rank.py) orders whatever it is given, identically on both backends; so the two agree
only if they are given the same candidates. The pool is defined, not left to an engine's whim:

    stage 1: every word in the name;  stage 2: every word in the role, and not all in the name;
    stage 3: … the organisation;  stage 4: … the expertise;  stage 5: every word somewhere, and not
    all in any one of the fields before (the bio, or words spread over several fields);

each stage in ascending leader id, concatenated, cut at `pool`. The stages are disjoint (each excludes
the ones before: in SQL on PostgreSQL, by skipping those already found in SQLite's loop), so "the first
`pool` rows" means the same thing in SQLite's loop and in PostgreSQL's single `UNION ALL` under a
`LIMIT`. Each stage is an indexed lookup that stops once it has enough: SQLite
FTS5 returns matches in rowid order already; PostgreSQL either walks the primary key testing each row or
reads every match from the GIN index and keeps the lowest ids, whichever its statistics say is cheaper.

Filters: on SQLite they are SQL conditions on the joined leader row (search.py builds them). On
PostgreSQL they are pushed into the index: `leader_search.filters` holds the leader's filter keys as
lexemes (search_index.filter_lexemes), so `region:"north west"` is one more GIN condition intersected
with the words' instead of a join that reads the leader row of every match (24 ms → under 1 ms). Both
forms mean the same: sector and a known region by equality, org/cohort/other regions at a word's start,
tags by equality or prefix.

Each stage row carries what ranking needs — the folded text of every field as indexed (no folding at
query time) and the tie-breaks — so gathering and reading the pool is one statement on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, DateTime, text
from sqlalchemy.orm import Session

from directory import search_cache
from directory.regions import KEYS as REGION_KEYS
from directory.search_index import SEARCH_FIELDS, lexeme
from directory.search_rank import Alternative, Group

STAGES: tuple[str | None, ...] = ("name", "role", "organisation", "expertise", None)  # None: anywhere
_PG_DOCUMENT = {"name": "name_doc", "role": "role_doc", "organisation": "organisation_doc",
                "expertise": "expertise_doc", None: "document"}
_TEXTS = ", ".join(f"{{t}}.{field}" for field in SEARCH_FIELDS)
_TIE_BREAKS = "l.full_name, l.verified, l.confirmed_at, l.created_at"
# Typed like the model's columns (SQLite hands back text for a timestamp, 0/1 for a boolean).
_TYPES = {"verified": Boolean(), "confirmed_at": DateTime(timezone=True),
          "created_at": DateTime(timezone=True)}


# ---------------------------------------------------------------------------------------------- SQLite

def _fts5_alternative(a: Alternative) -> str:
    # Tokens are [a-z0-9]+ (textfold.py), so wrapping them in double quotes makes each an FTS5 string.
    last = len(a.tokens) - 1
    parts = [f'"{t}"' + ("*" if a.prefix and i == last else "") for i, t in enumerate(a.tokens)]
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def fts5_stages(groups: Sequence[Group], joiner: str) -> list[str]:
    """One FTS5 expression per stage: the words in that field (the last: anywhere)."""
    expression = f" {joiner} ".join(
        "(" + " OR ".join(_fts5_alternative(a) for a in group) + ")" for group in groups)
    return [f"{{{field}}} : ({expression})" if field else expression for field in STAGES]


def sqlite_pool(session: Session, groups: Sequence[Group], joiner: str, filter_sql: str,
                params: Mapping[str, object], pool: int) -> list[Mapping[str, Any]]:
    """The stages one statement each, stopping once the pool is full. A stage is reached only when every
    stage before it was read whole, so "not in a stage before" is "not found yet": skipping those in
    Python is the disjoint stage exactly, and cheaper than an FTS5 `NOT` (which reads the excluded
    fields' matches too)."""
    statement = text(  # built once per search: the filters are part of it
        f"SELECT f.rowid AS id, {_TEXTS.format(t='f')}, {_TIE_BREAKS} "
        "FROM leader_fts f JOIN leader l ON l.id = f.rowid "
        f"WHERE leader_fts MATCH :expression AND l.left_at IS NULL AND {filter_sql} "
        "ORDER BY f.rowid LIMIT :limit").columns(**_TYPES)
    found: dict[int, Mapping[str, Any]] = {}
    for expression in fts5_stages(groups, joiner):
        # pool rows hold at least `pool - len(found)` not found yet (at most len(found) are found already)
        rows = session.execute(statement, {**params, "expression": expression, "limit": pool})
        for row in rows.mappings().all():
            if row["id"] not in found:
                found[row["id"]] = row
                if len(found) == pool:
                    return list(found.values())
    return list(found.values())


# ------------------------------------------------------------------------------------------ PostgreSQL

def _tsquery_alternative(a: Alternative) -> str:
    parts = _alternative_terms(a)
    return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"


def tsquery_of(groups: Sequence[Group], joiner: str) -> str:
    operator = " & " if joiner == "AND" else " | "
    return operator.join("(" + " | ".join(_tsquery_alternative(a) for a in group) + ")" for group in groups)


def _word_start(prefix: str, value: str) -> str:
    """`value` at the start of a word of the key (LIKE 'v%' OR LIKE '% v%'): a prefix of one of the
    key's from-each-word lexemes (search_index.filter_lexemes)."""
    return lexeme(f"{prefix}={' '.join(value.split())}") + ":*"


def _filter_tsqueries(name: str, values: Sequence[str]) -> list[str]:
    """Each value of one filter as a tsquery over `leader_search.filters` (values are folded)."""
    options = []
    for value in values:
        if name == "sector":
            options.append(lexeme(f"s={value}"))
        elif name == "region":
            options.append(lexeme(f"r={value}") if value in REGION_KEYS else _word_start("rw", value))
        elif name == "tag":
            options.append(lexeme(f"t={value}") + ":*")
        else:
            options.append(_word_start({"org": "o", "cohort": "c"}[name], value))
    return options


def filter_tsquery(filters: Mapping[str, Sequence[str]]) -> str | None:
    """The filters as one tsquery: any value of a filter, every filter."""
    clauses = ["(" + " | ".join(_filter_tsqueries(name, values)) + ")" for name, values in filters.items()]
    return " & ".join(clauses) or None


# A PostgreSQL stage has two ways to return its lowest ids, and either can be very wrong: read every
# match from the GIN index and keep the lowest (cost: the matches), or walk the primary key testing each
# row until it has enough (cost: ids walked; the whole table when the field has fewer matches than the
# pool). Its statistics cannot tell an absent prefix from a common one in a field with few distinct words
# ("safeg" in the role: estimated 2 % of rows, walked 100,000 rows in 0.5 s), so the choice is made
# here, from how many profiles hold each word in that field — counted up to PLAN_CAP and remembered
# until the directory changes (search_cache.py), like the counts ranking uses.
PLAN_CAP = 1000


def _term_query(token: str, prefix: bool) -> str:
    return token + (":*" if prefix else "")


def _alternative_terms(a: Alternative) -> list[str]:
    return [_term_query(t, a.prefix and i == len(a.tokens) - 1) for i, t in enumerate(a.tokens)]


def plan_counts(session: Session, current: str | None, groups: Sequence[Group],
                filters: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """What postgres_pool needs to choose each stage's plan: per field, how many profiles hold each word
    (and each filter value), up to PLAN_CAP + 1; and where every word is common in a field, how many hold
    them all ("leeds teaching hospitals": each word in thousands of organisations, all three in 225)."""
    keys = [f"{field}|{term}" for field in _PG_DOCUMENT.values() for group in groups for a in group
            for term in _alternative_terms(a)]
    keys += [f"filters|{option}" for option in _filter_options(filters)]
    counts = _remembered(session, current, keys)
    if len(groups) > 1:
        together = tsquery_of(groups, "AND")
        common = [field for field in _PG_DOCUMENT.values()
                  if min(_group_bound(group, field, counts) for group in groups) > PLAN_CAP]
        counts.update(_remembered(session, current, [f"{field}|{together}" for field in common]))
    return counts


def _remembered(session: Session, current: str | None, keys: list[str]) -> dict[str, int]:
    return search_cache.counts(session, current, keys, count_for_plans)


def _filter_options(filters: Mapping[str, Sequence[str]]) -> list[str]:
    return [option for name, values in filters.items() for option in _filter_tsqueries(name, values)]


def _group_bound(group: Group, field: str, counts: Mapping[str, int]) -> int:
    """At most how many profiles match the group in `field`: each alternative counts its rarest word."""
    return sum(min(counts[f"{field}|{t}"] for t in _alternative_terms(a)) for a in group)


def _bound(groups: Sequence[Group], joiner: str, field: str, counts: Mapping[str, int]) -> int:
    """At most how many profiles the stage on `field` can match."""
    per_group = [_group_bound(group, field, counts) for group in groups]
    if joiner != "AND":
        return sum(per_group)
    return min([*per_group, counts.get(f"{field}|{tsquery_of(groups, 'AND')}", PLAN_CAP + 1)])


def _filter_bound(filters: Mapping[str, Sequence[str]], counts: Mapping[str, int]) -> int | None:
    if not filters:
        return None
    return min(sum(counts[f"filters|{o}"] for o in _filter_tsqueries(name, values))
               for name, values in filters.items())


def count_for_plans(session: Session, keys: list[str]) -> dict[str, int]:
    """Profiles holding each `field|tsquery` key, up to PLAN_CAP + 1, in one round trip."""
    by_field: dict[str, list[str]] = {}
    for key in keys:
        field, query = key.split("|", 1)
        by_field.setdefault(field, []).append(query)
    branches, params = [], {"cap": PLAN_CAP + 1}
    for n, (field, queries) in enumerate(by_field.items()):
        branches.append(f"SELECT '{field}', q, (SELECT count(*) FROM (SELECT 1 FROM leader_search s "
                        f"WHERE s.{field} @@ CAST(q AS tsquery) LIMIT :cap) AS m) "
                        f"FROM unnest(CAST(:q{n} AS text[])) AS q")
        params[f"q{n}"] = queries
    rows = session.execute(text(" UNION ALL ".join(branches)), params)
    return {f"{field}|{query}": int(n) for field, query, n in rows}


def postgres_pool(session: Session, groups: Sequence[Group], joiner: str,
                  filters: Mapping[str, Sequence[str]], pool: int,
                  counts: Mapping[str, int]) -> list[Mapping[str, Any]]:
    # The words are folded tokens already ([a-z0-9]+, one lexeme each), so the query is cast, not parsed:
    # parsing it through the dictionaries once per condition was most of the planning time.
    matches = {f: f"s.{_PG_DOCUMENT[f]} @@ CAST(:q AS tsquery)" for f in STAGES}
    filtered = " AND s.filters @@ CAST(:f AS tsquery)" if filters else ""
    in_filters = _filter_bound(filters, counts)
    bounds = {field: _bound(groups, joiner, _PG_DOCUMENT[field], counts) for field in STAGES}
    if in_filters == 0 or not any(bounds.values()):
        return []  # (the counts say nobody matches: no statement at all)
    # A stage nobody can match is left out, and so is its exclusion from the stages after it: fewer
    # conditions to plan (planning was a third of a search's time on PostgreSQL).
    live = [field for field in STAGES if bounds[field]]
    branches = []
    for field in live:
        before = [matches[f] for f in live[:live.index(field)]]
        excluded = f" AND NOT ({' OR '.join(before)})" if before else ""
        wanted, order = matches[field], "s.leader_id"
        if bounds[field] <= PLAN_CAP or (in_filters is not None and in_filters <= PLAN_CAP):
            order = "s.leader_id + 0"  # hides the primary key: read the few matches, keep the lowest ids
        elif in_filters is None:  # many matches: the function form hides the GIN index, so the planner
            # walks the primary key and stops at the pool
            wanted = f"ts_match_vq(s.{_PG_DOCUMENT[field]}, CAST(:q AS tsquery))"
        # (words and filters both common: the planner weighs intersecting the two indexes against the walk)
        branches.append(f"(SELECT s.leader_id, {STAGES.index(field)} AS stage, {_TEXTS.format(t='s')} "
                        f"FROM leader_search s WHERE {wanted}{excluded}{filtered} "
                        f"ORDER BY {order} LIMIT :limit)")
    # The outer LIMIT stops PostgreSQL's Append once the heavier fields have filled the pool, so a common
    # phrase never pays for the lighter stages: the same early stop as SQLite's loop, in one round trip.
    sql = (f"SELECT p.leader_id AS id, p.stage, {_TEXTS.format(t='p')}, {_TIE_BREAKS} "
           f"FROM ({' UNION ALL '.join(f'SELECT * FROM {b} AS b{n}' for n, b in enumerate(branches))} "
           "LIMIT :limit) AS p "
           "JOIN leader l ON l.id = p.leader_id WHERE l.left_at IS NULL")
    rows = session.execute(text(sql).columns(**_TYPES), {
        "q": tsquery_of(groups, joiner), "f": filter_tsquery(filters), "limit": pool}).mappings().all()
    return sorted(rows, key=lambda row: (row["stage"], row["id"]))
