"""Teams conversations others read: a channel @mention is answered in the channel, and a messaging-extension
result is inserted into someone's conversation. Both are rendered for the audience — only what every
verified leader may see — not for the person who asked, even when that person is staff. Personal-data
commands refuse there."""

from __future__ import annotations

import json

from directory.database import Database
from directory.people import by_email, update_own_profile
from directory.settings import Settings
from tests import fakes_teams as teams
from tests.fakes_teams import Member
from tests.teams_server import post, running
from tests.test_teams_http import cards_of, texts

PRIYA = Member("29:1priya", "aad-priya", "Priya Patel", "priya.patel@hmrc.gov.uk")  # staff
SEAN_PHONE = "+44 7700 900102"


def staff_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"staff_emails": "priya.patel@hmrc.gov.uk"})


def hide_seans_region(db: Database) -> str:
    with db.session() as session:
        sean = by_email(session, "sean.obrien@scotland.police.uk")
        assert sean is not None
        update_own_profile(session, sean, {}, {"region": "staff"})
        return sean.region


async def test_staff_see_contact_details_privately_but_not_in_a_channel(settings, connector, db) -> None:
    fake, url = connector
    fake.members[PRIYA.id] = PRIYA
    async with running(staff_settings(settings)) as (base, _, _):
        await post(base, teams.message(url, PRIYA, "profile sean obrien"))
        assert SEAN_PHONE in " ".join(texts(cards_of(fake.posted()[-1])[0]))  # 1:1: staff see it
        await post(base, teams.channel_mention(url, PRIYA, "profile sean obrien"))
        in_channel = " ".join(texts(cards_of(fake.posted()[-1])[0]))
    assert "Seán O'Brien" in in_channel and SEAN_PHONE not in in_channel
    assert "sean.obrien@scotland.police.uk" not in in_channel


async def test_personal_data_commands_asked_in_a_channel_are_answered_in_the_1_to_1_chat(
        settings, connector, db) -> None:
    """As Slack's answers are ephemeral: the channel sees a pointer, the person their answer, privately."""
    fake, url = connector
    fake.members[PRIYA.id] = PRIYA
    channel = "19:abc123@thread.tacv2;messageid=1700000000000"
    async with running(settings) as (base, _, _):
        for words in ("mydata", "accounts", "me", "forget me confirm"):
            before = len(fake.calls)
            await post(base, teams.channel_mention(url, PRIYA, words))
            posts = [c for c in fake.calls[before:] if c["method"] == "POST" and "/activities" in c["path"]]
            to_channel = [c["body"] for c in posts if c["path"].startswith(f"/v3/conversations/{channel}/")]
            private = [c["body"] for c in posts if not c["path"].startswith(f"/v3/conversations/{channel}/")]
            (pointer,) = to_channel
            assert texts(cards_of(pointer)[0]) == ["I've sent you my answer in our private chat."], words
            assert "token=" not in json.dumps(pointer) and "Chat accounts" not in json.dumps(pointer)
            (answer,) = private
            assert answer["conversation"]["id"].startswith("a:1personal-"), words  # the 1:1 chat
        creates = [c for c in fake.calls if c["path"] == "/v3/conversations"]
        assert len(creates) == 1 and creates[0]["body"]["members"] == [{"id": PRIYA.id}]  # then remembered
    shown = [" ".join(texts(cards_of(a)[0])) for a in fake.posted() if "personal" in a["conversation"]["id"]]
    assert "token=" in json.dumps(fake.posted()) and "Your data" in shown[0]
    assert "Chat accounts linked to your profile" in shown[1] and "Edit your profile" in shown[2]
    assert "Your erasure request is filed" in shown[3]


async def test_staff_commands_in_a_channel_are_answered_only_in_the_1_to_1_chat(settings, connector) -> None:
    """Finding 6: `staff list` in a channel used to post every staff member's email there. Now the channel
    gets only the pointer; the list (with its emails) reaches the staff member alone, in their 1:1 chat."""
    fake, url = connector
    fake.members[PRIYA.id] = PRIYA
    channel = "19:abc123@thread.tacv2;messageid=1700000000000"
    async with running(staff_settings(settings)) as (base, _, _):
        for words in ("staff list", "staff add kim.chen@manchester.gov.uk"):
            before = len(fake.calls)
            await post(base, teams.channel_mention(url, PRIYA, words))
            posts = [c for c in fake.calls[before:] if c["method"] == "POST" and "/activities" in c["path"]]
            to_channel = [c["body"] for c in posts if c["path"].startswith(f"/v3/conversations/{channel}/")]
            private = [c["body"] for c in posts if not c["path"].startswith(f"/v3/conversations/{channel}/")]
            (pointer,) = to_channel
            assert texts(cards_of(pointer)[0]) == ["I've sent you my answer in our private chat."], words
            assert "priya.patel@hmrc.gov.uk" not in json.dumps(pointer), words
            (answer,) = private
            assert answer["conversation"]["id"].startswith("a:1personal-"), words  # the 1:1 chat
        shown = " ".join(texts(cards_of(answer)[0]))
        await post(base, teams.message(url, PRIYA, "staff list"))  # 1:1 with the bot: as before
        assert "priya.patel@hmrc.gov.uk" in " ".join(texts(cards_of(fake.posted()[-1])[0]))
    assert "kim.chen@manchester.gov.uk" in shown  # `staff add` ran for her, answered privately
    channel_posts = [a for a in fake.posted() if a["conversation"]["id"].startswith("19:")]
    assert channel_posts and all("hmrc.gov.uk" not in json.dumps(a) for a in channel_posts)


async def test_extension_results_show_only_what_everyone_may_see(settings, connector, db) -> None:
    fake, url = connector
    fake.members[PRIYA.id] = PRIYA
    region = hide_seans_region(db)
    async with running(staff_settings(settings)) as (base, _, _):
        await post(base, teams.message(url, PRIYA, "find sean obrien"))
        where = f"{region} · Policing"  # (the region alone is also a word of "Police Scotland")
        assert where in json.dumps(fake.posted()[-1], ensure_ascii=False)  # staff, privately: shown
        status, body = await post(base, teams.extension_query(url, PRIYA, "sean obrien"))
    assert status == 200
    [result] = body["composeExtension"]["attachments"]
    assert result["preview"]["content"]["title"] == "Seán O'Brien"
    assert where not in json.dumps(result, ensure_ascii=False)
    assert (result["preview"]["content"]["subtitle"]
            == "Chief Constable, Police Scotland — Policing — found in name")  # why it matched, too
