"""Directory search benchmark: how fast is people search at 10,000 and 100,000 profiles, on both backends?

Run it from the repository root (the project installed, e.g. `pip install -e .`):

    python benchmarks/search.py                       # 10,000 and 100,000 profiles, SQLite and PostgreSQL
    python benchmarks/search.py --sizes 2000 --backends sqlite     # a quick smoke run

For each backend and size it builds a fresh directory with `leaders demo-data` (timed: that is the import
figure), runs a fixed mixed query set through `directory.search.search` and, in the same run on the same
database, through a naive `LIKE '%word%'` scan, and prints markdown tables against DESIGN.md's bars:
p50 <= 5 ms and p99 <= 25 ms in-process at 100,000 profiles, at least 20x faster than the naive scan, and
a 100,000-row import into SQLite in <= 60 s.

Why it is built this way:
- A *fixed* query set (the same ~45 queries, in the same order, on every backend and size) so two runs, or
  two backends, are compared like for like, and a regression points at a query instead of at luck. The
  queries mirror what people type into the bot: full names as typed and without accents, surnames, roles,
  typos, organisations, expertise, filters, half-typed prefixes, searches that match nobody, and hostile
  input. Names are read from the generated rows themselves (deterministically: every 997th row and the
  first row with an accent, apostrophe or hyphen), so they exist at every size and stay valid if the demo
  generator changes its name lists.
- The naive scan runs in the *same* run, against the *same* database, interleaved query by query with
  the real search, so both see the same machine, cache state and background load; a speed-up measured
  against a number from another day or machine would mean little.
- Latency is measured *in-process* with `time.perf_counter`, one database session per query, as the bot
  opens one unit of work per turn. That is the cost a chat turn pays for search (session checkout,
  query planning, typo lookups, re-ranking, loading the leaders), without HTTP or chat-platform noise.
- Every query runs once to warm up (caches, prepared plans, SQLAlchemy's compiled-statement cache), then
  `--repeat` times; p50/p99 are taken over all timed samples of the mixed set (nearest rank).
- Each query carries a light expectation (the top hit has the role asked for, a filter holds for every
  hit, nonsense finds nobody); failures are listed, because a fast search that finds the wrong people is
  not a pass.
- PostgreSQL is ANALYZEd after the build, which autovacuum would do within a minute of a real import
  anyway; doing it explicitly removes a race with the measurement. SQLite is measured as the application
  leaves it (the application never runs ANALYZE).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from directory.database import Database
from directory.demo_data import generate_rows
from directory.people import LeaderInput, upsert_leaders
from directory.search import SearchHit, search
from directory.search_query import QueryError, SearchQuery, parse_query
from directory.textfold import fold

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
BAR_P50_MS, BAR_P99_MS, BAR_SPEEDUP, BAR_SIZE = 5.0, 25.0, 20.0, 100_000
IMPORT_BAR_SECONDS = 60.0
SLOWEST = 5
NAME_SOURCE_ROWS = 2000  # names are picked from the first rows, which every size >= 2,000 contains

Check = Callable[[Sequence[SearchHit]], str | None]


# ----------------------------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    check: Check | None = None


def _has(value: str, phrase: str) -> bool:
    """`phrase` (folded) appears as whole words in `value` (folded)."""
    return f" {fold(phrase)} " in f" {fold(value)} "


def _top(attribute: str, phrase: str) -> Check:
    def check(hits: Sequence[SearchHit]) -> str | None:
        if not hits:
            return f"no hits; expected the top hit's {attribute} to contain {fold(phrase)!r}"
        value = getattr(hits[0].leader, attribute)
        return None if _has(value, phrase) else f"top hit's {attribute} is {value!r}, not {fold(phrase)!r}"
    return check


def _top_any(attributes: tuple[str, ...], phrase: str) -> Check:
    """The phrase in any of these fields of the top hit (a role outranks expertise by contract)."""
    def check(hits: Sequence[SearchHit]) -> str | None:
        if not hits:
            return f"no hits; expected the top hit's {'/'.join(attributes)} to contain {fold(phrase)!r}"
        if any(_has(getattr(hits[0].leader, a), phrase) for a in attributes):
            return None
        return f"top hit's {'/'.join(attributes)} lack {fold(phrase)!r}"
    return check


def _every(attribute: str, phrase: str) -> Check:
    def check(hits: Sequence[SearchHit]) -> str | None:
        if not hits:
            return f"no hits; expected leaders whose {attribute} contains {fold(phrase)!r}"
        wrong = [getattr(h.leader, attribute) for h in hits if not _has(getattr(h.leader, attribute), phrase)]
        return f"{len(wrong)} of {len(hits)} hits have {attribute} {wrong[0]!r}" if wrong else None
    return check


def _empty(hits: Sequence[SearchHit]) -> str | None:
    return f"{len(hits)} hits for nonsense, top {hits[0].leader.full_name!r}" if hits else None


def _all(*checks: Check) -> Check:
    def check(hits: Sequence[SearchHit]) -> str | None:
        return next((problem for c in checks if (problem := c(hits))), None)
    return check


def _typo(word: str) -> str:
    """A deterministic, realistic typo: swap two letters in the middle of the word."""
    i = len(word) // 2
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def build_queries(rows: Sequence[dict[str, str]]) -> list[Query]:
    """The fixed mixed query set; names come from `rows` (the first rows of the seeded demo directory)."""
    names = [r["full_name"] for r in rows]

    def first(pattern: str) -> str:
        return next((n for n in names if re.search(pattern, n)), names[0])

    accented = first(r"[^\x00-\x7f]")
    gaelic = first(r"\b(Ní|Ó|Nic) ")
    apostrophe = first(r"['\u2019]")
    hyphenated = first(r" \S+-\S+$")
    sampled = [names[i] for i in range(0, len(names), 997)][:3]
    long_surname = next((s for n in names[997::997] + names if len(s := n.split()[-1]) >= 6), "Ashworth")
    paste = " ".join(row["bio"] for row in rows[:40])[:5000]  # a pasted page: 5,000 characters of prose

    def name(query: str, full: str) -> Query:
        return Query("name", query, _top("full_name", full))

    queries = [name(n, n) for n in sampled] + [
        name(accented, accented),
        name(fold(gaelic), gaelic),  # typed without accents: "aine ni bhriain"
        name(fold(apostrophe), apostrophe),  # "O'Brien" typed "obrien"
        name(hyphenated.replace("-", " "), hyphenated),  # "Smith-Jones" typed "smith jones"
        name("".join(hyphenated.split()[-1].split("-")), hyphenated),  # ... or "smithjones"
        Query("surname", "Patel", _top("full_name", "patel")),
        Query("surname", "Macleod", _top("full_name", "macleod")),
        Query("surname", "Okafor", _top("full_name", "okafor")),
        Query("surname", long_surname, _top("full_name", long_surname)),
        Query("role", "chief constable", _top("role", "chief constable")),
        Query("role", "director of finance", _top("role", "director of finance")),
        Query("role", "chief nurse", _top("role", "chief nurse")),
        Query("role", "medical director", _top("role", "medical director")),
        Query("role", "permanent secretary", _top("role", "permanent secretary")),
        Query("role", "section 151 officer", _top("role", "section 151 officer")),
        Query("typo", "dirctor of finnance", _top("role", "director of finance")),
        Query("typo", "cheif nurse", _top("role", "chief nurse")),
        Query("typo", "chief constible", _top("role", "chief constable")),
        Query("typo", "permenant secretery", _top("role", "permanent secretary")),
        Query("typo", _typo(long_surname), _top("full_name", long_surname)),
        Query("organisation", "leeds teaching hospitals", _top("organisation", "leeds teaching hospitals")),
        Query("organisation", "metropolitan police", _top("organisation", "metropolitan police")),
        Query("organisation", "hm courts & tribunals service",
              _top("organisation", "courts tribunals service")),
        Query("organisation", "guys and st thomas", _top("organisation", "guys and st thomas")),
        Query("expertise", "cyber security",
              _top_any(("role", "organisation", "expertise"), "cyber security")),
        Query("expertise", "net zero", _top_any(("role", "organisation", "expertise"), "net zero")),
        Query("expertise", "violence against women and girls",
              _top_any(("role", "expertise"), "violence against women and girls")),
        Query("filter", "sector:policing", _every("sector", "policing")),
        Query("filter", 'chief executive region:"north west"',
              _all(_every("region", "north west"), _top("role", "chief executive"))),
        Query("filter", 'tag:"net zero" sector:health',
              _all(_every("expertise", "net zero"), _every("sector", "health"))),
        Query("filter", "org:council finance", _every("organisation", "council")),
        Query("filter", 'digital cohort:"2024 spring"', _every("cohort", "2024 spring")),
        Query("prefix", "chief exec", _top("role", "chief executive")),
        Query("prefix", "safeg", _top("expertise", "safeguarding")),
        Query("prefix", "director of transf", _top("role", "director of transformation")),
        Query("no match", "zzzqqq", _empty),
        Query("no match", "xylophone quartermaster", _empty),
        Query("hostile", '" AND NEAR( *'),
        Query("hostile", "\\'; DROP TABLE leader; --"),
        Query("hostile", "chief\x00nurse"),
        Query("hostile", "🚒 fire chief 🚒"),
        Query("hostile", "x" * 5000),
        Query("hostile", paste),
    ]
    return queries


def show(query: str, width: int = 48) -> str:
    """A query as it reads in a table: quoted, control characters escaped, long ones cut."""
    shown = json.dumps(query if len(query) <= width else query[:width - 8], ensure_ascii=False)
    if len(query) > width:
        shown += f"… ({len(query):,} chars)"
    return shown.replace("|", "\\|")


# --------------------------------------------------------------------------------------- naive baseline

_NAIVE_COLUMNS = ("full_name", "role", "organisation", "expertise", "bio")
_NAIVE_FILTERS = {"region": "region", "org": "organisation", "cohort": "cohort", "tag": "expertise"}


def naive_sql(parsed: SearchQuery) -> tuple[str, dict[str, str]] | None:
    """The scan a first version would write: every word somewhere in the text, filters by LIKE, ranked.

    Words are the same folded words the real search gets (so [a-z0-9] only: nothing to escape), passed as
    bound parameters. It ranks the way the contract asks (a word in the name counts most, then role,
    organisation, expertise, bio) because a search that returns an arbitrary ten of 9,000 matches is not
    the same job: without ORDER BY a LIKE scan stops at its tenth match and looks fast only for common
    words. No typo tolerance: this is the speed baseline, not a rival.
    """
    clauses: list[str] = []
    params: dict[str, str] = {}
    for i, word in enumerate(parsed.words):
        params[f"w{i}"] = f"%{word}%"
        clauses.append("(" + " OR ".join(f"lower({c}) LIKE :w{i}" for c in _NAIVE_COLUMNS) + ")")
    for name, values in parsed.filters.items():
        options = []
        for j, value in enumerate(values):
            key = f"{name}{j}"
            if name == "sector":
                params[key] = value
                options.append(f"sector = :{key}")
            else:
                params[key] = f"%{value}%"
                options.append(f"lower({_NAIVE_FILTERS[name]}) LIKE :{key}")
        clauses.append("(" + " OR ".join(options) + ")")
    if not clauses:
        return None
    weights = (16, 8, 4, 2, 1)
    rank = " + ".join(f"(CASE WHEN lower({c}) LIKE :w{i} THEN {w} ELSE 0 END)"
                      for i in range(len(parsed.words)) for c, w in zip(_NAIVE_COLUMNS, weights, strict=True))
    return ("SELECT id, full_name, role, organisation, sector, region FROM leader WHERE "
            + " AND ".join(clauses) + f" ORDER BY {rank or 'id'} DESC, id LIMIT 10", params)


# ------------------------------------------------------------------------------------------ measurement


@dataclass
class QueryResult:
    query: Query
    search_ms: list[float] = field(default_factory=list)
    naive_ms: list[float] = field(default_factory=list)
    hits: int = 0
    naive_hits: int | None = None
    top: list[str] = field(default_factory=list)  # emails of the hits, best first
    top_names: list[str] = field(default_factory=list)
    error: str | None = None
    problem: str | None = None


@dataclass
class Run:
    backend: str
    size: int
    build_seconds: float
    build_mode: str
    results: list[QueryResult]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    @property
    def rows_per_second(self) -> float:
        return self.size / self.build_seconds if self.build_seconds else 0.0

    def samples(self, kind: str | None = None, naive: bool = False) -> list[float]:
        return [ms for r in self.results if kind in (None, r.query.kind)
                for ms in (r.naive_ms if naive else r.search_ms)]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure reported is a latency that happened)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _run_search(database: Database, query: Query) -> tuple[float, list[SearchHit]]:
    started = time.perf_counter()
    with database.session() as session:
        hits = search(session, query.text, limit=10)
    return (time.perf_counter() - started) * 1000, hits


def _run_naive(database: Database, sql: tuple[str, dict[str, str]]) -> tuple[float, int]:
    started = time.perf_counter()
    with database.session() as session:
        rows = session.execute(text(sql[0]), sql[1]).all()
    return (time.perf_counter() - started) * 1000, len(rows)


_ORDER_WORDS = {"interleaved": "interleaved with the naive scan",
                "blocks": "all searches then all naive scans in each repeat"}


def measure(database: Database, queries: Sequence[Query], repeat: int,
            order: str = "interleaved") -> list[QueryResult]:
    """Warm up once, then run the set `repeat` times.

    `interleaved` (the default) runs each query's search and naive scan back to back, so both see the same
    moment's load — but every search then starts just after a scan of the whole table has pushed the
    search's pages and plans out of the caches, which no chat turn meets. `blocks` runs, in each repeat, all
    the searches and then all the scans: the same run and machine, each side in the cache state it makes.
    """
    results = [QueryResult(q) for q in queries]
    naive: list[tuple[str, dict[str, str]] | None] = []
    for result in results:  # warm-up, which also records what each query finds
        try:
            _, hits = _run_search(database, result.query)
            result.hits = len(hits)
            result.top = [h.leader.email for h in hits]
            result.top_names = [h.leader.full_name for h in hits]
            result.problem = result.query.check(hits) if result.query.check else None
        except Exception as error:  # a query that raises is a finding, not a crash
            result.error = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        try:
            sql = naive_sql(parse_query(result.query.text))
        except QueryError:
            sql = None
        naive.append(sql)
        if sql:
            result.naive_hits = _run_naive(database, sql)[1]
    for _ in range(repeat):
        if order == "blocks":
            for result in results:
                if result.error is None:
                    result.search_ms.append(_run_search(database, result.query)[0])
            for result, sql in zip(results, naive, strict=True):
                if sql:
                    result.naive_ms.append(_run_naive(database, sql)[0])
            continue
        for result, sql in zip(results, naive, strict=True):
            if result.error is None:
                result.search_ms.append(_run_search(database, result.query)[0])
            if sql:
                result.naive_ms.append(_run_naive(database, sql)[0])
    return results


# ------------------------------------------------------------------------------------------------ build


def _sqlite_url(workdir: Path, size: int) -> str:
    path = workdir / f"search-{size}.db"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def postgres_version(url: str) -> str:
    """The server's version; creates the benchmark database first if it does not exist yet."""
    def version() -> str:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                return str(connection.execute(text("SHOW server_version")).scalar())
        finally:
            engine.dispose()

    try:
        return version()
    except OperationalError as error:
        parsed = make_url(url)
        if "does not exist" not in str(error) or not re.fullmatch(r"\w+", parsed.database or ""):
            raise
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
        return version()


