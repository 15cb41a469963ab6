"""Polls: the staff CLI (clear one-line errors, nothing changed), the scheduler's sweep (a poll whose
opening passed while the service was down opens once; two sweeps at once act once), the vote's rules
(one per leader, changeable, refused after close or to someone not asked), kinds, and what close leaves."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlalchemy import func, select

from bot.engine import Bot
from bot.poll_lifecycle import close_poll, open_poll, sweep_once
from directory.accounts import ChatIdentity
from directory.audit import AuditEvent
from directory.database import Database
from directory.outbox import OutboxMessage
from directory.poll_store import VoteRefused, results, vote
from directory.polls import CLOSED, OPEN, SCHEDULED, Poll, PollBallot, PollParticipation, PollRecipient
from directory.settings import Settings
from tests.helpers import load_sample
from tests.live_helpers import leader, link
from tests.poll_helpers import new_poll, poll_state

AINE = "aine.nibhriain@belfastcity.gov.uk"
SEAN = "sean.obrien@scotland.police.uk"


def test_the_cli_creates_shows_and_refuses_clearly(leaders, db: Database) -> None:  # type: ignore[no-untyped-def]
    load_sample(db)
    made = leaders(
        "poll",
        "create",
        "--question",
        "How confident are you?",
        "--option",
        "Very",
        "--option",
        "Not very",
        "--opens",
        "+1h",
        "--closes",
        "+3d",
        "--remind",
        "+2d",
        "--json",
    )
    assert made.returncode == 0, made.stderr
    poll = json.loads(made.stdout)
    assert poll["id"] and poll["status"] == SCHEDULED and poll["options"] == ["Very", "Not very"]
    assert poll["audience"] == "everyone" and not poll["attributed"] and poll["min_group"] == 5
    for args, message in (
        (
            ("--option", "a", "--option", "b", "--opens", "+2h", "--closes", "+1h"),
            "the closing time is before the opening time",
        ),
        ((), "a single-choice poll needs options"),
        (("--option", "only one"), "has 2–10 options (got 1)"),
        (("--option", "a", "--option", "b", "--audience", "sector:health region:atlantis"), "matches nobody"),
        (("--option", "a", "--option", "b", "--audience", "sector:zzz"), "audience:"),
        (("--option", "a", "--option", "b", "--opens", "next tuesday"), "cannot read 'next tuesday'"),
        (("--kind", "scale", "--option", "a"), "takes no --option"),
    ):
        refused = leaders("poll", "create", "--question", "Q?", *args)
        assert refused.returncode != 0 and message in refused.stderr, (args, refused.stderr)
        assert refused.stderr.count("\n") <= 2 and "Traceback" not in refused.stderr
    opened = leaders("poll", "open", str(poll["id"]))
    assert (
        opened.returncode == 0
        and "sent to 0 leaders; 12 in the audience are not in chat yet" in opened.stdout
    )
    edited = leaders("poll", "edit", str(poll["id"]), "--question", "Changed?")
    assert edited.returncode == 1 and "only a poll that has not opened can be edited" in edited.stderr
    assert (
        json.loads(leaders("poll", "show", str(poll["id"]), "--json").stdout)["question"]
        == "How confident are you?"
    )  # nothing changed
    second = json.loads(
        leaders("poll", "create", "--question", "Q2?", "--option", "a", "--option", "b", "--json").stdout
    )
    early = leaders("poll", "close", str(second["id"]))
    assert early.returncode == 1 and "has not opened yet" in early.stderr
    listed = leaders("poll", "list").stdout
    assert "How confident are you?" in listed and "Q2?" in listed
    shown = json.loads(leaders("poll", "results", str(poll["id"]), "--json").stdout)
    assert {"audience", "responded", "options", "breakdowns"} <= set(shown)
    assert shown["options"] == [{"label": "Very", "count": None}, {"label": "Not very", "count": None}]
    assert set(shown["breakdowns"]) == {"sector", "region"}
    assert leaders("poll", "show", "999").stderr.strip() == "leaders: error: there is no poll 999"
    assert leaders("poll", "cancel", str(second["id"])).returncode == 0


def _linked(db: Database) -> dict[str, int]:
    load_sample(db)
    return {
        "aine": link(db, "slack", "T0001", "UAINE", AINE),
        "sean": link(db, "slack", "T0001", "USEAN", SEAN),
    }


def test_a_poll_whose_opening_passed_while_down_opens_once(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    _linked(db)
    poll_id = new_poll(db)
    clock.advance(hours=5)  # the service was down when it should have opened
    sweeps = [threading.Thread(target=sweep_once, args=(db,)) for _ in range(3)]  # and restarts race
    for sweep in sweeps:
        sweep.start()
    for sweep in sweeps:
        sweep.join()
    assert poll_state(db, poll_id).status == OPEN
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2  # one card each
        assert session.scalar(select(func.count()).select_from(PollRecipient)) == 2
        opened = session.scalars(select(AuditEvent).where(AuditEvent.action == "poll.opened")).all()
        assert len(opened) == 1
    assert sweep_once(db) == {"opened": 0, "reminded": 0, "closed": 0}


def test_missed_reminders_send_one_and_a_poll_missed_entirely_is_cancelled(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    _linked(db)
    now = clock.now()
    poll_id = new_poll(db)
    with db.session() as session:
        poll = session.get(Poll, poll_id)
        poll.reminders = [(now + timedelta(hours=h)).isoformat() for h in (2, 3)]
    clock.advance(hours=1)
    sweep_once(db)
    clock.advance(hours=5)  # both reminders were due while down: one goes
    assert sweep_once(db)["reminded"] == 1 and sweep_once(db)["reminded"] == 0
    with db.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.dedupe_key.like("%remind%"))
            )
            == 2
        )  # Áine's and Seán's
    missed = new_poll(db)
    clock.advance(days=5)
    sweep_once(db)
    assert poll_state(db, missed).status == "cancelled"  # its whole life passed while down


def test_votes_one_per_leader_changeable_and_refused_when_they_should_be(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    _linked(db)
    poll_id = new_poll(db)
    aine, sean, kim = leader(db, AINE), leader(db, SEAN), leader(db, "kim.chen@manchester.gov.uk")
    with db.session() as session:
        try:
            vote(session, poll_id, aine, choose=1)
            raise AssertionError("voted on a poll that has not opened")
        except VoteRefused as refused:
            assert refused.reason == "not_open"
        open_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        vote(session, poll_id, aine, choose=1)
        vote(session, poll_id, aine, choose=1)  # the same press again
        vote(session, poll_id, aine, choose=2)  # changed
        vote(session, poll_id, sean, choose=2)
        for who, wanted, reason in ((kim, 1, "not_asked"), (aine, 9, "bad_choice")):
            try:
                vote(session, poll_id, who, choose=wanted)
                raise AssertionError(reason)
            except VoteRefused as refused:
                assert refused.reason == reason
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(PollParticipation)) == 2
        assert session.scalar(select(func.count()).select_from(PollBallot)) == 2
        assert all(b.leader_id is None for b in session.scalars(select(PollBallot)))  # no voter id
        running = results(session, session.get(Poll, poll_id))  # before close: how many, never what
        assert running["responded"] == 2 and {o["count"] for o in running["options"]} == {None}
        assert close_poll(session, session.get(Poll, poll_id), "cli:test")
        assert not close_poll(session, session.get(Poll, poll_id), "cli:test")  # once
    with db.session() as session:
        try:
            vote(session, poll_id, aine, choose=1)
            raise AssertionError("voted after close")
        except VoteRefused as refused:
            assert refused.reason == "closed"
        assert session.scalar(select(func.count()).select_from(PollParticipation)) == 0  # none re-added
        poll = session.get(Poll, poll_id)
        assert poll.status == CLOSED and poll.responded == 2 and poll.results["options"][1]["count"] == 2


def test_an_attributed_poll_keeps_who_answered_what(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    _linked(db)
    poll_id = new_poll(db, attributed=True)
    aine = leader(db, AINE)
    with db.session() as session:
        open_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        vote(session, poll_id, aine, choose=3)
    with db.session() as session:
        close_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        (ballot,) = session.scalars(select(PollBallot))
        assert ballot.leader_id == aine.id and ballot.choices == [3]


def test_multi_choice_and_scale_by_button_in_the_console_way(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    _linked(db)
    multi = new_poll(db, question="Which matter most?", options=["Staff", "Money", "Time"], kind="multi")
    scale = new_poll(db, question="How ready are you?", options=[], kind="scale")
    with db.session() as session:
        for poll_id in (multi, scale):
            open_poll(session, session.get(Poll, poll_id), "cli:test")
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    aine = ChatIdentity("slack", "T0001", "UAINE")
    for action in (
        f"poll.add:{multi}:1",
        f"poll.add:{multi}:3",
        f"poll.add:{multi}:3",
        f"poll.remove:{multi}:1",
        f"poll.add:{multi}:2",
    ):
        card = bot.handle_action(aine, action)
    assert "☑ Money" in card.plain() and "☑ Time" in card.plain() and "☐ Staff" in card.plain()
    assert "You chose: 4" in bot.handle_action(aine, f"poll.vote:{scale}:4").plain()
    listing = bot.handle_text(aine, "polls").plain()
    assert "Which matter most?" in listing and "You chose: 4" in listing
    sean = ChatIdentity("slack", "T0001", "USEAN")
    assert "No polls" not in bot.handle_text(sean, "polls").plain()
    with db.session() as session:
        for poll_id in (multi, scale):
            close_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        shown = results(session, session.get(Poll, multi))
        assert [o["count"] for o in shown["options"]] == [0, 1, 1]
        assert results(session, session.get(Poll, scale))["mean"] == 4.0
    assert "No polls are open for you" in bot.handle_text(sean, "polls").plain()
    stranger_view = bot.handle_action(ChatIdentity("slack", "T0001", "UNOBODY"), f"poll.view:{multi}").plain()
    assert "Which matter most?" not in stranger_view


def test_results_as_csv_png_and_a_report_escape_hostile_text(leaders, db: Database, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _linked(db)
    poll_id = new_poll(
        db,
        question="<script>alert('q')</script> Ready?",
        options=['=HYPERLINK("http://x")', "No $x$"],
        min_group=2,
        allow_comment=True,
    )
    with db.session() as session:
        open_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        vote(session, poll_id, leader(db, AINE), choose=1, comment="</li><img src=x onerror=alert(1)> fine")
        vote(session, poll_id, leader(db, SEAN), choose=2, comment="@SUM(A1) worried")
        close_poll(session, session.get(Poll, poll_id), "cli:test")
    made = leaders(
        "poll",
        "results",
        str(poll_id),
        "--csv",
        "--png",
        str(tmp_path / "chart.png"),
        "--report",
        str(tmp_path / "report.html"),
    )
    assert made.returncode == 0, made.stderr
    assert 'total,all,"\'=HYPERLINK(""http://x"")",1,2' in made.stdout
    assert "'@SUM(A1) worried" in made.stdout
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in report and "&lt;script&gt;" in report
    assert "<img src=x" not in report and "&lt;img src=x onerror=alert(1)&gt; fine" in report
    assert 'src="data:image/png;base64,' in report and "http" not in report.replace("http://x", "")
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o600
    redacted = leaders("poll", "redact", str(poll_id), "1")
    assert redacted.returncode == 0, redacted.stderr
    shown = json.loads(leaders("poll", "results", str(poll_id), "--json").stdout)
    assert [c["redacted"] for c in shown["comments"]].count(True) == 1
    assert leaders("poll", "results", str(new_poll(db)), "--csv").returncode == 1  # not closed: no files


def test_free_text_answers_and_comments_through_the_form(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    _linked(db)
    text_poll = new_poll(db, question="What would help most?", options=[], kind="text", min_group=2)
    choice = new_poll(db, question="Ready?", options=["Yes", "No"], allow_comment=True, min_group=2)
    with db.session() as session:
        for poll_id in (text_poll, choice):
            open_poll(session, session.get(Poll, poll_id), "cli:test")
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    aine, sean = ChatIdentity("slack", "T0001", "UAINE"), ChatIdentity("slack", "T0001", "USEAN")
    card = bot.handle_action(aine, f"poll.view:{text_poll}")
    assert "[Answer]" in card.plain()
    form = bot.handle_action(aine, f"poll.write:{text_poll}").form
    assert form is not None and [f.name for f in form.fields] == ["answer"]
    empty = bot.handle_submit(aine, form.submit_action, {"answer": "  "}).form
    assert empty is not None and empty.errors  # the form again, with the error
    done = bot.handle_submit(aine, form.submit_action, {"answer": "More <b>money</b> & time"}).plain()
    assert "Your answer: “More <b>money</b> & time”" in done
    bot.handle_submit(sean, form.submit_action, {"answer": "Fewer meetings"})
    bot.handle_action(aine, f"poll.vote:{choice}:1")
    with_comment = bot.handle_action(aine, f"poll.write:{choice}").form
    assert with_comment is not None and [f.name for f in with_comment.fields] == ["comment"]
    commented = bot.handle_submit(
        aine, with_comment.submit_action, {"comment": "Staffing is the risk"}
    ).plain()
    assert "You chose: Yes" in commented and "Your comment: “Staffing is the risk”" in commented
    bot.handle_action(sean, f"poll.vote:{choice}:2")
    with db.session() as session:
        for poll_id in (text_poll, choice):
            close_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        texts = sorted(c["text"] for c in results(session, session.get(Poll, text_poll))["comments"])
        assert texts == ["Fewer meetings", "More <b>money</b> & time"]
        shown = results(session, session.get(Poll, choice))
        assert [c["text"] for c in shown["comments"]] == ["Staffing is the risk"]
        assert [o["count"] for o in shown["options"]] == [1, 1]
        assert session.scalar(select(func.count()).select_from(PollBallot)) == 0


def test_participants_are_told_the_headline_when_the_poll_says_so(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    _linked(db)
    shared = new_poll(db, question="Shared?", options=["Yes", "No"], results_for="participants", min_group=2)
    few = new_poll(db, question="Few?", options=["Yes", "No"], results_for="participants", min_group=5)
    with db.session() as session:
        for poll_id in (shared, few):
            open_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        for poll_id in (shared, few):
            vote(session, poll_id, leader(db, AINE), choose=1)
            vote(session, poll_id, leader(db, SEAN), choose=1)
    with db.session() as session:
        for poll_id in (shared, few):
            close_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        cards = {
            poll_id: {
                json.dumps(r.reply, ensure_ascii=False)
                for r in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"poll:{poll_id}:to:%"))
                )
            }
            for poll_id in (shared, few)
        }
    (told,) = cards[shared]  # every recipient's card is the same, with the headline
    assert "Result: Yes 100%, No 0% (2 of 2 answered)." in told
    (withheld,) = cards[few]
    assert "too few to share a result" in withheld and "Yes 100%" not in withheld
