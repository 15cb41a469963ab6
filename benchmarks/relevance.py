"""Relevance benchmark: does people search put the right peer first? NDCG@10 and recall@3 on judged queries.

Run it from the repository root (the project installed with its test extra, which brings tantivy):

    python benchmarks/relevance.py                          # 2,000 demo profiles, SQLite and PostgreSQL
    python benchmarks/relevance.py --backends sqlite --count 1000

The directory is the demo generator's (directory/demo_data.py, seeded), and the judgements are written
from the generator's ground truth — the rows it produced — not from what any engine returns, so no
engine is graded against itself. About a hundred queries, built deterministically from the rows, in the
kinds people type: full names (as written, without accents, with a typo), surnames, exact roles, roles at
an organisation (with and without a typo, as "cheif constable merseyside"), organisations, expertise,
roles with a `sector:`/`region:` filter, roles with a place or an expertise, and public-sector short
forms ("perm sec", "dg", "ceo", "acc"). Each judged query grades every profile 0–3 by a rule stated
with the query kind below (3: exactly who was asked for; 2: a strong match; 1: a partial one).

Engines, in the same run over the same rows:
- ours on SQLite and on PostgreSQL (`directory.search.search`, limit 10);
- tantivy (a standard BM25 engine, PyPI) over the same five fields with the same folding, boosted in
  the same order (name > role > organisation > expertise > bio), as typed (`tantivy`) and with its
  fuzzy term matching on (`tantivy fuzzy`, edit distance 1, transpositions counting one). Filters are
  applied to tantivy's top 200 by the same rule our SQL applies, so both see the same candidates.

Metrics: NDCG@10 with gain 2^grade − 1 against the ideal order of all graded profiles; recall@3 = the
share of the best-graded profiles (up to three) that appear in the top three. Both are averaged over
queries, overall and per kind.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from sqlalchemy import create_engine, text

from directory.database import Database
from directory.demo_data import generate_rows
from directory.people import LeaderInput, upsert_leaders
from directory.regions import known_regions
from directory.search import search
from directory.search_query import STOPWORDS, parse_query
from directory.sectors import normalise_sector, sector_label
from directory.textfold import fold, index_tokens

Row = dict[str, str]
Grader = Callable[[Row], int]


@dataclass(frozen=True)
class Judged:
    kind: str
    query: str
    grade: Grader


def _words(value: str) -> list[str]:
    return [w for w in fold(value).split() if w not in STOPWORDS]


def _contains(value: str, phrase: str) -> bool:
    have = set(_words(value))
    return all(w in have for w in _words(phrase))


def _same(value: str, phrase: str) -> bool:
    return _words(value) == _words(phrase)


def _sector(row: Row) -> str:
    return normalise_sector(row["sector"]).key


def _typo(word: str) -> str:
    """Swap two letters in the middle: "chief" → "cheif", the commonest slip."""
    if len(word) < 5:
        return word
    i = len(word) // 2
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def _role_grader(role: str, where: Callable[[Row], bool] | None = None) -> Grader:
    """3: that exact role (there); 2: the exact role elsewhere when a place was asked, or a role that
    contains it there; 1: a role containing it elsewhere."""
    def grade(row: Row) -> int:
        exact, contains = _same(row["role"], role), _contains(row["role"], role)
        if where is None:
            return 3 if exact else 1 if contains else 0
        here = where(row)
        if exact:
            return 3 if here else 1
        return 2 if contains and here else 0
    return grade


SHORT_FORMS = {"perm sec": "Permanent Secretary", "dg": "Director General", "ceo": "Chief Executive",
               "cx": "Chief Executive", "chief exec": "Chief Executive", "acc": "Assistant Chief Constable",
               "dcc": "Deputy Chief Constable", "cfo": "Chief Financial Officer",
               "coo": "Chief Operating Officer", "md": "Medical Director", "cio": "Chief Information Officer",
               "dd": "Deputy Director"}


def judged_queries(rows: Sequence[Row], seed: int = 7) -> list[Judged]:
    """The fixed judged set, built from the rows (deterministic for a given directory and seed)."""
    rng = random.Random(seed)
    judged: list[Judged] = []
    people = rows[::max(1, len(rows) // 12)][:12]
    for row in people:
        name = row["full_name"]
        surname = name.split()[-1]

        def person(r: Row, name: str = name, surname: str = surname) -> int:
            if fold(r["full_name"]) == fold(name):
                return 3
            return 1 if fold(r["full_name"]).split()[-1:] == fold(surname).split()[-1:] else 0
        judged.append(Judged("name", name, person))
        judged.append(Judged("name folded", fold(name), person))
        parts = fold(name).split()
        judged.append(Judged("name typo", " ".join([parts[0], *(_typo(p) for p in parts[1:])]), person))
    for row in people[:8]:
        surname = row["full_name"].split()[-1]
        judged.append(Judged("surname", surname,
                             lambda r, s=surname: 2 if fold(s) in fold(r["full_name"]).split()[-2:] else 0))

    roles = sorted({r["role"] for r in rows})
    common = sorted(roles, key=lambda role: -sum(r["role"] == role for r in rows))
    for role in common[:14]:
        judged.append(Judged("role", role, _role_grader(role)))
    for role in common[:8]:
        judged.append(Judged("role typo", " ".join(_typo(w) for w in role.split()), _role_grader(role)))

    by_org: dict[str, list[Row]] = {}
    for r in rows:
        by_org.setdefault(r["organisation"], []).append(r)
    orgs = sorted((o for o, members in by_org.items() if len(members) >= 4),
                  key=lambda o: (-len(by_org[o]), o))
    for org in orgs[:8]:
        judged.append(Judged("organisation", org, lambda r, o=org: 2 if r["organisation"] == o else 0))
    # A role at an organisation: "chief constable merseyside"
    pairs = [(r["role"], r["organisation"]) for r in rows]
    chosen = sorted(set(pairs), key=lambda p: (pairs.index(p)))
    rng.shuffle(chosen)
    for role, org in chosen[:10]:
        short = " ".join(_words(org)[:2])
        grade = _role_grader(role, lambda r, o=org: r["organisation"] == o)
        judged.append(Judged("role at org", f"{role} {short}", grade))
    for role, org in chosen[10:16]:
        short = " ".join(_words(org)[:2])
        typed = " ".join(_typo(w) for w in role.split()[:1]) + " " + " ".join(role.split()[1:])
        judged.append(Judged("role at org, typo", f"{typed} {short}",
                             _role_grader(role, lambda r, o=org: r["organisation"] == o)))

    tags = sorted({t for r in rows for t in r["expertise"].split(";") if t})
    rng.shuffle(tags)
    for tag in tags[:10]:
        def expertise(r: Row, tag: str = tag) -> int:
            items = [fold(t) for t in r["expertise"].split(";")]
            if fold(tag) in items:
                return 2
            return 1 if _contains(r["role"], tag) or _contains(r["bio"], tag) else 0
        judged.append(Judged("expertise", tag, expertise))

    sectors = ["health", "policing", "local-government", "central-government", "fire-and-rescue"]
    for role, sector in zip(common[:6], sectors * 2, strict=False):
        grade = _role_grader(role, lambda r, s=sector: _sector(r) == s)
        judged.append(Judged("role + sector:", f"{role} sector:{sector}",
                             lambda r, g=grade, s=sector: g(r) if _sector(r) == s else 0))
    regions = ["North West", "London", "Scotland", "Wales", "Yorkshire and the Humber", "South West"]
    for role, region in zip(common[1:7], regions, strict=False):
        grade = _role_grader(role, lambda r, g=region: r["region"] == g)
        judged.append(Judged("role + place", f"{role} {region}", grade))
        judged.append(Judged("role + region:", f'{role} region:"{region}"',
                             lambda r, g=grade, reg=region: g(r) if r["region"] == reg else 0))
    for r in rows[5:400:60][:6]:
        tag = r["expertise"].split(";")[0]
        role = r["role"]

        def role_and_tag(x: Row, role: str = role, tag: str = tag) -> int:
            has = fold(tag) in [fold(t) for t in x["expertise"].split(";")]
            return 3 if _same(x["role"], role) and has else 1 if _same(x["role"], role) or (
                has and _contains(x["role"], role)) else 0
        judged.append(Judged("role + expertise", f"{role} {tag}", role_and_tag))

    present = {fold(r["role"]) for r in rows}
    for short, role in SHORT_FORMS.items():
        if fold(role) in present:
            judged.append(Judged("short form", short, _role_grader(role)))
    return judged


# -------------------------------------------------------------------------------------------- engines


def _filtered(row: Row, query: str) -> bool:
    """The query's filters, by the same rule our SQL applies (sector by key, region by known region)."""
    parsed = parse_query(query)
    for name, values in parsed.filters.items():
        if name == "sector" and normalise_sector(row["sector"]).key not in values:
            return False
        if name == "region" and not any(fold(row["region"]) == v or (known_regions(v) == () and
                                        fold(row["region"]).startswith(v)) for v in values):
            return False
    return True


