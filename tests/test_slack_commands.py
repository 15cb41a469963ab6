"""Slack end to end, single-workspace mode: signed `/leaders` commands and button presses over real HTTP
into the running server; what the leader sees is what lands on the fake response_url."""

from __future__ import annotations

import time

from tests.slack_fakes import BOT_TOKEN, FakeSlack, RunningServer, texts

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
SAMPLE_NAMES = ("Áine Ní Bhriain", "Seán O'Brien", "Alex Smith-Jones", "Pat Nurse")


async def test_leader_finds_people_and_sees_ranked_cards_ephemerally(server: RunningServer,
                                                                      fake_slack: FakeSlack) -> None:
    started = time.monotonic()
    status, body = await server.slash("find finance", AINE[0], response_url=fake_slack.response_url("a"))
    assert status == 200 and body == ""  # the ack: Slack shows nothing until the answer arrives
    assert time.monotonic() - started < 3

    answers = await fake_slack.wait_for(lambda: fake_slack.responses)
    path, answer = answers[0]
    assert path == "/response/a"
    assert answer["response_type"] == "ephemeral"
    assert "Áine Ní Bhriain" in texts(answer["blocks"])
    assert "Director of Finance, Belfast City Council" in texts(answer["blocks"])
    buttons = [b["accessory"] for b in answer["blocks"] if "accessory" in b]
    assert buttons and all(b["value"].startswith("profile.view:") for b in buttons)
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    # Contact details are 'introduced'-only by default: search results never carry them.
    assert "+44 7700 900102" not in texts(answer["blocks"])

    lookups = fake_slack.called("users.info")
    assert [c.body["user"] for c in lookups] == ["UAINE"]
    assert lookups[0].authorization == f"Bearer {BOT_TOKEN}"


async def test_a_linked_leader_is_not_looked_up_again(server: RunningServer, fake_slack: FakeSlack) -> None:
    for key in ("1", "2"):
        await server.slash("help", AINE[0], response_url=fake_slack.response_url(key))
        await fake_slack.wait_for(lambda k=key: any(p.endswith(k) for p, _ in fake_slack.responses))
    assert len(fake_slack.called("users.info")) == 1


async def test_pressing_view_profile_shows_the_full_profile(server: RunningServer,
                                                           fake_slack: FakeSlack) -> None:
    await server.slash("find chief constable", AINE[0], response_url=fake_slack.response_url("find"))
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    value = next(b["accessory"]["value"] for b in answer["blocks"]
                 if "Seán" in texts([b]) and "accessory" in b)

    status, _ = await server.press(value, AINE[0], response_url=fake_slack.response_url("press"))
    assert status == 200
    _, shown = (await fake_slack.wait_for(lambda: len(fake_slack.responses) == 2 and fake_slack.responses))[1]
    seen = texts(shown["blocks"])
    assert "Seán O'Brien" in seen and "Chief Constable" in seen and "Verified by staff import" in seen
    assert "+44 7700 900102" not in seen and "shared once you have been introduced" in seen
    assert shown["replace_original"] is False


async def test_a_button_pressed_in_the_home_tab_is_answered_in_the_bots_dm(server: RunningServer,
                                                                         fake_slack: FakeSlack) -> None:
    await server.slash("profile", AINE[0], response_url=fake_slack.response_url("link"))
    await fake_slack.wait_for(lambda: fake_slack.responses)
    await server.press("profile.view:2", AINE[0], response_url=None)
    posted = (await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage")))[0]
    assert posted.body["channel"] == "UAINE"
    assert "Seán O'Brien" in texts(posted.body["blocks"])


async def test_a_stranger_is_told_how_to_get_verified_and_sees_no_directory_data(
        server: RunningServer, fake_slack: FakeSlack) -> None:
    for user, key in (("USTRANGER", "s"), ("UNOEMAIL", "n")):  # email not in directory; no such user
        await server.slash("find finance", user, response_url=fake_slack.response_url(key))
    await fake_slack.wait_for(lambda: len(fake_slack.responses) == 2)
    for _, answer in fake_slack.responses:
        seen = texts(answer["blocks"])
        assert "I don't recognise this account yet" in seen and "How to get verified" in seen
        assert not any(name in seen for name in SAMPLE_NAMES)
        assert "Belfast" not in seen and "profile.view" not in seen


async def test_an_unknown_command_is_answered_honestly_and_every_advertised_one_is_built(
        server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slash("fnd finance", AINE[0], response_url=fake_slack.response_url("typo"))
    await fake_slack.wait_for(lambda: len(fake_slack.responses) == 1)
    # `digest` was the last of DESIGN's commands to be built (issue 14): it answers now, not "not yet".
    await server.slash("digest", AINE[0], response_url=fake_slack.response_url("digest"))
    await fake_slack.wait_for(lambda: len(fake_slack.responses) == 2)
    typo, digest = (texts(a["blocks"]) for _, a in fake_slack.responses)
    assert "I don't know the command" in typo and "Did you mean `find`?" in typo
    assert "The latest for you" in digest and "is not available yet" not in digest


async def test_bad_or_stale_signatures_are_refused_before_any_work(server: RunningServer,
                                                                   fake_slack: FakeSlack) -> None:
    from tests.slack_fakes import post_signed, sign, slash_command

    url = f"{server.url}/slack/events"
    body = slash_command("find finance", user_id=AINE[0], response_url=fake_slack.response_url())
    form = "application/x-www-form-urlencoded"
    stale = await post_signed(server.session, url, body, content_type=form, timestamp=int(time.time()) - 301)
    assert stale[0] == 401
    forged = {"Content-Type": form, **sign(body, secret="not-our-secret")}
    async with server.session.post(url, data=body, headers=forged) as response:
        assert response.status == 401
    tampered = {"Content-Type": form, **sign(body)}
    async with server.session.post(url, data=body.replace("finance", "nurse"), headers=tampered) as response:
        assert response.status == 401
    odd = {"Content-Type": form, "X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=00"}
    async with server.session.post(url, data=body, headers=odd) as response:
        assert response.status == 401
    async with server.session.post(url, data=body, headers={"Content-Type": form}) as response:
        assert response.status == 401
    await fake_slack.settle()
    assert fake_slack.calls == [] and fake_slack.responses == []


async def test_signed_but_malformed_bodies_are_a_4xx_not_a_500(server: RunningServer,
                                                              fake_slack: FakeSlack) -> None:
    from tests.slack_fakes import post_signed

    url = f"{server.url}/slack/events"
    form = "application/x-www-form-urlencoded"
    for body, kind in (("{not json", "application/json"), ("payload=%7Bbroken", form),
                       ("[1, 2]", "application/json"), ("", "application/json")):
        status, _ = await post_signed(server.session, url, body, content_type=kind)
        assert 400 <= status < 500, (body, status)
    await fake_slack.settle()
    assert fake_slack.responses == []
