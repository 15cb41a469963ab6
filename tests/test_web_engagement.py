"""The engagement pages over real HTTP (issue 17): /intros, /intros/new, /intros/<id>, /polls, /polls/<id>,
/library and /settings, for a leader signed in on the web — each press the same use case as in chat.

Áine and Pat ask Seán in chat (the engine, as the Slack adapter calls it); a real delivery worker sends
the cards to the fake Slack Web API. Seán accepts one on the web and the other in chat: the same rows land
in the outbox either way, and his Slack card is redrawn. Then the rules hold on the web as in chat:
stale and repeated submits change the state once, someone else's introduction or poll is a 404 that says
nothing, an anonymous poll keeps no voter link, bad input comes back in the error summary with nothing
changed, a form without its CSRF token is refused, and hostile text is text.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.poll_lifecycle import close_poll, open_poll
from directory import audit
from directory.accounts import ChatIdentity
from directory.content import ContentItem
from directory.database import Database
from directory.digests import preference
from directory.introductions import Introduction
from directory.leavers import mark_leaver
from directory.models import Leader
from directory.outbox import SEND, OutboxMessage
from directory.people import by_email
from directory.polls import Poll, PollBallot
from tests.content_helpers import publish, topics
from tests.helpers import load_sample
from tests.live_helpers import deliver, link, slack_buttons
from tests.poll_helpers import dump, new_poll
from tests.slack_fakes import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.web_helpers import Site, sign_in, start_site, stop_site

AINE, PAT = "aine.nibhriain@belfastcity.gov.uk", "pat.nurse@cardiff.gov.uk"
SEAN = "sean.obrien@scotland.police.uk"
KIM = "alex.smith-jones@nhs.net"  # a leader with no part in any of it
REASON = "I'd value your experience of major incidents as we plan for winter in Belfast."
HOSTILE = "<script>alert('x')</script> {{ 7*7 }} <img src=x onerror=alert(2)>"
_BUTTON = re.compile(r'<button type="submit" name="action" value="([^"]*)"[^>]*>([^<]*)</button>')
_RADIO = re.compile(r'name="action" type="radio" value="([^"]*)"[^>]*><label[^>]*><bdi>([^<]*)</bdi>')


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(emails={}).start()
    yield fake
    await fake.stop()


@pytest.fixture
async def site(db: Database, database_url: str, fake_slack: FakeSlack) -> AsyncIterator[Site]:
    load_sample(db)
    running = await start_site(database_url, slack_signing_secret=SIGNING_SECRET, slack_bot_token=BOT_TOKEN,
                               slack_api_url=fake_slack.api_url)
    yield running
    await stop_site(running)


def leader_id(db: Database, email: str) -> int:
    with db.session() as session:
        found = by_email(session, email)
        assert found is not None
        return found.id


def unnonced(page: str) -> str:
    """A page without its per-request CSP nonce, to compare two pages."""
    return re.sub(r'nonce="[^"]*"', "", page)


def buttons(page: str) -> dict[str, str]:
    """label -> the neutral action its button posts, on a page."""
    return {html.unescape(label): html.unescape(value) for value, label in _BUTTON.findall(page)}


def radios(page: str) -> dict[str, str]:
    return {html.unescape(label): html.unescape(value) for value, label in _RADIO.findall(page)}


def chat(db: Database, site: Site, user: str, text: str) -> str:
    return site.services.bot.handle_text(ChatIdentity("slack", "T0001", user), text).plain()


def intro_of(db: Database, requester: int) -> Introduction:
    with db.session() as session:
        found = session.scalar(select(Introduction).where(Introduction.requester_id == requester))
        assert found is not None
        session.expunge(found)
        return found


def outbox_ids(db: Database) -> set[int]:
    with db.session() as session:
        return set(session.scalars(select(OutboxMessage.id)))


def new_rows(db: Database, before: set[int], intro: Introduction, roles: dict[Any, str]) -> list[tuple]:
    """The outbox rows written since `before`, with this request's ids and people as roles, so a press
    on the web and one in chat can be compared row for row."""
    def named(text: str) -> str:
        text = text.replace(f"intro:{intro.id}:", "intro:I:")
        for raw, role in roles.items():
            text = re.sub(rf"(?<![0-9A-Z]){re.escape(str(raw))}(?![0-9A-Z])", role, text)
        return text

    with db.session() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.not_in(before))
                               if before else select(OutboxMessage))
        found = []
        for row in rows:
            target = session.get(OutboxMessage, row.target_id) if row.target_id else None
            key = f"update of {target.dedupe_key}" if target is not None else row.dedupe_key
            found.append((row.kind, named(key), named(str(row.recipient_account_id)), named(row.conversation),
                          row.status))
        return sorted(found)


async def test_accepting_on_the_web_is_the_same_press_as_in_chat(site: Site, db: Database,
                                                                 fake_slack: FakeSlack) -> None:
    aine, pat, sean = (link(db, "slack", "T0001", user, email)
                       for user, email in (("UAINE", AINE), ("UPAT", PAT), ("USEAN", SEAN)))
    aine_id, pat_id, sean_id = (leader_id(db, e) for e in (AINE, PAT, SEAN))
    for user in ("UAINE", "UPAT"):
        assert "on its way" in chat(db, site, user, f"intro Seán O'Brien {REASON}")
    await deliver(db, site.services.settings)
    by_web, by_chat = intro_of(db, aine_id), intro_of(db, pat_id)
    browser = site.browser()
    csrf = sign_in(site, browser, sean_id)

    status, page, _ = await browser.get(f"{site.url}/intros")
    page = html.unescape(page)
    assert status == 200 and "Waiting for your answer (2)" in page
    assert "Áine Ní Bhriain" in page and "Pat Nurse" in page and REASON in page
    assert AINE not in page and "+44 7700 900101" not in page  # nothing above `everyone` before Accept
    status, page, _ = await browser.get(f"{site.url}/intros/{by_web.id}")
    assert status == 200
    pressed = buttons(page)
    assert set(pressed) >= {"Accept", "Not now", "Decline"}
    assert pressed["Accept"] == f"intro.accept:{by_web.id}~0"  # the chat button's own action

    before = outbox_ids(db)
    status, page, _ = await browser.post(f"{site.url}/intros/{by_web.id}",
                                         {"csrf_token": csrf, "action": pressed["Accept"]})
    assert status == 200 and "Introduction accepted on" in page
    web_rows = new_rows(db, before, by_web, {aine: "requester", sean: "answerer", "UAINE": "REQ",
                                             "USEAN": "ANS"})
    before = outbox_ids(db)
    key = f"intro:{by_chat.id}:to:{sean}"
    with db.session() as session:
        card = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert card is not None
        sent = fake_slack.messages[(card.sent_conversation, card.platform_message_id)]
        value = slack_buttons(sent["blocks"])
    reply = site.services.bot.handle_action(ChatIdentity("slack", "T0001", "USEAN"), value["Accept"])
    assert "Introduction accepted on" in reply.plain()
    chat_rows = new_rows(db, before, by_chat, {pat: "requester", sean: "answerer", "UPAT": "REQ",
                                               "USEAN": "ANS"})
    assert web_rows == chat_rows and web_rows  # the same rows, whichever way Seán pressed
    with db.session() as session:
        for done in (session.get(Introduction, by_web.id), session.get(Introduction, by_chat.id)):
            assert done is not None and (done.status, done.revision, done.answered_by_id) == ("accepted", 1,
                                                                                               sean_id)
        assert len(list(audit.lines(session, action="intro.accepted"))) == 2
        assert len(list(audit.lines(session, action="contact.disclosed"))) == 4

    await deliver(db, site.services.settings)  # the worker redraws Seán's and Áine's Slack cards in place
    for account in (sean, aine):
        with db.session() as session:
            card = session.scalar(select(OutboxMessage).where(
                OutboxMessage.dedupe_key == f"intro:{by_web.id}:to:{account}", OutboxMessage.kind == SEND))
            assert card is not None
            shown = str(fake_slack.messages[(card.sent_conversation, card.platform_message_id)])
        assert "accepted" in shown.lower() or "Introduced to" in shown, shown


async def test_a_request_made_on_the_web_then_stale_and_repeated_submits_change_it_once(
        site: Site, db: Database) -> None:
    link(db, "slack", "T0001", "UAINE", AINE)
    link(db, "slack", "T0001", "USEAN", SEAN)
    aine_id, sean_id = leader_id(db, AINE), leader_id(db, SEAN)
    aine, sean = site.browser(), site.browser()
    aine_csrf, sean_csrf = sign_in(site, aine, aine_id), sign_in(site, sean, sean_id)

    status, page, _ = await aine.get(f"{site.url}/intros/new?to={sean_id}")
    assert status == 200 and "Seán O&#39;Brien" in page and 'name="reason"' in page
    status, _, location = await aine.post(f"{site.url}/intros/new?to={sean_id}", {
        "csrf_token": aine_csrf, "submit": f"intro.send:{sean_id}", "reason": REASON})
    intro = intro_of(db, aine_id)
    assert status == 303 and location == f"/intros/{intro.id}?sent=1"
    status, page, _ = await aine.get(site.url + location)
    assert status == 200 and "Your request has been sent." in page and buttons(page)["Withdraw"]
    # Sent twice (a double-clicked Send): the second is refused as chat refuses it, nothing new made.
    status, page, _ = await aine.post(f"{site.url}/intros/new?to={sean_id}", {
        "csrf_token": aine_csrf, "submit": f"intro.send:{sean_id}", "reason": REASON})
    assert status == 400 and "govuk-error-summary" in page and "already have an open request" in page
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Introduction)) == 1

    _, page, _ = await sean.get(f"{site.url}/intros/{intro.id}")
    accept, decline = buttons(page)["Accept"], buttons(page)["Decline"]
    answers = await asyncio.gather(*(sean.post(f"{site.url}/intros/{intro.id}",
                                               {"csrf_token": sean_csrf, "action": accept})
                                     for _ in range(3)))
    assert all(status == 200 for status, _, _ in answers)
    heads = [re.search(r'<h2 class="govuk-heading-m">([^<]*)</h2>', page).group(1)  # type: ignore[union-attr]
             for _, page, _ in answers]
    assert sum(h.startswith("Introduction accepted") for h in heads) == 1, heads
    status, page, _ = await sean.post(f"{site.url}/intros/{intro.id}", {"csrf_token": sean_csrf,
                                                                        "action": decline})
    assert status == 200 and "This introduction was already accepted" in page  # a stale card's press
    with db.session() as session:
        done = session.get(Introduction, intro.id)
        assert done is not None and (done.status, done.revision) == ("accepted", 1)
        assert len(list(audit.lines(session, action="intro.accepted"))) == 1
        assert not list(audit.lines(session, action="intro.declined"))


async def test_someone_elses_introduction_or_poll_is_a_404_that_says_nothing(site: Site, db: Database,
                                                                            clock) -> None:  # type: ignore[no-untyped-def]
    for user, email in (("UAINE", AINE), ("USEAN", SEAN), ("UKIM", KIM)):
        link(db, "slack", "T0001", user, email)
    chat(db, site, "UAINE", f"intro Seán O'Brien {REASON}")
    intro = intro_of(db, leader_id(db, AINE))
    poll_id = new_poll(db, audience="region:scotland")
    with db.session() as session:
        open_poll(session, session.get(Poll, poll_id), "cli:test")
    kim = site.browser()
    csrf = sign_in(site, kim, leader_id(db, KIM))
    missing = {path: await kim.get(site.url + path) for path in ("/intros/999999", "/polls/999999")}
    for path, data in ((f"/intros/{intro.id}", {"action": f"intro.accept:{intro.id}~0"}),
                       (f"/polls/{poll_id}", {"action": f"poll.vote:{poll_id}:1"})):
        got, posted = await kim.get(site.url + path), await kim.post(site.url + path, {"csrf_token": csrf,
                                                                                        **data})
        for status, page, _ in (got, posted):
            assert status == 404
            for secret in (REASON, "Áine", "Seán", "How confident", "winter"):
                assert secret not in page
        gone = missing["/intros/999999" if path.startswith("/intros") else "/polls/999999"]
        assert gone[0] == 404 and unnonced(gone[1]) == unnonced(got[1])  # the same page as for none at all
    # Seán's own page refuses an action about another request posted to it.
    sean = site.browser()
    sean_csrf = sign_in(site, sean, leader_id(db, SEAN))
    status, page, _ = await sean.post(f"{site.url}/intros/{intro.id}",
                                      {"csrf_token": sean_csrf, "action": f"intro.accept:{intro.id + 1}~0"})
    assert status == 400 and "not on this page" in page
    with db.session() as session:
        done = session.get(Introduction, intro.id)
        assert done is not None and (done.status, done.revision) == ("requested", 0)
        assert session.scalar(select(func.count()).select_from(PollBallot)) == 0


async def test_a_poll_answered_on_the_web_as_in_chat_keeps_no_voter_link(site: Site, db: Database,
                                                                        clock) -> None:  # type: ignore[no-untyped-def]
    link(db, "slack", "T0001", "UAINE", AINE)
    aine_id = leader_id(db, AINE)
    poll_id = new_poll(db, question="Is the winter plan deliverable?", options=["Plainly yes", "Doubtful"],
                       results_for="participants", min_group=1)
    text_id = new_poll(db, question="What would help most?", options=[], kind="text")
    with db.session() as session:
        for one in (poll_id, text_id):
            open_poll(session, session.get(Poll, one), "cli:test")
    browser = site.browser()
    csrf = sign_in(site, browser, aine_id)
    status, page, _ = await browser.get(f"{site.url}/polls")
    assert status == 200 and "Is the winter plan deliverable?" in page and "Not answered yet" in page
    status, page, _ = await browser.get(f"{site.url}/polls/{poll_id}")
    choices = radios(page)
    assert choices == {"Plainly yes": f"poll.vote:{poll_id}:1", "Doubtful": f"poll.vote:{poll_id}:2"}
    status, page, _ = await browser.post(f"{site.url}/polls/{poll_id}", {"csrf_token": csrf})
    assert status == 400 and "Choose an answer" in page  # the radios sent with none chosen
    for label in ("Plainly yes", "Plainly yes", "Doubtful"):  # again, then changed: the chat rules
        status, page, _ = await browser.post(f"{site.url}/polls/{poll_id}",
                                             {"csrf_token": csrf, "action": choices[label]})
        assert status == 200 and f"You chose: {label}" in page
    status, page, _ = await browser.post(f"{site.url}/polls/{text_id}", {
        "csrf_token": csrf, "submit": f"poll.answer:{text_id}", "answer": "   "})
    assert status == 400 and "govuk-error-summary" in page and "Write your answer" in page
    status, page, _ = await browser.post(f"{site.url}/polls/{text_id}", {
        "csrf_token": csrf, "submit": f"poll.answer:{text_id}", "answer": "More ambulances"})
    assert status == 200 and "Your answer: “More ambulances”" in page
    with db.session() as session:
        ballots = list(session.scalars(select(PollBallot)))
        assert len(ballots) == 2 and all(b.leader_id is None for b in ballots)  # anonymous: no voter id
        assert all(str(aine_id) != b.voter_key for b in ballots)
    await deliver(db, site.services.settings)  # the cards go out as chat would have sent them
    with db.session() as session:
        close_poll(session, session.get(Poll, poll_id), "cli:test")
    await deliver(db, site.services.settings)  # and are left as the closed card, the same for everyone
    tables = dump(db)
    assert [r for r in tables["poll_ballot"] if f'"{poll_id}"' in r[:20]] == []
    for name, rows in tables.items():
        if name in ("poll", "poll_option", "poll_comment", "poll_ballot"):
            continue
        # The only mention of an answer left is the published result on the closed card, the same for all.
        rows = [re.sub(r"Result: [^\"']*", "", row) for row in rows]
        assert not any("Doubtful" in row for row in rows), (name, [r for r in rows if "Doubtful" in r])
    status, page, _ = await browser.get(f"{site.url}/polls/{poll_id}")
    assert status == 200 and "This poll closed" in page and "govuk-table" in page and "Doubtful" in page
    status, page, _ = await browser.get(f"{site.url}/polls")
    assert "Results shared with you" in page


async def test_bad_input_comes_back_in_the_error_summary_and_changes_nothing(site: Site,
                                                                            db: Database) -> None:
    topics(db)
    link(db, "slack", "T0001", "UAINE", AINE)
    aine_id, sean_id, pat_id = leader_id(db, AINE), leader_id(db, SEAN), leader_id(db, PAT)
    browser = site.browser()
    csrf = sign_in(site, browser, aine_id)
    send = {"csrf_token": csrf, "submit": f"intro.send:{sean_id}"}
    status, page, _ = await browser.post(f"{site.url}/intros/new?to={sean_id}", {**send, "reason": "hi"})
    assert status == 400 and "govuk-error-summary" in page and 'href="#intro-reason"' in page
    assert "<title>Error:" in page and "Please say in a sentence" in page and ">\nhi</textarea>" in page
    status, page, _ = await browser.get(f"{site.url}/intros/new?to={aine_id}")
    assert status == 400 and "yourself" in page
    with db.session() as session:
        mark_leaver(session, session.get(Leader, pat_id), "cli:test")
    for path in (f"/intros/new?to={pat_id}", "/intros/new?to=999999", "/intros/new?to=abc"):
        status, page, _ = await browser.get(site.url + path)
        assert status == 404 and "not in the directory" in page
    site.services.settings.intro_max_open = 1  # the open-request limit, as chat applies it
    await browser.post(f"{site.url}/intros/new?to={sean_id}", {**send, "reason": REASON})
    kim_id = leader_id(db, KIM)
    status, page, _ = await browser.post(f"{site.url}/intros/new?to={kim_id}", {
        "csrf_token": csrf, "submit": f"intro.send:{kim_id}", "reason": REASON})
    assert status == 400 and "govuk-error-summary" in page and "requests waiting for an answer" in page
    assert REASON.replace("'", "&#39;") in page  # what was typed is kept
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Introduction)) == 1

    before = preference_of(db, aine_id)
    status, page, _ = await browser.post(f"{site.url}/settings", {
        "csrf_token": csrf, "submit": "settings.save", "cadence": "daily", "weekday": "monday",
        "time": "7.3o", "timezone": "Mars/Olympus", "topics": "cyber, astrology"})
    assert status == 400 and "govuk-error-summary" in page
    for field in ("settings-time", "settings-timezone", "settings-topics"):
        assert f'href="#{field}"' in page and f'id="{field}"' in page
    assert preference_of(db, aine_id) == before
    status, page, _ = await browser.get(f"{site.url}/library?topic=astrology")
    assert status == 400 and "Choose a topic from the list" in page
    status, page, _ = await browser.get(f"{site.url}/library?q=" + "x" * 201)
    assert status == 400 and "200 characters or fewer" in page


def preference_of(db: Database, leader: int) -> tuple:
    with db.session() as session:
        pref = preference(session, leader)
        return pref.cadence, pref.weekday, pref.minute, pref.timezone, pref.topics


async def test_settings_save_on_the_web_through_chats_form(site: Site, db: Database) -> None:
    topics(db)
    link(db, "slack", "T0001", "UAINE", AINE)
    aine_id = leader_id(db, AINE)
    browser = site.browser()
    csrf = sign_in(site, browser, aine_id)
    status, page, _ = await browser.get(f"{site.url}/settings")
    assert status == 200 and 'type="radio" value="weekly" checked' in page and 'name="timezone"' in page
    status, _, location = await browser.post(f"{site.url}/settings", {
        "csrf_token": csrf, "submit": "settings.save", "cadence": "daily", "weekday": "monday",
        "time": "07:30", "timezone": "europe/dublin", "topics": "cyber"})
    assert status == 303 and location == "/settings?saved=1"
    assert preference_of(db, aine_id) == ("daily", 0, 450, "Europe/Dublin", ("cyber",))
    status, page, _ = await browser.get(site.url + location)
    assert "Your settings are saved." in page and "daily at 07:30" in page


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(site: Site, db: Database,
                                                                           clock) -> None:  # type: ignore[no-untyped-def]
    for user, email in (("UAINE", AINE), ("USEAN", SEAN)):
        link(db, "slack", "T0001", user, email)
    chat(db, site, "UAINE", f"intro Seán O'Brien {REASON}")
    intro = intro_of(db, leader_id(db, AINE))
    poll_id = new_poll(db)
    with db.session() as session:
        open_poll(session, session.get(Poll, poll_id), "cli:test")
    sean = site.browser()
    csrf = sign_in(site, sean, leader_id(db, SEAN))
    before = preference_of(db, leader_id(db, SEAN))
    for path, data in ((f"/intros/{intro.id}", {"action": f"intro.accept:{intro.id}~0"}),
                       (f"/polls/{poll_id}", {"action": f"poll.vote:{poll_id}:1"}),
                       ("/settings", {"submit": "settings.save", "cadence": "off", "weekday": "monday",
                                      "time": "08:00", "timezone": "Europe/London", "topics": "all"}),
                       (f"/intros/new?to={leader_id(db, KIM)}", {"submit": f"intro.send:{leader_id(db, KIM)}",
                                                                 "reason": REASON})):
        for token in ({}, {"csrf_token": "not-the-token"}):
            status, _, _ = await sean.post(site.url + path, {**data, **token})
            assert status == 403, path
        status, _, _ = await sean.post(site.url + path, {**data, "csrf_token": csrf},
                                       from_site="https://evil.example")
        # The right token from another site's page: the browser keeps the Lax cookie back, so it arrives
        # signed out (sent to sign in); either way nothing is done.
        assert status in (303, 403), path
    with db.session() as session:
        done = session.get(Introduction, intro.id)
        assert done is not None and (done.status, done.revision) == ("requested", 0)
        assert session.scalar(select(func.count()).select_from(PollBallot)) == 0
        assert session.scalar(select(func.count()).select_from(Introduction)) == 1
    assert preference_of(db, leader_id(db, SEAN)) == before


async def test_hostile_text_is_text_on_every_page(site: Site, db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    topics(db)
    link(db, "slack", "T0001", "UAINE", AINE)
    link(db, "slack", "T0001", "USEAN", SEAN)
    with db.session() as session:
        aine = by_email(session, AINE)
        assert aine is not None
        aine.full_name = HOSTILE
    poll_id = new_poll(db, question=f"Is {HOSTILE[:60]} fine?", options=["<b>Yes</b>", "No"])
    with db.session() as session:
        open_poll(session, session.get(Poll, poll_id), "cli:test")
    publish(db, f"Guidance {HOSTILE}"[:200], summary=HOSTILE)
    aine_id, sean_id = leader_id(db, AINE), leader_id(db, SEAN)
    asker = site.browser()
    asker_csrf = sign_in(site, asker, aine_id)
    status, _, _ = await asker.post(f"{site.url}/intros/new?to={sean_id}", {
        "csrf_token": asker_csrf, "submit": f"intro.send:{sean_id}", "reason": f"{HOSTILE} {REASON}"})
    assert status == 303
    browser = site.browser()
    sign_in(site, browser, sean_id)
    intro = intro_of(db, aine_id)
    for path in ("/intros", f"/intros/{intro.id}", "/polls", f"/polls/{poll_id}", "/library",
                 "/library?q=guidance"):
        status, page, _ = await browser.get(site.url + path)
        assert status == 200, path
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>Yes</b>" not in page, path
        assert "{{ 7*7 }}" in html.unescape(re.sub(r"<[^>]+>", "", page)), path  # shown, never evaluated
    _, page, _ = await browser.get(f"{site.url}/library?q=guidance")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


async def test_the_library_links_through_r_so_opens_are_counted(site: Site, db: Database) -> None:
    topics(db)
    link(db, "slack", "T0001", "UAINE", AINE)
    publish(db, "Ten steps to cyber security", topic="cyber")
    publish(db, "Workforce planning in winter", topic="workforce")
    browser = site.browser()
    sign_in(site, browser, leader_id(db, AINE))
    with db.session() as session:
        item = session.scalar(select(ContentItem).where(ContentItem.title.like("Ten steps%")))
        assert item is not None
        token = item.link_token
    status, page, _ = await browser.get(f"{site.url}/library?topic=cyber")
    assert status == 200 and "Ten steps to cyber security" in page and "Workforce planning" not in page
    assert f'href="/r/{token}"' in page and "ncsc.gov.uk" not in page
    status, page, _ = await browser.get(f"{site.url}/library?q=winter")
    assert "Workforce planning in winter" in page and "Ten steps" not in page
    status, page, _ = await browser.get(f"{site.url}/library")
    assert status == 200 and "The latest for you" in page
    status, _, location = await browser.get(f"{site.url}/r/{token}")
    assert status == 302 and location.startswith("https://www.ncsc.gov.uk/")
    with db.session() as session:
        opened = session.get(ContentItem, item.id)
        assert opened is not None and opened.opens == 1


async def test_signed_out_pages_send_you_to_sign_in(site: Site) -> None:
    browser = site.browser()
    for path in ("/intros", "/intros/3", "/intros/new?to=3", "/polls", "/polls/1", "/library", "/settings"):
        status, _, location = await browser.get(site.url + path)
        assert status == 303 and location.startswith("/sign-in?next="), path


async def test_a_multiple_choice_poll_is_answered_whole_with_checkboxes(site: Site, db: Database,
                                                                       clock) -> None:  # type: ignore[no-untyped-def]
    link(db, "slack", "T0001", "UAINE", AINE)
    poll_id = new_poll(db, question="Which matter most?", options=["Staff", "Money", "Time"], kind="multi")
    with db.session() as session:
        open_poll(session, session.get(Poll, poll_id), "cli:test")
    browser = site.browser()
    csrf = sign_in(site, browser, leader_id(db, AINE))
    url = f"{site.url}/polls/{poll_id}"
    status, page, _ = await browser.get(url)
    assert status == 200 and page.count('type="checkbox"') == 3 and not buttons(page)  # no toggles
    choose = {"csrf_token": csrf, "submit": f"poll.choose:{poll_id}"}

    def ballots() -> list[list[int]]:
        with db.session() as session:
            return [list(b.choices) for b in session.scalars(select(PollBallot))]

    for _ in range(2):  # sent twice (a double-click): the same ballot
        status, page, _ = await browser.post(url, {**choose, "option-1": "yes", "option-3": "yes"})
        assert status == 200 and "You chose: Staff, Time" in page
    assert ballots() == [[1, 3]]
    for bad, message in (({}, "Choose at least one answer"), ({"option-9": "yes"}, "That button has expired"),
                         ({"option-x": "yes"}, "That button has expired")):
        status, page, _ = await browser.post(url, {**choose, **bad})
        assert status == 400 and "govuk-error-summary" in page and message in page, bad
        assert 'href="#option-1"' in page and page.count('type="checkbox"') == 3
    assert ballots() == [[1, 3]]  # nothing changed by a bad form
    _, page, _ = await browser.get(url)
    status, page, _ = await browser.post(url, {"csrf_token": csrf, "action": buttons(page)["Change"]})
    assert status == 200 and re.findall(r'id="option-(\d+)"[^>]*checked', page) == ["1", "3"]
    status, page, _ = await browser.post(url, {**choose, "option-2": "yes"})
    assert "You chose: Money" in page and ballots() == [[2]]  # a second answer replaces the first


async def test_a_private_office_answers_on_the_web_on_behalf(site: Site, db: Database) -> None:
    """A delegate sees the request "on behalf of" the leader asked and may answer it; the audit log says
    who did; blocking is the leader's own choice, so the delegate has no Block button."""
    from directory.intro_reports import add_delegate

    for user, email in (("UAINE", AINE), ("USEAN", SEAN), ("UPAT", PAT)):
        link(db, "slack", "T0001", user, email)
    with db.session() as session:
        add_delegate(session, SEAN, PAT, "cli:ops")
    chat(db, site, "UAINE", f"intro Seán O'Brien {REASON}")
    intro = intro_of(db, leader_id(db, AINE))
    office = site.browser()
    csrf = sign_in(site, office, leader_id(db, PAT))
    status, page, _ = await office.get(f"{site.url}/intros")
    assert status == 200 and "On behalf of Seán O&#39;Brien" in page
    pressed = buttons(page)
    assert "Accept" in pressed and "Block further requests from them" not in pressed
    status, page, _ = await office.post(f"{site.url}/intros/{intro.id}", {"csrf_token": csrf,
                                                                          "action": pressed["Accept"]})
    assert status == 200 and "Introduction accepted on" in page and "by you" in page
    with db.session() as session:
        done = session.get(Introduction, intro.id)
        assert done is not None and (done.status, done.answered_by_id) == ("accepted", leader_id(db, PAT))
        (entry,) = list(audit.lines(session, action="intro.accepted"))
        assert entry.actor.startswith(f"leader:{leader_id(db, PAT)}")
        assert str(entry.details["on_behalf_of"]).startswith(f"leader:{leader_id(db, SEAN)}")


