"""What search remembers between queries (document counts, staff's synonyms) is forgotten the moment the
directory changes — an import, a profile edit, a leaver, an erasure, a synonym — in this process or any
other, and never because of a change that was rolled back. On both backends."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from directory import search_cache, synonyms
from directory.clock import FakeClock
from directory.data_rights import erase
from directory.database import Database
from directory.leavers import mark_leaver
from directory.people import LeaderInput, by_email, update_own_profile, upsert_leaders
from directory.search import _idf, search
from directory.search_rank import Alternative


def nurse(key: str, **extra: str) -> LeaderInput:
    return LeaderInput(email=f"{key}@x.gov.uk", full_name=f"Nia {key.title()}", role="Chief Nurse",
                       organisation="Example Trust", sector="health", **extra)


@pytest.fixture
def nurses(db: Database) -> Database:
    with db.session() as session:
        upsert_leaders(session, [nurse("a"), nurse("b", expertise="cyber resilience")])
    return db


def never(session: Session, keys: list[str]) -> dict[str, int]:
    raise AssertionError(f"counted again: {keys}")


def remembered(db: Database, terms: list[str]) -> bool:
    """Whether this process still has the counts of `terms` for the database's current version."""
    with db.session(commit=False) as session:
        try:
            search_cache.counts(session, search_cache.version(session), terms, never)
        except AssertionError:
            return False
        return True


def version(db: Database) -> str | None:
    with db.session(commit=False) as session:
        return search_cache.version(session)


def test_a_search_remembers_its_counts_until_the_directory_changes(nurses: Database) -> None:
    with nurses.session() as session:
        assert search(session, "chief nurse")
    assert remembered(nurses, ["chief", "nurse"])  # a second search asks nothing
    with nurses.session() as session:
        search(session, "chief nurse")
    assert remembered(nurses, ["chief", "nurse"])
    with nurses.session() as session:  # an import
        upsert_leaders(session, [nurse("c")])
    assert not remembered(nurses, ["chief", "nurse"])


def _import(session: Session) -> None:
    upsert_leaders(session, [nurse("d")])


def _edit(session: Session) -> None:
    leader = by_email(session, "a@x.gov.uk")
    assert leader is not None
    update_own_profile(session, leader, {"role": "Director of Nursing"}, {})


def _hide(session: Session) -> None:
    leader = by_email(session, "b@x.gov.uk")
    assert leader is not None
    update_own_profile(session, leader, {}, {"expertise": "introduced"})


def _leaver(session: Session) -> None:
    leader = by_email(session, "a@x.gov.uk")
    assert leader is not None
    mark_leaver(session, leader, "cli:staff")


def _erase(session: Session) -> None:
    erase(session, "b@x.gov.uk", "cli:staff")


def _synonym(session: Session) -> None:
    synonyms.add(session, "qqn", "chief nurse")


@pytest.mark.parametrize("change", [_import, _edit, _hide, _leaver, _erase, _synonym],
                         ids=["import", "edit", "hide a field", "leaver", "erasure", "synonym"])
def test_every_kind_of_change_gives_a_new_version(nurses: Database, clock: FakeClock,
                                                  change: Callable[[Session], None]) -> None:
    before = version(nurses)
    with nurses.session() as session:
        search(session, "chief nurse")
    with nurses.session() as session:
        change(session)
    assert version(nurses) != before
    assert not remembered(nurses, ["chief", "nurse"])


def test_a_rolled_back_change_and_a_search_keep_the_version(nurses: Database) -> None:
    before = version(nurses)
    with nurses.session(commit=False) as session:  # a dry-run import
        upsert_leaders(session, [nurse("e")])
    with pytest.raises(RuntimeError), nurses.session() as session:
        upsert_leaders(session, [nurse("f")])
        raise RuntimeError("the import failed half way")
    with nurses.session() as session:
        search(session, "chief nurse")
    assert version(nurses) == before


def test_the_counts_follow_an_import(nurses: Database) -> None:
    """Ranking sees the directory as it is now: a rare word that becomes common weighs less."""
    def idf(term: str) -> float:  # the weight ranking gives the word
        with nurses.session(commit=False) as session:
            sqlite = session.get_bind().dialect.name == "sqlite"
            return _idf(session, sqlite, search_cache.version(session), [(Alternative((term,)),)])[term]

    rare = idf("resilience")
    with nurses.session() as session:
        upsert_leaders(session, [nurse(f"r{n}", expertise="resilience") for n in range(8)])
    assert idf("resilience") < rare


def test_another_process_s_synonym_is_seen_by_the_next_search(nurses: Database) -> None:
    other = Database(nurses.url)  # a second process's engine on the same database
    try:
        with nurses.session() as session:
            assert search(session, "qqn") == []  # (remembers that staff have no synonyms)
        with other.session() as session:
            synonyms.add(session, "qqn", "chief nurse")
        with nurses.session() as session:
            assert {hit.leader.email for hit in search(session, "qqn")} == {"a@x.gov.uk", "b@x.gov.uk"}
        with other.session() as session:
            synonyms.remove(session, "qqn")
        with nurses.session() as session:
            assert search(session, "qqn") == []
    finally:
        other.dispose()
