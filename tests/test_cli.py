"""The `leaders` command line, run as a real process against the test database."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SAMPLE_CSV


def test_help_on_every_command(leaders) -> None:  # type: ignore[no-untyped-def]
    top = leaders("--help")
    assert top.returncode == 0
    for name in ("serve", "chat", "import", "export", "search", "demo-data", "db"):
        assert name in top.stdout
        assert leaders(name, "--help").returncode == 0


def test_import_search_json_and_export(leaders, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = leaders("import", str(SAMPLE_CSV))
    assert result.returncode == 0, result.stderr
    assert "Imported 12 leaders: 12 new, 0 updated, 0 unchanged" in result.stdout

    found = leaders("search", "dirctor", "of", "finnance", "--json", "--limit", "5")
    assert found.returncode == 0, found.stderr
    rows = json.loads(found.stdout)
    assert {r["full_name"] for r in rows[:2]} == {"Áine Ní Bhriain", "Kim Chen"}
    assert set(rows[0]) >= {"email", "full_name", "role", "organisation", "sector", "region", "score"}

    exported = leaders("export")
    assert exported.returncode == 0
    emails = [row["email"] for row in csv.DictReader(io.StringIO(exported.stdout))]
    assert len(emails) == 12 and emails == sorted(emails, key=str.lower)
    out = tmp_path / "out.csv"
    assert leaders("export", "-o", str(out)).returncode == 0
    again = leaders("import", str(out))
    assert "0 new, 0 updated, 12 unchanged" in again.stdout


def test_bad_query_is_exit_2_with_one_line(leaders) -> None:  # type: ignore[no-untyped-def]
    result = leaders("search", "sector:spaceflight")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown sector 'spaceflight'" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_csv_lists_rows_and_imports_nothing(leaders, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text("email,full_name,role,organisation,sector\n"
                   "good@x.gov.uk,Good,Chief,Org,nhs\n"
                   "bad,Bad,Chief,Org,nhs\n"
                   "good@x.gov.uk,Again,Chief,Org,nhs\n")
    result = leaders("import", str(bad))
    assert result.returncode == 1
    assert "line 3: email 'bad' is not a valid address" in result.stderr
    assert "line 4: email 'good@x.gov.uk' already appears on line 2" in result.stderr
    assert "nothing was imported" in result.stderr
    assert json.loads(leaders("search", "good", "--json").stdout) == []


def test_dry_run_writes_nothing(leaders) -> None:  # type: ignore[no-untyped-def]
    result = leaders("import", "--dry-run", str(SAMPLE_CSV))
    assert result.returncode == 0 and "Would import 12 leaders: 12 new" in result.stdout
    assert json.loads(leaders("search", "nurse", "--json").stdout) == []


def test_demo_data_is_deterministic_and_loads(leaders, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = leaders("demo-data", "--count", "50", "--seed", "7", "-o", "-").stdout
    second = leaders("demo-data", "--count", "50", "--seed", "7", "-o", "-").stdout
    other = leaders("demo-data", "--count", "50", "--seed", "8", "-o", "-").stdout
    assert first == second != other
    assert len(list(csv.DictReader(io.StringIO(first)))) == 50
    loaded = leaders("demo-data", "--count", "50", "--seed", "7")
    assert loaded.returncode == 0 and "50 new" in loaded.stdout
    name = next(csv.DictReader(io.StringIO(first)))["full_name"]
    assert json.loads(leaders("search", name, "--json").stdout)[0]["full_name"] == name


def test_configuration_errors_are_one_line(leaders) -> None:  # type: ignore[no-untyped-def]
    env_run = subprocess.run([sys.executable, "-m", "adapters.cli", "search", "x"],
                             env={**os.environ, "LEADERS_DATABASE_URL": "mysql://nope"},
                             capture_output=True, text=True, timeout=60)
    assert env_run.returncode == 2
    assert "configuration: LEADERS_DATABASE_URL" in env_run.stderr and "Traceback" not in env_run.stderr


def test_db_upgrade_is_idempotent(leaders) -> None:  # type: ignore[no-untyped-def]
    assert leaders("db", "upgrade").returncode == 0
    again = leaders("db", "upgrade")
    assert again.returncode == 0 and "already current" in again.stdout


def test_chat_reads_stdin_like_a_terminal(leaders) -> None:  # type: ignore[no-untyped-def]
    leaders("import", str(SAMPLE_CSV))
    result = leaders("chat", "--as", "kim.chen@manchester.gov.uk", stdin="find obrien\n1\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "Seán O'Brien — Chief Constable, Police Scotland" in result.stdout
    assert "✓ Verified by staff import" in result.stdout


@pytest.mark.parametrize(("env", "sentence"), [
    ({"LEADERS_PORT": "abc"}, "LEADERS_PORT is 'abc', but it must be a whole number: set it in the "
                              "environment or in the .env file in this directory."),
    ({"LEADERS_SEARCH_LIMIT": "100"}, "LEADERS_SEARCH_LIMIT is '100', but it must be at most 50"),
    ({"LEADERS_TEAMS_INSECURE_LOCAL": "maybe"}, "it must be 1 or 0 (true or false)"),
    ({"SLACK_CLIENT_ID": "x"},
     "configuration: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together."),
    ({"LEADERS_METRICS_TOKEN": "short"}, "LEADERS_METRICS_TOKEN is set, but"),  # a secret is never echoed
])
def test_configuration_errors_read_as_sentences(env: dict[str, str], sentence: str) -> None:
    run = subprocess.run([sys.executable, "-m", "adapters.cli", "search", "x"], env={**os.environ, **env},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and sentence in run.stderr, run.stderr
    assert "Input should" not in run.stderr and "Value error" not in run.stderr and "short" not in run.stderr


def test_a_database_url_in_an_error_never_shows_its_password() -> None:
    from pydantic import ValidationError

    from adapters.cli.config_errors import sentences
    from directory.settings import Settings

    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, LEADERS_DATABASE_URL="mysql://admin:hunter2@db/x")  # type: ignore[call-arg]
    assert "hunter2" not in " ".join(sentences(caught.value))


def test_search_shows_every_email_whole_in_a_narrow_terminal(leaders, db) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import load_sample

    load_sample(db)
    run = subprocess.run([sys.executable, "-m", "adapters.cli", "search", "sector:central-government"],
                         env={**os.environ, "LEADERS_DATABASE_URL": db.url, "COLUMNS": "70"},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    for email in ("priya.patel@hmrc.gov.uk", "sam.harris@defra.gov.uk"):
        assert email in run.stdout  # on one line, not cut short with an ellipsis


def test_search_json_carries_every_field_staff_may_see(leaders, db) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import load_sample

    load_sample(db)
    [kim] = json.loads(leaders("search", "kim chen", "--json", "--limit", "1").stdout)
    assert {"email", "full_name", "role", "organisation", "sector", "region", "score"} <= set(kim)
    assert {"expertise", "bio", "phone", "cohort", "slack_user_id", "teams_user_id", "visibility",
            "verified", "verified_by", "id"} <= set(kim)
    assert kim["visibility"]["phone"] == "introduced" and isinstance(kim["expertise"], list)
