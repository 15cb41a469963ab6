"""The candidates a search ranks are chosen the same way on SQLite and PostgreSQL (search_pool.py): the
heaviest field first, each field in leader id order, whatever order the rows happen to lie in on disk;
and a filter means the same whether it is SQL on the leader row (SQLite) or lexemes in the index
(PostgreSQL)."""

from __future__ import annotations

import pytest

from directory.clock import FakeClock
from directory.database import Database
from directory.people import LeaderInput, by_email, update_own_profile, upsert_leaders
from directory.search import POOL, search

MANY = POOL + 10


def _nurse(n: int, bio: str = "") -> LeaderInput:
    # Later rows get alphabetically earlier names, so "first by name" and "first by id" disagree.
    surname = chr(ord("z") - n // 26) + chr(ord("z") - n % 26)
    return LeaderInput(email=f"n{n:02d}@x.gov.uk", full_name=f"Nia {surname}", role="Chief Nurse",
                       organisation="Example Trust", sector="health", bio=bio)


def test_when_more_match_than_the_pool_the_lowest_ids_are_ranked(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        upsert_leaders(session, [_nurse(n) for n in range(MANY)])
    with db.session() as session:  # rewrite the first rows: PostgreSQL moves them to the end of its heap
        upsert_leaders(session, [_nurse(n, bio="Updated.") for n in range(POOL)])
    with db.session() as session:
        found = [hit.leader.email for hit in search(session, "chief nurse", limit=10)]
        pool = {hit.leader.email for hit in search(session, "chief nurse", limit=POOL)}
    # Everyone ties but for the name: the pool is the POOL lowest ids, then ranked by name.
    assert pool == {f"n{n:02d}@x.gov.uk" for n in range(POOL)}
    assert found == [f"n{n:02d}@x.gov.uk" for n in range(POOL - 1, POOL - 11, -1)]


def _leader(key: str, org: str, region: str = "London", cohort: str = "", expertise: str = "") -> LeaderInput:
    return LeaderInput(email=f"{key}@x.gov.uk", full_name=f"Sam {key.title()}", role="Director of Place",
                       organisation=org, sector="local-government", region=region, cohort=cohort,
                       expertise=expertise)


@pytest.fixture
def places(db: Database) -> Database:
    with db.session() as session:
        upsert_leaders(session, [
            _leader("manc", "Greater Manchester Combined Authority", "North West", "2024 Spring", "net zero"),
            _leader("chester", "Chester Council", "North West", "2023 Autumn", "zero waste"),
            _leader("isle", "Isle Council", "Isle of Atlantis", "2024 Autumn", "netball"),
            _leader("hidden", "Manchester City Council", "North West", "2024 Spring", "net zero")])
        hidden = by_email(session, "hidden@x.gov.uk")
        assert hidden is not None
        update_own_profile(session, hidden, {}, {"organisation": "staff", "cohort": "staff",
                                                 "expertise": "staff"})
    return db


@pytest.mark.parametrize(("query", "expected"), [
    ("director org:manc", {"manc"}),  # at the start of a word …
    ("director org:chester", {"chester"}),  # … so "Manchester" is not a Chester
    ('director org:"greater manc"', {"manc"}),
    ('director org:"manchester combined"', {"manc"}),
    ('director org:"er manc"', set()),
    ('director cohort:"2024 spr"', {"manc"}),
    ("director cohort:autumn", {"chester", "isle"}),
    ("director cohort:utumn", set()),
    ('director tag:"net"', {"manc", "isle"}),  # a tag by its start (netball too) …
    ("director tag:zero", {"chester"}),  # … the whole tag, not any word of it
    ('director region:"north west"', {"manc", "chester", "hidden"}),  # the region is shown by all
    ("director region:atlantis", {"isle"}),  # not a known region: at a word's start
    ("director region:lantis", set()),
    ('director sector:"local government" org:council', {"chester", "isle"}),
    ("director org:manc org:isle", {"manc", "isle"}),  # any value of one filter
    ("director org:council cohort:2024", {"isle"}),  # every filter
])
def test_filters_with_words_mean_what_they_mean_alone(places: Database, query: str,
                                                      expected: set[str]) -> None:
    with places.session() as session:
        found = {hit.leader.email.split("@")[0] for hit in search(session, query)}
        alone = {hit.leader.email.split("@")[0] for hit in search(session, query.replace("director ", ""))}
    assert found == expected
    assert alone == expected  # (the filters-only path is plain SQL on both backends)


def test_hostile_filter_values_are_only_values(places: Database) -> None:
    with places.session() as session:
        for query in ("director org:\"a' | 's=health\"", "director tag:\"zz'\\\"",
                      "director cohort:\"qq):* | !\"", "director region:\"'r=atlantis' | 'q'\""):
            assert search(session, query) == [], query
