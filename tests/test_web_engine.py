"""The engine's web front door (bot/engine.py `as_leader`, `handle_web_action`, `handle_web_submit`): the
same use cases as chat for a leader signed in on the web, and the rules a web page reaches that chat never
did — a leaver asked for by id, a settings form whose good platform rode along with a bad time."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.engine import Bot, web_identity
from bot.poll_cards import shared_results
from bot.replies import Chart, Text
from directory.database import Database
from directory.introductions import Introduction
from directory.leavers import mark_leaver
from directory.models import Leader
from directory.outbox import OutboxMessage
from directory.people import by_email
from directory.polls import CLOSED, Poll
from directory.settings import Settings
from tests.content_helpers import topics
from tests.helpers import load_sample
from tests.live_helpers import link

AINE = "aine.nibhriain@belfastcity.gov.uk"
SEAN = "sean.obrien@scotland.police.uk"
PAT = "pat.nurse@cardiff.gov.uk"
REASON = "I'd value your experience of major incidents as we plan for winter in Belfast."


def _bot(db: Database) -> Bot:
    return Bot(db, Settings(_env_file=None, LEADERS_DATABASE_URL=db.url))  # type: ignore[call-arg]


def _id(db: Database, email: str) -> int:
    with db.session() as session:
        leader = by_email(session, email)
        assert leader is not None
        return leader.id


def _intros(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Introduction)) or 0)


def test_a_web_visit_is_the_leader_by_id_and_nothing_for_a_leaver(db: Database) -> None:
    load_sample(db)
    bot, aine = _bot(db), _id(db, AINE)
    seen = bot.as_leader(aine, lambda ctx: (ctx.leader.email, ctx.identity, ctx.shared, ctx.revision))
    assert seen == (AINE, web_identity(aine), False, None)
    assert bot.as_leader(999_999, lambda ctx: "someone") is None
    with db.session() as session:
        mark_leaver(session, session.get(Leader, aine), "cli:test")
    assert bot.as_leader(aine, lambda ctx: "still here") is None
    assert bot.handle_web_action(aine, f"intro.form:{_id(db, SEAN)}") is None


def test_a_web_press_of_an_unknown_action_is_answered_not_raised(db: Database) -> None:
    load_sample(db)
    reply = _bot(db).handle_web_action(_id(db, AINE), "no.such:thing~3")
    assert reply is not None and "expired" in reply.plain()
    reply = _bot(db).handle_web_submit(_id(db, AINE), "no.such", {"x": "y"})
    assert reply is not None and "expired" in reply.plain()


def test_a_leaver_cannot_be_asked_for_an_introduction_by_id(db: Database) -> None:
    """Search never finds a leaver, but a web link (or an old card) names one by id: refused, nothing made."""
    load_sample(db)
    bot, aine, sean = _bot(db), _id(db, AINE), _id(db, SEAN)
    with db.session() as session:
        mark_leaver(session, session.get(Leader, sean), "cli:test")
    opened = bot.handle_web_action(aine, f"intro.form:{sean}")
    assert opened is not None and opened.form is None and "no longer in the directory" in opened.plain()
    sent = bot.handle_web_submit(aine, f"intro.send:{sean}", {"reason": REASON})
    assert sent is not None and "no longer in the directory" in sent.plain()
    assert _intros(db) == 0


def test_a_request_made_on_the_web_puts_the_requesters_card_in_their_chat(db: Database) -> None:
    """Asked on the web, the requester's own card goes to the chat account they are reached on, as if
    they had asked there — so Withdraw works in chat too, and every later change redraws it."""
    load_sample(db)
    account = link(db, "slack", "T0001", "UAINE", AINE)
    link(db, "slack", "T0001", "USEAN", SEAN)
    reply = _bot(db).handle_web_submit(_id(db, AINE), f"intro.send:{_id(db, SEAN)}", {"reason": REASON})
    assert reply is not None and reply.refresh.startswith("intro.view:")
    with db.session() as session:
        keys = set(session.scalars(select(OutboxMessage.dedupe_key)))
    intro_id = reply.refresh.split(":")[1]
    assert f"intro:{intro_id}:to:{account}" in keys


def test_a_settings_form_with_one_bad_field_changes_nothing_not_even_the_platform(db: Database) -> None:
    load_sample(db)
    topics(db)
    link(db, "slack", "T0001", "UAINE", AINE)
    link(db, "teams", "tenant", "aad-aine", AINE)
    bot, aine = _bot(db), _id(db, AINE)
    with db.session() as session:
        before = session.get(Leader, aine).preferred_platform
    wanted = "slack" if before == "teams" else "teams"
    values = {"cadence": "daily", "weekday": "monday", "time": "25:99", "timezone": "Europe/London",
              "topics": "all", "platform": wanted}
    reply = bot.handle_web_submit(aine, "settings.save", values)
    assert reply is not None and reply.form is not None and "time" in reply.form.errors
    with db.session() as session:
        assert session.get(Leader, aine).preferred_platform == before
    reply = bot.handle_web_submit(aine, "settings.save", {**values, "time": "07:30"})
    assert reply is not None and reply.form is None
    with db.session() as session:
        assert session.get(Leader, aine).preferred_platform == wanted


def test_participants_see_shared_counts_and_breakdowns_with_small_groups_hidden() -> None:
    results = {"audience": 40, "responded": 12, "options": [{"label": "Yes", "count": 9},
                                                          {"label": "No", "count": 3}],
               "breakdowns": {"sector": [{"group": "NHS", "responded": 8,
                                          "options": [{"label": "Yes", "count": 6},
                                                      {"label": "No", "count": 2}]},
                                         {"group": "policing", "suppressed": True}], "region": []}}
    poll = Poll(question="Q?", status=CLOSED, results_for="participants", min_group=5, results=results)
    chart, by_sector = shared_results(poll)
    assert chart == Chart("Answers", (("Yes", 9), ("No", 3)))
    assert isinstance(by_sector, Text) and "NHS: 8 answered — Yes 6, No 2" in by_sector.text
    assert "policing: hidden (fewer than 5 answered)" in by_sector.text
    assert "policing: 0" not in by_sector.text
    for status, shown_to, k in ((CLOSED, "staff", 5), (CLOSED, "participants", 20),
                                ("open", "participants", 5)):
        hidden = Poll(question="Q?", status=status, results_for=shown_to, min_group=k, results=results)
        assert shared_results(hidden) == ()


def test_a_whole_multiple_choice_answer_is_for_multiple_choice_polls_only(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.poll_lifecycle import open_poll
    from directory.poll_store import VoteRefused, vote
    from tests.poll_helpers import new_poll

    load_sample(db)
    link(db, "slack", "T0001", "UAINE", AINE)
    single, multi = new_poll(db), new_poll(db, options=["Staff", "Money", "Time"], kind="multi")
    with db.session() as session:
        for poll_id in (single, multi):
            open_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        aine = by_email(session, AINE)
        for poll_id, choices in ((single, [1]), (multi, []), (multi, [1, 7])):
            try:
                vote(session, poll_id, aine, choices=choices)
                raise AssertionError((poll_id, choices))
            except VoteRefused as refused:
                assert refused.reason == "bad_choice"
        assert vote(session, multi, aine, choices=[3, 1, 3]).choices == [1, 3]
