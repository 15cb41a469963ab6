"""Proactive messages: the sender posts a neutral reply into a stored conversation, or opens a 1:1 chat
first, through the fake Bot Connector; refusals come back as DeliveryError with status and Retry-After."""

from __future__ import annotations

import pytest

from adapters.teams.app import TEAMS
from adapters.teams.sender import DeliveryError
from bot.replies import Reply, Text
from directory.conversations import ConversationRef, load_reference, save_reference
from directory.database import Database
from directory.settings import Settings
from tests.fakes_teams import BOT_ID, TENANT
from tests.teams_server import CLEAN_ENV, LOCAL, running
from tests.test_teams_http import texts

NEWS = Reply((Text("Kim Chen would like an introduction", "heading"), Text("Reason: shared services.")))


@pytest.fixture
def settings(db: Database, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)
    return Settings(LEADERS_DATABASE_URL=db.url, _env_file=None, **LOCAL)  # type: ignore[call-arg]


def stored(url: str) -> ConversationRef:
    return ConversationRef(TENANT, "aad-rosa", "a:1personal-rosa", "personal", url, BOT_ID, "29:1rosa",
                           "Leaders Connect")


async def test_sender_posts_into_a_stored_conversation(settings, connector, db) -> None:
    fake, url = connector
    with db.session() as session:
        save_reference(session, stored(url))
    async with running(settings) as (_, _, app):
        with db.session() as session:
            ref = load_reference(session, TENANT, "aad-rosa")
        assert ref is not None
        activity_id = await app[TEAMS].sender.send(ref, NEWS)
    assert activity_id == "activity-1"
    (call,) = fake.calls
    assert call["path"] == "/v3/conversations/a:1personal-rosa/activities"
    body = call["body"]
    assert body["summary"] == "Kim Chen would like an introduction"
    assert body["from"]["id"] == BOT_ID and body["recipient"]["id"] == "29:1rosa"
    assert texts(body["attachments"][0]["content"])[1] == "Reason: shared services."


async def test_sender_opens_a_one_to_one_chat_when_there_is_no_reference(settings, connector) -> None:
    fake, url = connector
    async with running(settings) as (_, _, app):
        ref, activity_id = await app[TEAMS].sender.open_and_send(TENANT, "aad-rosa", url, NEWS, bot_id=BOT_ID)
    create, post = fake.calls
    assert create["path"] == "/v3/conversations"
    assert create["body"]["members"] == [{"id": "aad-rosa"}]
    assert create["body"]["tenantID"] == TENANT  # sic: the key the SDK sends
    assert create["body"]["channelData"] == {"tenant": {"id": TENANT}} and create["body"]["isGroup"] is False
    assert post["path"] == f"/v3/conversations/{ref.conversation_id}/activities"
    assert activity_id == "activity-2"  # the message's own id, not the conversation's
    assert ref.tenant_id == TENANT and ref.service_url == url and ref.conversation_type == "personal"


async def test_throttling_and_server_errors_reach_the_caller(settings, connector) -> None:
    fake, url = connector
    fake.fail_next = [(429, {"Retry-After": "7"}), (503, {})]
    async with running(settings) as (_, _, app):
        sender = app[TEAMS].sender
        with pytest.raises(DeliveryError) as throttled:
            await sender.send(stored(url), NEWS)
        with pytest.raises(DeliveryError) as unavailable:
            await sender.send(stored(url), NEWS)
        await sender.send(stored(url), NEWS)  # and then it goes through
    error = throttled.value
    assert (error.status, error.retry_after, error.retryable) == (429, 7.0, True)
    assert unavailable.value.status == 503 and unavailable.value.retryable
    assert len(fake.posted()) == 3
