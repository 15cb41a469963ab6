"""CSV import and export: good files, every kind of bad row, and the round trip."""

from __future__ import annotations

import io

from directory.csv_io import parse_csv, write_csv
from directory.database import Database
from directory.people import all_leaders, by_email, count, upsert_leaders
from tests.helpers import SAMPLE_CSV, load_sample

HEADER = "email,full_name,role,organisation,sector\n"


def test_good_file_imports_every_row_with_normalised_sectors(db: Database) -> None:
    load_sample(db)
    with db.session() as session:
        assert count(session) == 12
        alex = by_email(session, "ALEX.SMITH-JONES@NHS.NET")  # emails match case-insensitively
        assert alex is not None and alex.sector == "health" and alex.full_name == "Alex Smith-Jones"
        assert by_email(session, "pat.nurse@cardiff.gov.uk").sector == "local-government"  # "Council"
        assert alex.expertise_list == ["workforce", "mental health"]


def test_header_any_order_bom_and_optional_columns(db: Database) -> None:
    data = ("\ufeffsector,organisation,role,full_name,email,Region\n"
            "nhs,NHS England,Chief Executive,Amanda Prichard,amanda@nhs.net,National\n").encode()
    parsed = parse_csv(data)
    assert parsed.ok, parsed.errors
    assert parsed.rows[0].region == "National" and parsed.rows[0].sector == "health"


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(db: Database) -> None:
    data = (HEADER +
            "ok@x.gov.uk,Ok Person,Chief Executive,Some Council,council\n"            # line 2: fine
            "not-an-email,Bad Email,Chief Executive,Some Council,council\n"           # line 3
            "OK@X.GOV.UK,Duplicate,Chief Executive,Some Council,council\n"            # line 4
            "missing@x.gov.uk,,Chief Executive,Some Council,council\n"                # line 5
            "sector@x.gov.uk,Bad Sector,Chief Executive,Some Council,spaceflight\n"   # line 6
            "short@x.gov.uk,Too Few Values\n"                                         # line 7
            "\n"                                                                      # line 8: blank, skipped
            '"multi@x.gov.uk","Multi\nLine",Chief,Org,council\n'                      # lines 9-10: fine
            "last@x.gov.uk,Last,Chief,Org,polcing\n").encode()                        # line 11: typo fixed
    parsed = parse_csv(data)
    assert parsed.errors == [
        "line 3: email 'not-an-email' is not a valid address",
        "line 4: email 'OK@X.GOV.UK' already appears on line 2",
        "line 5: full_name is empty",
        "line 6: unknown sector 'spaceflight' (expected one of: central-government, health, policing, "
        "local-government, devolved-government, fire-and-rescue, education, justice, defence, "
        "arms-length-body)",
        "line 7: 2 values but the header has 5 columns (a stray comma? quote values that contain commas)",
    ]
    assert [r.email for r in parsed.rows] == ["ok@x.gov.uk", "multi@x.gov.uk", "last@x.gov.uk"]
    assert parsed.rows[-1].sector == "policing"
    with db.session() as session:
        assert count(session) == 0


def test_header_problems(db: Database) -> None:
    parsed = parse_csv(b"email,full_name,role,organization\nx@y.uk,A,B,C\n")
    assert parsed.errors == ["line 1: unknown column 'organization' (did you mean 'organisation'?)",
                             "line 1: missing required column(s): organisation, sector"]
    assert parse_csv(b"").errors == ["line 1: the file is empty; the first row must name the columns"]
    assert parse_csv(HEADER.encode()).errors == ["line 2: the file has a header but no leaders"]


def test_undecodable_and_nul_bytes_are_named(db: Database) -> None:
    latin1 = (HEADER + "a@b.uk,Se\xe1n,Chief,Org,council\n").encode("latin-1")
    assert parse_csv(latin1).errors == ["line 2: not valid UTF-8 (save the file as 'CSV UTF-8')"]
    nul = (HEADER + "a@b.uk,Sean\x00,Chief,Org,council\n").encode()
    errors = parse_csv(nul).errors
    assert len(errors) == 1 and errors[0].startswith("line 2: ")


def test_bad_phone_and_overlong_values(db: Database) -> None:
    data = ("email,full_name,role,organisation,sector,phone\n"
            f"a@b.uk,{'N' * 201},Chief,Org,council,call me maybe\n").encode()
    assert parse_csv(data).errors == [
        "line 2: full_name is longer than 200 characters; phone 'call me maybe' is not a phone number"]


def test_reimport_updates_by_email_and_reports_unchanged(db: Database) -> None:
    load_sample(db)
    changed = SAMPLE_CSV.read_text().replace("Runs a large Welsh council.", "Runs Cardiff Council.")
    parsed = parse_csv(changed.encode())
    with db.session() as session:
        counts = upsert_leaders(session, parsed.rows)
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 11)


def test_round_trip_export_then_import_changes_nothing(db: Database) -> None:
    load_sample(db)
    out = io.StringIO()
    with db.session() as session:
        assert write_csv(all_leaders(session), out) == 12
    parsed = parse_csv(out.getvalue().encode())
    assert parsed.ok, parsed.errors
    with db.session() as session:
        counts = upsert_leaders(session, parsed.rows)
        assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 12)
        again = io.StringIO()
        write_csv(all_leaders(session), again)
    assert again.getvalue() == out.getvalue()
