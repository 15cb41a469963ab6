"""Fixtures for Slack end-to-end tests: a fake Slack Web API and the real server wired to it.

Loaded for every test module through `pytest_plugins` in conftest.py; a module that needs a different
fake (other users, other failures) defines its own fixture of the same name, which takes precedence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from directory.database import Database
from tests.helpers import load_sample
from tests.slack_fakes import FakeSlack, RunningServer, start_server, stop_server

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(emails={AINE[0]: AINE[1], "USTRANGER": "stranger@example.com"}).start()
    yield fake
    await fake.stop()


@pytest.fixture
async def server(db: Database, database_url: str, fake_slack: FakeSlack) -> AsyncIterator[RunningServer]:
    """The real application (sample directory loaded) with Slack pointed at `fake_slack`."""
    load_sample(db)
    running = await start_server(database_url, fake_slack)
    yield running
    await stop_server(running)
