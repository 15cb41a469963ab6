"""A few of benchmarks/relevance.py's judged queries, kept as regression cases on both backends: the
judgements come from the demo generator's ground truth, the figures must not fall below what the
benchmark recorded for these kinds (docs/PERFORMANCE.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from directory.database import Database
from directory.demo_data import generate_rows
from directory.people import LeaderInput, upsert_leaders
from directory.search import search

_SPEC = importlib.util.spec_from_file_location(
    "relevance", Path(__file__).parents[1] / "benchmarks" / "relevance.py")
assert _SPEC and _SPEC.loader
relevance = importlib.util.module_from_spec(_SPEC)
sys.modules["relevance"] = relevance  # dataclasses look their module up
_SPEC.loader.exec_module(relevance)

KINDS = ("role", "role typo", "organisation", "role + sector:", "role + region:", "short form", "surname")


def test_judged_queries_rank_the_best_first(db: Database) -> None:
    rows = list(generate_rows(600, 42))
    with db.session() as session:
        upsert_leaders(session, [LeaderInput(**row) for row in rows])
    index = {row["email"].lower(): n for n, row in enumerate(rows)}
    judged = [q for q in relevance.judged_queries(rows) if q.kind in KINDS]
    assert len(judged) >= 30
    failures = []
    ndcgs = []
    for query in judged:
        grades = [query.grade(row) for row in rows]
        if not any(grades):
            continue
        with db.session() as session:
            found = [index[hit.leader.email_key] for hit in search(session, query.query, limit=10)]
        ndcg, recall = relevance.ndcg_at(found, grades), relevance.recall_at(found, grades)
        ndcgs.append(ndcg)
        if recall < 1.0 and query.kind != "short form":
            failures.append((query.kind, query.query, round(ndcg, 2), recall))
    assert not failures, failures
    assert sum(ndcgs) / len(ndcgs) >= 0.9


@pytest.mark.parametrize(("found", "grades", "expected"), [
    ([0, 1], [3, 1, 0], 1.0), ([1, 0], [3, 1, 0], pytest.approx(0.71, abs=0.01)), ([2], [3, 0, 0], 0.0)])
def test_ndcg_arithmetic(found: list[int], grades: list[int], expected: float) -> None:
    assert relevance.ndcg_at(found, grades) == expected