class Tantivy:
    """tantivy over the same five fields, folded the same way, boosted name > role > … > bio."""

    BOOSTS: ClassVar[dict[str, float]] = {"name": 16.0, "role": 8.0, "organisation": 4.0, "expertise": 2.0,
                                          "bio": 1.0}

    def __init__(self, rows: Sequence[Row], fuzzy: bool) -> None:
        import tantivy

        self.tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        for name in self.BOOSTS:
            builder.add_text_field(name, stored=False)
        builder.add_integer_field("row", stored=True, indexed=True)
        self.index = tantivy.Index(builder.build())
        writer = self.index.writer(100_000_000, 1)
        for n, row in enumerate(rows):
            org = " ".join((row["organisation"], row["region"], sector_label(_sector(row))))
            writer.add_document(tantivy.Document(
                name=" ".join(index_tokens(row["full_name"])), role=" ".join(index_tokens(row["role"])),
                organisation=" ".join(index_tokens(org)),
                expertise=" ".join(index_tokens(row["expertise"].replace(";", " "))),
                bio=" ".join(index_tokens(row["bio"])), row=n))
        writer.commit()
        self.index.reload()
        self.rows = rows
        self.fuzzy = {name: (False, 1, True) for name in self.BOOSTS} if fuzzy else {}

    def search(self, query: str) -> list[int]:
        words = parse_query(query).words
        if not words:
            return [n for n, row in enumerate(self.rows) if _filtered(row, query)][:10]
        parsed = self.index.parse_query(" ".join(words), list(self.BOOSTS), field_boosts=self.BOOSTS,
                                        fuzzy_fields=self.fuzzy)
        searcher = self.index.searcher()
        found = [searcher.doc(address)["row"][0] for _, address in searcher.search(parsed, 200).hits]
        return [n for n in found if _filtered(self.rows[n], query)][:10]


