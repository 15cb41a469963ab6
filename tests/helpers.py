"""Small helpers shared by tests: loading the sample directory through the real import path."""

from __future__ import annotations

from pathlib import Path

from directory.csv_io import parse_csv
from directory.database import Database
from directory.people import upsert_leaders

SAMPLE_CSV = Path(__file__).with_name("data") / "sample_leaders.csv"


def load_sample(db: Database) -> None:
    parsed = parse_csv(SAMPLE_CSV.read_bytes())
    assert parsed.ok, parsed.errors
    with db.session() as session:
        upsert_leaders(session, parsed.rows)
