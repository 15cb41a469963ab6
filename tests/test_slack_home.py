"""The Slack App Home tab: opening it (a signed `app_home_opened` event) publishes the leader's own profile
and digest settings with a button that opens the settings modal; a changed setting shows the next time the
tab opens; someone not in the directory sees the usual welcome and nothing personal."""

from __future__ import annotations

from typing import Any

from tests.content_helpers import topics
from tests.slack_fakes import FakeSlack, RunningServer, texts
from tests.slack_limits import check_modal

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")


def home_opened(user: str = AINE[0]) -> dict:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
            "event_ts": "1700000000.000300"}


def button(view: dict[str, Any], label: str) -> dict[str, Any]:
    for block in view["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element
    raise AssertionError(f"no {label!r} button in {texts(view['blocks'])}")


async def open_home(server: RunningServer, fake_slack: FakeSlack, event_id: str) -> dict[str, Any]:
    before = len(fake_slack.called("views.publish"))
    status, _ = await server.event(home_opened(), event_id)
    assert status == 200
    published = (await fake_slack.wait_for(lambda: len(fake_slack.called("views.publish")) > before))
    call = fake_slack.called("views.publish")[-1]
    assert published and call.body["user_id"] == AINE[0]
    return call.body["view"]


async def test_the_home_tab_shows_the_digest_settings_and_opens_the_settings_modal(
        server: RunningServer, fake_slack: FakeSlack, db: Any) -> None:
    topics(db)
    view = await open_home(server, fake_slack, "Ev0HOMESET1")
    assert view["type"] == "home"
    seen = texts(view["blocks"])
    assert "Áine Ní Bhriain" in seen  # her own profile, as before
    assert "Your digest settings" in seen and "Monday" in seen and "08:00" in seen
    assert "Europe/London" in seen and "all topics" in seen.lower()
    pressed = button(view, "Change settings")
    status, _ = await server.press(pressed["value"], AINE[0], response_url=None,
                                   action_id=pressed["action_id"])
    assert status == 200
    opened = (await fake_slack.wait_for(lambda: fake_slack.called("views.open")))[-1]
    modal = opened.body["view"]
    check_modal(modal)
    assert modal["type"] == "modal" and "Time zone" in texts(modal["blocks"])

    await server.slash("settings digest daily 07:30", AINE[0], response_url=fake_slack.response_url("d"))
    await fake_slack.wait_for(lambda: fake_slack.responses)
    again = texts((await open_home(server, fake_slack, "Ev0HOMESET2"))["blocks"])
    assert "daily at 07:30" in again.lower() or ("daily" in again.lower() and "07:30" in again)


async def test_someone_not_in_the_directory_gets_the_welcome_and_nothing_personal(
        server: RunningServer, fake_slack: FakeSlack) -> None:
    status, _ = await server.event(home_opened("USTRANGER"), "Ev0HOMESTR")
    assert status == 200
    (published,) = await fake_slack.wait_for(lambda: fake_slack.called("views.publish"))
    seen = texts(published.body["view"]["blocks"])
    assert "Welcome to Leaders Connect" in seen and "don't recognise this account" in seen
    assert "digest settings" not in seen.lower() and "Change settings" not in seen
    assert "Europe/London" not in seen