def ndcg_at(found: Sequence[int], grades: Sequence[int], k: int = 10) -> float:
    def dcg(values: Iterable[int]) -> float:
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(values))
    ideal = dcg(sorted((g for g in grades if g), reverse=True)[:k])
    return dcg(grades[n] for n in found[:k]) / ideal if ideal else 0.0


def recall_at(found: Sequence[int], grades: Sequence[int], k: int = 3) -> float:
    best = max(grades, default=0)
    if not best:
        return 0.0
    wanted = [n for n, g in enumerate(grades) if g == best]
    return sum(1 for n in found[:k] if grades[n] == best) / min(k, len(wanted))


@dataclass
class Score:
    engine: str
    per_query: list[tuple[Judged, float, float, list[int]]]

    def mean(self, kind: str | None = None, metric: int = 0) -> float:
        values = [q[1 + metric] for q in self.per_query if kind in (None, q[0].kind)]
        return sum(values) / len(values) if values else math.nan


def evaluate(engine: str, run: Callable[[str], list[int]], judged: Sequence[Judged],
             grades: list[list[int]]) -> Score:
    results = []
    for query, graded in zip(judged, grades, strict=True):
        found = run(query.query)
        results.append((query, ndcg_at(found, graded), recall_at(found, graded), found))
    return Score(engine, results)


