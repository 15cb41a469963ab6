"""The Slack app manifest validates against Slack's published schema and asks only for what we use."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from adapters.slack.install import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "adapters" / "slack" / "manifest.yaml"
SCHEMAS = Path(__file__).with_name("schemas")  # vendored copies of ../shared/schemas


def load() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_manifest_validates_against_the_official_schema() -> None:
    manifest = load()
    major = manifest.get("_metadata", {}).get("major_version", 1)
    schema = json.loads((SCHEMAS / f"slack-manifest-{major}.0.0.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(json.loads(json.dumps(manifest))),
                    key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_scopes_are_exactly_what_the_adapter_requests() -> None:
    assert sorted(load()["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert "user" not in load()["oauth_config"]["scopes"]  # no user tokens: the bot acts only as itself


def test_one_url_serves_commands_interactivity_and_events_and_the_home_tab_is_on() -> None:
    manifest = load()
    settings = manifest["settings"]
    urls = {manifest["features"]["slash_commands"][0]["url"], settings["interactivity"]["request_url"],
            settings["event_subscriptions"]["request_url"]}
    assert urls == {"https://leaders.example.gov.uk/slack/events"}
    assert manifest["features"]["slash_commands"][0]["command"] == "/leaders"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "app_mention", "message.im", "app_uninstalled", "tokens_revoked"}
    assert manifest["oauth_config"]["redirect_urls"] == ["https://leaders.example.gov.uk/slack/oauth_redirect"]
