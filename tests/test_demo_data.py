"""The synthetic demo directory: deterministic, unique emails, canonical sectors, realistic messy names."""

from __future__ import annotations

import unicodedata

from directory.demo_data import CSV_COLUMNS, ORGANISATIONS, generate_rows
from directory.sectors import SECTORS

CANONICAL_SECTORS = {sector.key for sector in SECTORS}
REQUIRED = ("email", "full_name", "role", "organisation", "sector")


def _ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.encode("ascii", "ignore").decode()


def test_same_seed_gives_identical_rows() -> None:
    assert list(generate_rows(500, seed=7)) == list(generate_rows(500, seed=7))


def test_default_seed_is_stable() -> None:
    assert list(generate_rows(50)) == list(generate_rows(50, seed=42))


def test_different_seeds_give_different_directories() -> None:
    first = list(generate_rows(200, seed=1))
    second = list(generate_rows(200, seed=2))
    assert first != second
    assert {r["email"] for r in first} != {r["email"] for r in second}


def test_generates_exactly_count_rows_lazily() -> None:
    assert list(generate_rows(0)) == []
    assert sum(1 for _ in generate_rows(123)) == 123
    rows = generate_rows(10**9)  # a generator: nothing is built up front
    assert set(next(rows)) == set(CSV_COLUMNS)


def test_emails_unique_case_insensitively_and_ascii() -> None:
    emails = [row["email"] for row in generate_rows(20_000, seed=3)]
    assert len({e.lower() for e in emails}) == len(emails)
    for email in emails:
        assert email.isascii()
        local, _, domain = email.partition("@")
        assert local and "." in domain and " " not in email and "'" not in email


def test_rows_have_every_column_as_str_and_required_values() -> None:
    for row in generate_rows(5_000, seed=11):
        assert tuple(row) == CSV_COLUMNS
        assert all(isinstance(value, str) for value in row.values())
        for column in REQUIRED:
            assert row[column].strip(), (column, row)
        assert len(row["bio"]) <= 400


def test_every_sector_is_canonical_and_all_are_used() -> None:
    sectors = {row["sector"] for row in generate_rows(5_000, seed=5)}
    assert sectors <= CANONICAL_SECTORS
    assert sectors == CANONICAL_SECTORS
    assert {org.sector for org in ORGANISATIONS} == CANONICAL_SECTORS


def test_accented_and_apostrophe_and_hyphenated_names_occur() -> None:
    names = [row["full_name"] for row in generate_rows(5_000, seed=9)]
    assert sum(name != _ascii_fold(name) for name in names) > 50
    assert any("'" in name or "\u2019" in name for name in names)
    assert any("-" in name for name in names)


def test_expertise_tags_are_non_empty() -> None:
    for row in generate_rows(5_000, seed=13):
        tags = row["expertise"].split(";")
        assert 2 <= len(tags) <= 5
        assert all(tag.strip() and tag == tag.strip() for tag in tags)
        assert len(set(tags)) == len(tags)


def test_phone_and_cohort_shapes() -> None:
    rows = list(generate_rows(2_000, seed=17))
    phones = [row["phone"] for row in rows if row["phone"]]
    assert 0 < len(phones) < len(rows)
    assert all(p.startswith(("+44 7700 900", "+44 20 7946 0")) and len(p) in (15, 16) for p in phones)
    assert any(row["cohort"] == "" for row in rows)
    assert any(row["cohort"] for row in rows)