def ours(url: str, rows: Sequence[Row]) -> Callable[[str], list[int]]:
    database = Database(url)
    database.ensure_ready()
    with database.session() as session:
        upsert_leaders(session, [LeaderInput(**row) for row in rows])
    index = {row["email"].lower(): n for n, row in enumerate(rows)}

    def run(query: str) -> list[int]:
        with database.session() as session:
            return [index[hit.leader.email_key] for hit in search(session, query, limit=10)]
    return run


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="demo profiles (default 2,000)")
    parser.add_argument("--seed", type=int, default=42, help="demo-data seed")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench",
                        help="PostgreSQL database to use; its schema `public` is DROPPED and recreated")
    parser.add_argument("--json", type=Path, help="also write every query's figures to this file")
    parser.add_argument("--show", action="store_true", help="list each query with our and tantivy's NDCG")
    args = parser.parse_args(argv)
    rows = list(generate_rows(args.count, args.seed))
    judged = judged_queries(rows)
    grades = [[q.grade(r) for r in rows] for q in judged]
    judged_ok = [(q, g) for q, g in zip(judged, grades, strict=True) if any(g)]
    judged, grades = [q for q, _ in judged_ok], [g for _, g in judged_ok]
    workdir = Path(tempfile.mkdtemp(prefix="leaders-relevance-"))
    scores: list[Score] = []
    load = os.getloadavg()
    started = time.perf_counter()
    try:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            url = f"sqlite:///{workdir / 'relevance.db'}" if backend == "sqlite" else args.pg_url
            if backend == "postgresql":
                _reset_postgres(url)
            print(f"[{backend}] loading {len(rows):,} profiles …", file=sys.stderr, flush=True)
            scores.append(evaluate(f"ours ({backend})", ours(url, rows), judged, grades))
        for fuzzy in (False, True):
            engine = Tantivy(rows, fuzzy)
            scores.append(evaluate("tantivy" + (" fuzzy" if fuzzy else ""), engine.search, judged, grades))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    kinds = list(dict.fromkeys(q.kind for q in judged))
    print("# Relevance benchmark\n")
    print(f"{len(judged)} judged queries over {len(rows):,} demo profiles (seed {args.seed}); load average "
          f"{' / '.join(f'{x:.2f}' for x in load)}; {time.perf_counter() - started:.0f} s.\n")
    print("| engine | NDCG@10 | recall@3 |")
    print("|---|---:|---:|")
    for score in scores:
        print(f"| {score.engine} | {score.mean():.3f} | {score.mean(metric=1):.3f} |")
    print("\n## NDCG@10 by query kind\n")
    print("| kind | queries | " + " | ".join(s.engine for s in scores) + " |")
    print("|---|---:|" + "---:|" * len(scores))
    for kind in kinds:
        count = sum(q.kind == kind for q in judged)
        print(f"| {kind} | {count} | " + " | ".join(f"{s.mean(kind):.3f}" for s in scores) + " |")
    if args.show:
        print("\n## Per query (NDCG@10)\n")
        for n, query in enumerate(judged):
            print(f"- {query.kind}: {query.query!r} " + ", ".join(
                f"{s.engine} {s.per_query[n][1]:.2f}" for s in scores))
    if args.json:
        args.json.write_text(json.dumps({
            "count": len(rows), "seed": args.seed, "load_average": load,
            "engines": {s.engine: {"ndcg10": s.mean(), "recall3": s.mean(metric=1)} for s in scores},
            "queries": [{"kind": q.kind, "query": q.query,
                         **{s.engine: {"ndcg10": s.per_query[n][1], "recall3": s.per_query[n][2]}
                            for s in scores}} for n, q in enumerate(judged)],
        }, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
