"""Configuration: DESIGN's variable names, sensible defaults, and clear refusals."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from directory.settings import DEFAULT_DATABASE_URL, Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    for name in list(os.environ):
        if name.startswith(("LEADERS_", "SLACK_", "MICROSOFT_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_run_on_embedded_sqlite() -> None:
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL and settings.is_sqlite
    assert (settings.host, settings.port) == ("127.0.0.1", 3978)
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.turn_threads == 2
    assert (settings.turn_processes, settings.turn_nice) == (2, 0)


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("LEADERS_PORT=8080\nLEADERS_STAFF_EMAILS=A@x.uk, b@y.uk\n")
    monkeypatch.setenv("LEADERS_DATABASE_URL", "postgresql://u@db/leaders")
    settings = Settings()
    assert settings.port == 8080
    assert settings.staff_email_set == {"a@x.uk", "b@y.uk"}
    assert settings.database_url == "postgresql+psycopg://u@db/leaders"  # psycopg 3 is the shipped driver


@pytest.mark.parametrize(("env", "message"), [
    ({"LEADERS_PORT": "eighty"}, "LEADERS_PORT"),
    ({"LEADERS_PORT": "70000"}, "LEADERS_PORT"),
    ({"LEADERS_TURN_THREADS": "0"}, "LEADERS_TURN_THREADS"),
    ({"LEADERS_TURN_PROCESSES": "-1"}, "LEADERS_TURN_PROCESSES"),
    ({"LEADERS_TURN_NICE": "20"}, "LEADERS_TURN_NICE"),
    ({"LEADERS_DATABASE_URL": "mysql://x"}, "must start with sqlite"),
    ({"LEADERS_PUBLIC_URL": "leaders.gov.uk"}, "absolute http(s) URL"),
    ({"SLACK_CLIENT_ID": "1"}, "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together"),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is required"),
    ({"MICROSOFT_APP_ID": "abc"}, "MICROSOFT_APP_PASSWORD is required"),
    ({"MICROSOFT_APP_TYPE": "Both"}, "MultiTenant, SingleTenant"),
    ({"MICROSOFT_APP_ID": "a", "MICROSOFT_APP_PASSWORD": "p", "MICROSOFT_APP_TYPE": "singletenant"},
     "MICROSOFT_APP_TENANT_ID is required: MICROSOFT_APP_TYPE is SingleTenant, so"),
    ({"MICROSOFT_APP_ID": "a", "MICROSOFT_APP_PASSWORD": "p"},  # the default type says what to set
     "MICROSOFT_APP_TENANT_ID is required: MICROSOFT_APP_TYPE is SingleTenant (the default).*MultiTenant"),
    ({"MICROSOFT_APP_ID": "a", "MICROSOFT_APP_TYPE": "UserAssignedMSI"},
     "MICROSOFT_APP_TENANT_ID is required"),
    ({"LEADERS_TEAMS_CONVERSATION_PER_2S": "0"}, "LEADERS_TEAMS_CONVERSATION_PER_2S"),
])
def test_bad_values_are_refused_with_the_variable_named(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                        message: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings()


def test_teams_is_single_tenant_by_default_and_multi_tenant_on_request() -> None:
    """New Azure Bot registrations are single-tenant (multi-tenant creation ended 31 July 2025)."""
    assert Settings().microsoft_app_type == "SingleTenant"
    single = Settings(MICROSOFT_APP_ID="a", MICROSOFT_APP_PASSWORD="p", MICROSOFT_APP_TENANT_ID="t")
    assert (single.microsoft_app_type, single.microsoft_app_tenant_id) == ("SingleTenant", "t")
    legacy = Settings(MICROSOFT_APP_ID="a", MICROSOFT_APP_PASSWORD="p", MICROSOFT_APP_TYPE="MultiTenant")
    assert legacy.microsoft_app_type == "MultiTenant"


def test_local_mode_needs_no_tenant_and_runs_the_sdk_without_credentials() -> None:
    """LEADERS_TEAMS_INSECURE_LOCAL has no app id, so the SingleTenant default asks for no tenant id, and
    the SDK is configured the one way it allows authentication off (MultiTenant, no credentials); with an
    app id the configured type and tenant go to the SDK as they are."""
    from adapters.teams.config import sdk_configuration

    local = Settings(LEADERS_TEAMS_INSECURE_LOCAL=True)  # type: ignore[call-arg]
    config = sdk_configuration(local)
    assert (config.APP_ID, config.APP_PASSWORD, config.APP_TYPE, config.APP_TENANTID) == \
        ("", "", "MultiTenant", None)
    single = sdk_configuration(Settings(MICROSOFT_APP_ID="a", MICROSOFT_APP_PASSWORD="p",
                                        MICROSOFT_APP_TENANT_ID="t"))
    assert (single.APP_TYPE, single.APP_TENANTID) == ("SingleTenant", "t")
    with pytest.raises(ValidationError, match="LEADERS_TEAMS_INSECURE_LOCAL turns Teams authentication off"):
        Settings(LEADERS_TEAMS_INSECURE_LOCAL=True, MICROSOFT_APP_ID="a",  # type: ignore[call-arg]
                 MICROSOFT_APP_PASSWORD="p", MICROSOFT_APP_TENANT_ID="t")