@pytest.mark.parametrize("fields", [{}, {"answer": "   "}, {"comment": "x" * 6000}])
async def test_a_forged_submission_about_a_poll_not_sent_to_you_shows_nothing_of_it(
        site: Site, db: Database, clock, fields: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Attack (review 17): the poll page checked only that the posted `submit` *ended* with its own id,
    so `poll.answer:<someone else's poll>:<mine>` ran the answer form for the other poll — whose question
    (or card) came back on the viewer's page, though it was never sent to them."""
    link(db, "slack", "T0001", "UKIM", KIM)
    mine = new_poll(db, question="Is the winter plan deliverable?", options=["Yes", "No"])
    secret = new_poll(db, question="Secret question for Scotland only", options=[], kind="text",
                      allow_comment=True, audience="region:scotland")
    with db.session() as session:
        for one in (mine, secret):
            open_poll(session, session.get(Poll, one), "cli:test")
    kim = site.browser()
    csrf = sign_in(site, kim, leader_id(db, KIM))
    assert (await kim.get(f"{site.url}/polls/{secret}"))[0] == 404  # not hers
    status, page, _ = await kim.post(f"{site.url}/polls/{mine}", {
        "csrf_token": csrf, "submit": f"poll.answer:{secret}:{mine}", **fields})
    assert "Secret question" not in page
    assert status == 400 and "not on this page" in page
    # And the use case itself (a forged Teams card submission reaches it without any page): nothing shown.
    reply = site.services.bot.handle_web_submit(leader_id(db, KIM), f"poll.answer:{secret}", fields)
    assert reply is not None and "Secret question" not in repr(reply) and "not sent to you" in repr(reply)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(PollBallot)) == 0
