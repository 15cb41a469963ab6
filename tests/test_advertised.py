"""The manifests, the Home tab and help offer only what works: a command whose feature is not built yet
(`intro`, `polls`, `digest`, …) is understood when typed, but never advertised."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

import bot.engine  # noqa: F401  (registers the commands)
from bot.commands import REGISTRY
from bot.usecases.help import help_reply
from tests.slack_fakes import FakeSlack, RunningServer, texts

ROOT = Path(__file__).resolve().parents[1]
BUILT = {c.name for c in REGISTRY.values() if c.handler is not None and not c.staff_only}
NOT_BUILT = {c.name for c in REGISTRY.values() if c.handler is None}
# What the unbuilt commands are about, as a reader would see it promised.
PROMISES = re.compile(r"\b(polls?)\b", re.IGNORECASE)


# Teams shows at most 10 commands in a list; these working ones are left to help and the Home tab.
UNLISTED = {"mydata", "library", "digest", "web"}
TEAMS_MAX_COMMANDS = 10


def test_the_teams_command_list_is_exactly_the_commands_that_work() -> None:
    manifest = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    (commands,) = [c["commands"] for c in manifest["bots"][0]["commandLists"]]
    assert len(commands) <= TEAMS_MAX_COMMANDS
    assert {c["title"].split()[0] for c in commands} == BUILT - UNLISTED
    for listed in commands:
        assert REGISTRY[listed["title"].split()[0]].summary == listed["description"]
    assert not PROMISES.search(manifest["description"]["full"] + manifest["description"]["short"])


def test_the_slack_manifest_promises_nothing_unbuilt() -> None:
    manifest = yaml.safe_load((ROOT / "adapters" / "slack" / "manifest.yaml").read_text(encoding="utf-8"))
    hint = manifest["features"]["slash_commands"][0]["usage_hint"]
    assert {word for word in re.findall(r"[a-z]+", hint) if word in REGISTRY} <= BUILT
    described = manifest["display_information"]["description"] + manifest["display_information"][
        "long_description"]
    assert not PROMISES.search(described)


def test_help_lists_only_commands_that_work() -> None:
    shown = " ".join(block.plain() for block in help_reply(is_staff=True).blocks)
    assert not any(f"`{name}" in shown for name in NOT_BUILT)  # every promised command is built now
    assert all(f"`{name}" in shown for name in BUILT)


async def test_the_slack_home_tab_promises_nothing_unbuilt(server: RunningServer,
                                                          fake_slack: FakeSlack) -> None:
    event = {"type": "app_home_opened", "user": "UAINE", "channel": "D0HOME", "tab": "home",
             "event_ts": "1700000000.000300"}
    await server.event(event, "Ev0ADVERT")
    (published,) = await fake_slack.wait_for(lambda: fake_slack.called("views.publish"))
    seen = texts(published.body["view"]["blocks"])
    assert "Áine Ní Bhriain" in seen and "Messages tab" in seen
    assert not PROMISES.search(seen), PROMISES.search(seen)
