"""Shared fixtures: a real database per test — a SQLite file, or PostgreSQL when
LEADERS_TEST_DATABASE_URL is set (`.ci/run` runs the whole suite once each way)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from directory import clock as app_clock
from directory.database import Database

pytest_plugins = ["tests.slack_fixtures", "tests.teams_fixtures", "tests.real_browser_fixtures"]

POSTGRES_URL = os.environ.get("LEADERS_TEST_DATABASE_URL", "")
_TABLES_IN_DELETE_ORDER = ("digest_sent", "digest_preference", "announcement", "content_item",
                           "content_topic",
                           "poll_comment", "poll_ballot", "poll_participation", "poll_recipient",
                           "poll_option", "poll", "outbox_message", "delivery_lane", "seen_request",
                           "erasure_suppression", "app_secret",
                           "introduction", "intro_block", "intro_delegate",
                           "audit_event", "access_link", "erasure_request", "usage_counter", "staff_member",
                           "teams_conversation", "chat_account", "leader_tag",
                           "leader_search", "search_term", "search_synonym", "search_state", "leader",
                           "slack_installations", "slack_bots", "slack_oauth_states")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database backend: {'postgresql (' + POSTGRES_URL + ')' if POSTGRES_URL else 'sqlite (file)'}"


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[str]:
    """Recreate the test database's schema once per run, then migrate it to head."""
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    database = Database(POSTGRES_URL)
    database.upgrade()
    database.dispose()
    yield POSTGRES_URL


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if POSTGRES_URL:
        url = request.getfixturevalue("_postgres_schema")
        engine = create_engine(url)
        with engine.begin() as connection:
            tables = ", ".join(_TABLES_IN_DELETE_ORDER)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path / 'leaders.db'}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.ensure_ready()
    yield database
    database.dispose()


@pytest.fixture
def leaders(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run `leaders ARGS…` in a clean directory (no stray .env) against the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env["LEADERS_DATABASE_URL"] = database_url

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "adapters.cli", *args], cwd=tmp_path, env=env,
                              input=stdin, capture_output=True, text=True, timeout=120)
    return run


# The moment every test that shows a date or counts a day runs at: far from today, so a reply that
# rendered the real date instead could never match a golden file by luck.
FIXED_NOW = datetime(2030, 1, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[app_clock.FakeClock]:
    """The application's clock fixed at FIXED_NOW for this test (advance it by hand); restored after."""
    with app_clock.installed(app_clock.FakeClock(FIXED_NOW)) as fake:
        yield fake  # type: ignore[misc]
