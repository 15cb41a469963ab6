"""Fixtures for Teams end-to-end tests: a fake Bot Connector and settings with no stray Teams config.

`settings` is local unauthenticated mode (LEADERS_TEAMS_INSECURE_LOCAL, loopback serviceUrls only) with
the test tenant admitted and owning the sample directory's domains; tests/test_teams_auth.py and
tests/test_teams_trust.py run the same server with real JWTs.

Loaded through `pytest_plugins` in conftest.py; a module that needs something else defines its own
fixture of the same name, which takes precedence.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from directory.clock import FakeClock
from directory.database import Database
from directory.settings import Settings
from tests.fake_entra import FakeEntra
from tests.fakes_teams import FakeConnector, FakeIdentityServer, FakeTokenServer
from tests.helpers import load_sample
from tests.teams_server import CLEAN_ENV, LOCAL, connector_server


@pytest.fixture
def connector() -> Iterator[tuple[FakeConnector, str]]:
    yield from connector_server()


@pytest.fixture
def settings(db: Database, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for the test database, the sample directory loaded, no Teams variables inherited."""
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)
    load_sample(db)
    return Settings(LEADERS_DATABASE_URL=db.url, _env_file=None, **LOCAL)  # type: ignore[call-arg]


@pytest.fixture
def identity() -> Iterator[FakeIdentityServer]:
    """Bot Framework's OpenID metadata and signing keys on loopback, and a minter of channel tokens."""
    server = FakeIdentityServer()
    server.server.start()
    yield server
    server.server.stop()


@pytest.fixture
def token_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTokenServer]:
    """The Entra token endpoint the bot's own outbound token comes from (trusted via REQUESTS_CA_BUNDLE)."""
    server = FakeTokenServer(tmp_path)
    server.server.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.cert_path)
    yield server
    server.server.stop()


@pytest.fixture
def entra(clock: FakeClock) -> Iterator[FakeEntra]:
    """Microsoft Entra for the Teams tab's SSO: OpenID metadata and a key set on loopback, and a minter
    of tab access tokens on the test clock (tests/fake_entra.py)."""
    server = FakeEntra(clock.now())
    server.server.start()
    yield server
    server.server.stop()
