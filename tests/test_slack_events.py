"""Slack Events API end to end: the Home tab, DMs, @mentions, redeliveries, and Web API failures."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.slack.app import Background
from tests.slack_fakes import BOT_TOKEN, FakeSlack, RunningServer, texts

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")


def home_opened(user: str = AINE[0]) -> dict:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
            "event_ts": "1700000000.000300"}


async def test_opening_the_home_tab_publishes_the_leaders_own_profile(server: RunningServer,
                                                                      fake_slack: FakeSlack) -> None:
    status, _ = await server.event(home_opened(), "Ev0HOME1")
    assert status == 200
    published = (await fake_slack.wait_for(lambda: fake_slack.called("views.publish")))[0]
    assert published.body["user_id"] == "UAINE"
    assert published.authorization == f"Bearer {BOT_TOKEN}"
    view = published.body["view"]
    assert view["type"] == "home"
    seen = texts(view["blocks"])
    assert "Áine Ní Bhriain" in seen and "+44 7700 900101" in seen  # her own phone: she may see it
    assert "arrive here" in seen


async def test_slack_retries_of_an_event_do_not_publish_again(server: RunningServer,
                                                             fake_slack: FakeSlack) -> None:
    await server.event(home_opened(), "Ev0HOME2")
    await fake_slack.wait_for(lambda: fake_slack.called("views.publish"))
    for attempt, reason in (("1", "http_timeout"), ("2", "http_error")):
        status, _ = await server.event(home_opened(), "Ev0HOME2",
                                       headers={"X-Slack-Retry-Num": attempt, "X-Slack-Retry-Reason": reason})
        assert status == 200
    # A timeout retry of an event this process never saw is skipped too: the first delivery may be
    # in progress on another server process.
    status, _ = await server.event(home_opened(), "Ev0HOME3",
                                   headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert status == 200
    await fake_slack.settle()
    assert len(fake_slack.called("views.publish")) == 1


async def test_the_messages_tab_opening_publishes_nothing(server: RunningServer,
                                                          fake_slack: FakeSlack) -> None:
    await server.event({**home_opened(), "tab": "messages"}, "Ev0MSGTAB")
    await fake_slack.settle()
    assert fake_slack.called("views.publish") == []


async def test_a_direct_message_is_a_command_answered_in_the_dm(server: RunningServer,
                                                               fake_slack: FakeSlack) -> None:
    event = {"type": "message", "channel_type": "im", "channel": "D0AINE", "user": "UAINE",
             "text": "find chief nurse", "ts": "1700000000.000400"}
    await server.event(event, "Ev0DM1")
    posted = (await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage")))[0]
    assert posted.body["channel"] == "D0AINE"
    assert "Alex Smith-Jones" in texts(posted.body["blocks"])
    assert posted.body["text"]  # a notification fallback


@pytest.mark.parametrize("typed", ["<https://phish.example/x|Verify> and more",
                                   "profile <!channel> <@UQQX> <https://phish.example/x|Qqverify> & qq"])
async def test_echoed_words_cannot_form_mentions_or_links_in_the_notification_text(
        server: RunningServer, fake_slack: FakeSlack, typed: str) -> None:
    """Slack delivers a typed @channel, @someone and link as `<!channel>`, `<@U…>` and `<url|label>`.
    Blocks escape what the core echoes back (an unknown command word, a name nobody has); the message's
    `text` — the notification, and what screen readers and older clients show — is mrkdwn too, and must
    be escaped the same way."""
    event = {"type": "message", "channel_type": "im", "channel": "D0AINE", "user": "UAINE",
             "text": typed, "ts": "1700000000.000410"}
    await server.event(event, "Ev0DMESC")
    posted = (await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage")))[0]
    fallback = posted.body["text"]
    assert "phish.example" in fallback  # the words are echoed …
    for syntax in ("<!channel>", "<@UQQX>", "<https://", "& qq"):  # … but never as Slack syntax
        assert syntax not in fallback and syntax not in texts(posted.body["blocks"]), syntax


async def test_bot_messages_edits_and_channel_chatter_are_ignored(server: RunningServer,
                                                                 fake_slack: FakeSlack) -> None:
    base = {"type": "message", "channel": "D0AINE", "text": "find nurse", "ts": "1700000000.000500"}
    ignored = [
        {**base, "channel_type": "im", "bot_id": "BBOT", "user": "UBOT"},            # our own reply
        {**base, "channel_type": "im", "subtype": "message_changed", "user": "UAINE"},
        {**base, "channel_type": "channel", "channel": "C0PUBLIC", "user": "UAINE"},
    ]
    for index, event in enumerate(ignored):
        await server.event(event, f"Ev0IGN{index}")
    await fake_slack.settle()
    assert fake_slack.called("chat.postMessage") == [] and fake_slack.called("users.info") == []


async def test_a_mention_in_a_channel_is_answered_only_to_the_person_who_asked(
        server: RunningServer, fake_slack: FakeSlack) -> None:
    event = {"type": "app_mention", "channel": "C0PUBLIC", "user": "UAINE", "text": "<@UBOT> find cyber",
             "ts": "1700000000.000600"}
    await server.event(event, "Ev0MENTION")
    posted = (await fake_slack.wait_for(lambda: fake_slack.called("chat.postEphemeral")))[0]
    assert posted.body["channel"] == "C0PUBLIC" and posted.body["user"] == "UAINE"
    assert "Pat Nurse" in texts(posted.body["blocks"])
    assert fake_slack.called("chat.postMessage") == []


async def test_a_rate_limited_lookup_is_retried_after_retry_after(server: RunningServer,
                                                                  fake_slack: FakeSlack) -> None:
    fake_slack.fail("users.info", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    await server.slash("profile", AINE[0], response_url=fake_slack.response_url())
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses, timeout=8))[0]
    assert "Áine Ní Bhriain" in texts(answer["blocks"])
    assert len(fake_slack.called("users.info")) == 2


async def test_invalid_auth_is_logged_without_the_token_and_the_leader_is_told(
        server: RunningServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake_slack.fail("users.info", 200, {"ok": False, "error": "invalid_auth"})
    await server.slash("profile", AINE[0], response_url=fake_slack.response_url())
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    assert "couldn't check your Slack account" in texts(answer["blocks"])
    assert "invalid_auth" in caplog.text
    assert BOT_TOKEN not in caplog.text and AINE[1] not in caplog.text


async def test_a_failed_delivery_is_logged_and_the_next_one_still_works(
        server: RunningServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake_slack.fail("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"})
    event = {"type": "message", "channel_type": "im", "channel": "D0GONE", "user": "UAINE", "text": "help",
             "ts": "1700000000.000700"}
    await server.event(event, "Ev0GONE")
    await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage"))
    await server.event({**event, "channel": "D0AINE"}, "Ev0BACK")
    await fake_slack.wait_for(lambda: len(fake_slack.called("chat.postMessage")) == 2)
    await fake_slack.settle(0.1)
    assert "channel_not_found" in caplog.text
    assert BOT_TOKEN not in caplog.text and AINE[1] not in caplog.text


async def test_work_that_fails_after_the_ack_is_logged_and_other_work_still_runs(
        caplog: pytest.LogCaptureFixture) -> None:
    """Listeners ack, then hand off: a failure there can no longer reach bolt's error handler."""
    background = Background()
    answered = asyncio.Event()

    async def fails() -> None:
        raise RuntimeError("the engine broke")

    async def answers() -> None:
        answered.set()

    background.start(fails())
    background.start(answers())
    await asyncio.wait_for(answered.wait(), 5)
    for _ in range(100):  # the failed task's done-callback runs on a later turn of the loop
        if "failed after acknowledging" in caplog.text:
            break
        await asyncio.sleep(0)
    assert "failed after acknowledging" in caplog.text and "the engine broke" in caplog.text