def _cli(args: Sequence[str], url: str, workdir: Path) -> None:
    env = {**os.environ, "LEADERS_DATABASE_URL": url}
    # cwd=workdir so a developer's .env in the repository cannot point the build elsewhere
    done = subprocess.run([sys.executable, "-m", "adapters.cli", *args], env=env, cwd=workdir,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"`leaders {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def build(mode: str, url: str, size: int, seed: int, workdir: Path) -> float:
    """Load a fresh directory of `size` demo leaders; returns the seconds the load took."""
    if mode == "demo-data":  # the wording: interpreter start, generation, schema, upsert, index
        started = time.perf_counter()
        _cli(["demo-data", "--count", str(size), "--seed", str(seed)], url, workdir)
        return time.perf_counter() - started
    if mode == "csv":  # DESIGN's import bar exactly: `leaders import` of a CSV file (writing it is untimed)
        csv_path = workdir / f"demo-{size}.csv"
        _cli(["demo-data", "--count", str(size), "--seed", str(seed), "-o", str(csv_path)], url, workdir)
        started = time.perf_counter()
        _cli(["import", str(csv_path)], url, workdir)
        return time.perf_counter() - started
    started = time.perf_counter()  # in-process: the same functions, no subprocess
    database = Database(url)
    database.ensure_ready()
    rows = [LeaderInput(**row) for row in generate_rows(size, seed)]
    with database.session() as session:
        upsert_leaders(session, rows)
    database.dispose()
    return time.perf_counter() - started


def prepare(backend: str, size: int, args: argparse.Namespace, workdir: Path) -> tuple[str, float]:
    if args.reuse:  # measure again what an earlier run with the same --workdir and --pg-url built
        url = f"sqlite:///{workdir / f'search-{size}.db'}" if backend == "sqlite" else args.pg_url
        return url, math.nan
    url = _sqlite_url(workdir, size) if backend == "sqlite" else args.pg_url
    if backend == "postgresql":
        _reset_postgres(url)
    seconds = build(args.build, url, size, args.seed, workdir)
    database = Database(url)
    with database.session() as session:
        loaded = session.execute(text("SELECT count(*) FROM leader")).scalar()
        if loaded != size:
            sys.exit(f"{backend}: expected {size} leaders after the build, found {loaded}")
    if backend == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    database.dispose()
    return url, seconds


# ----------------------------------------------------------------------------------------------- report


def machine(pg_version: str | None) -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    return {"cpu": cpu, "cores": os.cpu_count(), "os": platform.platform(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "postgresql": pg_version, "load_average": os.getloadavg()}


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def verdict(run: Run) -> str:
    p50, p99 = percentile(run.samples(), 50), percentile(run.samples(), 99)
    speedup = percentile(run.samples(naive=True), 50) / p50 if p50 else math.nan
    misses = []
    if not p50 <= BAR_P50_MS:
        misses.append(f"p50 {p50:.1f} > {BAR_P50_MS:g}")
    if not p99 <= BAR_P99_MS:
        misses.append(f"p99 {p99:.1f} > {BAR_P99_MS:g}")
    if not speedup >= BAR_SPEEDUP:
        misses.append(f"speed-up {speedup:.1f}× < {BAR_SPEEDUP:g}×")
    return ("yes" if not misses else "no: " + "; ".join(misses)) + ("" if run.size >= BAR_SIZE else " ¹")


def report(runs: Sequence[Run], queries: Sequence[Query], args: argparse.Namespace,
           info: dict[str, Any]) -> Iterator[str]:
    yield "# Directory search benchmark\n"
    yield (f"Machine: {info['cpu']}, {info['cores']} cores, {info['os']}; Python {info['python']}, "
           f"SQLite {info['sqlite']}" + (f", PostgreSQL {info['postgresql']}" if info["postgresql"] else ""))
    yield (f"Load average at start: {' / '.join(f'{x:.2f}' for x in info['load_average'])} (1/5/15 min). "
           "Other processes on this machine share its cores, so treat small differences as noise.")
    kinds = list(dict.fromkeys(q.kind for q in queries))
    yield (f"Query set: {len(queries)} fixed queries ({', '.join(kinds)}); warm-up once, then {args.repeat} "
           f"timed repeats each, {_ORDER_WORDS[args.order]}; one session per query; seed {args.seed}; "
           f"build: `{args.build}`.\n")
    yield ("| backend | profiles | build (s) | rows/s | search p50 ms | search p99 ms | naive p50 ms "
           "| naive p99 ms | speed-up p50 (p99) | meets bar |")
    yield "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for run in runs:
        s, n = run.samples(), run.samples(naive=True)
        up50 = percentile(n, 50) / percentile(s, 50)
        up99 = percentile(n, 99) / percentile(s, 99)
        yield (f"| {run.backend} | {run.size:,} | {run.build_seconds:.1f} | {run.rows_per_second:,.0f} | "
               f"{_ms(percentile(s, 50))} | {_ms(percentile(s, 99))} | {_ms(percentile(n, 50))} | "
               f"{_ms(percentile(n, 99))} | {up50:.1f}× ({up99:.1f}×) | {verdict(run)} |")
    yield (f"\nBar (DESIGN.md, at {BAR_SIZE:,} profiles): search p50 ≤ {BAR_P50_MS:g} ms, p99 ≤ "
           f"{BAR_P99_MS:g} ms, naive p50 / search p50 ≥ {BAR_SPEEDUP:g}×. ¹ Smaller sizes are shown against "
           "the same bar for reference only.")
    yield ("The naive scan ranks its matches (a word in the name counts most, then role, organisation, "
           "expertise, bio) as the search contract asks, so it reads every row; no typo tolerance.")
    for run in runs:
        if run.backend == "sqlite" and run.size >= BAR_SIZE and not math.isnan(run.build_seconds):
            ok = "yes" if run.build_seconds * BAR_SIZE / run.size <= IMPORT_BAR_SECONDS else "no"
            yield (f"Import bar (100,000 rows into SQLite ≤ {IMPORT_BAR_SECONDS:g} s): "
                   f"{run.build_seconds:.1f} s for {run.size:,} rows with `{args.build}` → {ok}.")

    yield "\n## Search latency by query kind (p50 / p99 ms; naive p50 in brackets)\n"
    yield "| kind | queries | " + " | ".join(f"{r.backend} {r.size:,}" for r in runs) + " |"
    yield "|---|---:|" + "---:|" * len(runs)
    for kind in kinds:
        cells = [f"{_ms(percentile(r.samples(kind), 50))} / {_ms(percentile(r.samples(kind), 99))} "
                 f"({_ms(percentile(r.samples(kind, naive=True), 50))})" for r in runs]
        yield f"| {kind} | {sum(q.kind == kind for q in queries)} | " + " | ".join(cells) + " |"

    yield f"\n## Slowest {SLOWEST} queries per run (by search p50)\n"
    yield "| run | kind | query | search p50 ms | search max ms | naive p50 ms | hits |"
    yield "|---|---|---|---:|---:|---:|---:|"
    for run in runs:
        timed = [r for r in run.results if r.search_ms]
        for r in sorted(timed, key=lambda r: -percentile(r.search_ms, 50))[:SLOWEST]:
            yield (f"| {run.backend} {run.size:,} | {r.query.kind} | {show(r.query.text)} | "
                   f"{_ms(percentile(r.search_ms, 50))} | {_ms(max(r.search_ms))} | "
                   f"{_ms(percentile(r.naive_ms, 50))} | {r.hits} |")

    yield "\n## Result checks\n"
    problems = [(run, r) for run in runs for r in run.results if r.error or r.problem]
    if not problems:
        yield "Every query found what it should (and no query raised)."
    for run, r in problems:
        yield (f"- {run.backend} {run.size:,}, {r.query.kind} {show(r.query.text)}: "
               f"{f'raised {r.error}' if r.error else r.problem}")
    yield ""
    for run in runs:
        empty = [show(r.query.text, 30) for r in run.results if not r.hits and r.query.kind != "no match"]
        yield f"- {run.backend} {run.size:,}: queries with no hits (other than no-match ones): " + (
            ", ".join(empty) or "none")

    by_size: dict[int, list[Run]] = {}
    for run in runs:
        by_size.setdefault(run.size, []).append(run)
    pairs = [group for group in by_size.values() if len(group) == 2]
    if pairs:
        yield "\n## Backend agreement (same query, same data)\n"
    for first, second in pairs:
        same_top = sum(a.top[:1] == b.top[:1] for a, b in zip(first.results, second.results, strict=True))
        same_set = sum(set(a.top) == set(b.top) for a, b in zip(first.results, second.results, strict=True))
        differ = [show(a.query.text, 30) for a, b in zip(first.results, second.results, strict=True)
                  if a.top[:1] != b.top[:1]]
        yield (f"- {first.size:,} profiles: same top hit for {same_top}/{len(queries)} queries, same top-10 "
               f"set for {same_set}/{len(queries)}" + (f"; top hit differs for {', '.join(differ)}" if differ
                                                       else "") + ".")


def to_json(runs: Sequence[Run], info: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    return {
        "machine": info,
        "settings": {"repeat": args.repeat, "seed": args.seed, "build": args.build, "order": args.order},
        "runs": [{
            "backend": run.backend, "size": run.size, "build_seconds": run.build_seconds,
            "rows_per_second": run.rows_per_second, "load_before": run.load_before,
            "load_after": run.load_after,
            "search_p50_ms": percentile(run.samples(), 50), "search_p99_ms": percentile(run.samples(), 99),
            "naive_p50_ms": percentile(run.samples(naive=True), 50),
            "naive_p99_ms": percentile(run.samples(naive=True), 99), "meets_bar": verdict(run),
            "queries": [{
                "kind": r.query.kind,
                "query": r.query.text if len(r.query.text) <= 200 else show(r.query.text),
                "search_ms": r.search_ms, "naive_ms": r.naive_ms, "hits": r.hits, "naive_hits": r.naive_hits,
                "top": r.top, "top_names": r.top_names, "error": r.error, "problem": r.problem,
            } for r in run.results],
        } for run in runs],
    }


# ------------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="directory sizes, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite and/or postgresql")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query (after one warm-up)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help="PostgreSQL database to use; its schema `public` is DROPPED and recreated")
    parser.add_argument("--workdir", type=Path, help="where SQLite files and CSVs go (default: a temp dir, "
                        "removed afterwards)")
    parser.add_argument("--seed", type=int, default=42, help="demo-data seed")
    parser.add_argument("--build", choices=("demo-data", "csv", "in-process"), default="demo-data",
                        help="demo-data: `leaders demo-data` subprocess; csv: time `leaders import` of the "
                        "demo CSV; in-process: generate_rows + upsert_leaders in this process")
    parser.add_argument("--order", choices=("interleaved", "blocks"), default="interleaved",
                        help="interleaved: each search beside its naive scan (default); blocks: per repeat, "
                             "all searches, then all scans (no search right after a full-table scan)")
    parser.add_argument("--json", type=Path, help="also write raw results (every latency) to this file")
    parser.add_argument("--reuse", action="store_true", help="measure the directories an earlier run left "
                        "in --workdir (and --pg-url) again, without building (no import figure)")
    args = parser.parse_args(argv)
    args.size_list = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.backend_list = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backend_list) - {"sqlite", "postgresql"}
    if unknown or not args.backend_list or not args.size_list or min(args.size_list) < 1 or args.repeat < 1:
        parser.error("need sizes >= 1, --repeat >= 1 and backends from: sqlite, postgresql")
    if args.reuse and not args.workdir:
        parser.error("--reuse needs the --workdir of the run that built the directories")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    pg_version = postgres_version(args.pg_url) if "postgresql" in args.backend_list else None
    info = machine(pg_version)
    queries = build_queries(list(generate_rows(min(NAME_SOURCE_ROWS, *args.size_list), args.seed)))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="leaders-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    try:
        for size in args.size_list:
            for backend in args.backend_list:
                if not args.reuse:
                    print(f"[{backend} {size:,}] building with {args.build} …", file=sys.stderr, flush=True)
                url, seconds = prepare(backend, size, args, workdir)
                built = "reused" if args.reuse else f"built in {seconds:.1f} s ({size / seconds:,.0f} rows/s)"
                print(f"[{backend} {size:,}] {built}; measuring {len(queries)} queries × {args.repeat} …",
                      file=sys.stderr, flush=True)
                database = Database(url)
                before = os.getloadavg()
                results = measure(database, queries, args.repeat, args.order)
                runs.append(Run(backend, size, seconds, args.build, results, before, os.getloadavg()))
                database.dispose()
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n".join(report(runs, queries, args, info)))
    if args.json:
        args.json.write_text(json.dumps(to_json(runs, info, args), indent=1, ensure_ascii=False))
        print(f"\nRaw results written to {args.json}.")


if __name__ == "__main__":
    main()
