"""Polls in the store: create and edit (validated), the vote (one per leader, changeable until close),
and close (publish the tallies, destroy the secret, and for an anonymous poll the ballots and ledger).

Cards and messages are the bot's business (bot/usecases/polls.py); this module knows rows only. Every
function runs in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from directory.audience import count as audience_count
from directory.audience import parse_audience
from directory.models import Leader, utcnow
from directory.outbox import as_utc, dialect_insert
from directory.poll_results import Answer, tally, texts_of
from directory.polls import (
    CANCELLED,
    CLOSED,
    KINDS,
    MAX_ANSWER,
    MAX_OPTION,
    MAX_QUESTION,
    OPEN,
    RESULTS_FOR,
    SCHEDULED,
    Poll,
    PollBallot,
    PollComment,
    PollOption,
    PollParticipation,
    PollRecipient,
)
from directory.search_query import QueryError

SCALE = tuple((n, str(n)) for n in range(1, 6))
MIN_OPTIONS, MAX_OPTIONS = 2, 10


class PollError(ValueError):
    """Something staff can fix; one line. Nothing was changed."""


class VoteRefused(Exception):
    """A press that cannot count: `reason` is closed, not_open, not_asked or bad_choice."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class PollSpec:
    question: str
    options: list[str] = field(default_factory=list)
    kind: str = "single"
    audience: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    reminders: list[datetime] = field(default_factory=list)
    attributed: bool = False
    allow_comment: bool = False
    min_group: int = 5
    results_for: str = "staff"


def _clean_line(text: str, what: str, limit: int) -> str:
    value = " ".join((text or "").split())
    if not value:
        raise PollError(f"the {what} is empty")
    if len(value) > limit:
        raise PollError(f"the {what} is {len(value)} characters; the most is {limit}")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029\u202e\u202d" for c in value):
        raise PollError(f"the {what} holds control characters")
    return value


def validate(session: Session, spec: PollSpec, *, now: datetime | None = None) -> PollSpec:
    """`spec` checked and normalised, or PollError naming the first problem."""
    now = now or utcnow()
    question = _clean_line(spec.question, "question", MAX_QUESTION)
    if spec.kind not in KINDS:
        raise PollError(f"unknown kind {spec.kind[:20]!r}: choose {', '.join(KINDS)}")
    options = [_clean_line(o, "option", MAX_OPTION) for o in spec.options]
    if spec.kind in ("single", "multi"):
        if not options:
            raise PollError(f"a {spec.kind}-choice poll needs options: give --option at least twice")
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise PollError(
                f"a {spec.kind}-choice poll has {MIN_OPTIONS}–{MAX_OPTIONS} options (got {len(options)})"
            )
        seen: set[str] = set()
        for option in options:
            if option.casefold() in seen:
                raise PollError(f"the option {option!r} is given twice")
            seen.add(option.casefold())
    elif options:
        raise PollError(
            f"a {spec.kind} poll takes no --option (its answers are "
            f"{'1 to 5' if spec.kind == 'scale' else 'free text'})"
        )
    try:
        audience = parse_audience(spec.audience)
    except QueryError as error:
        raise PollError(f"audience: {error}") from None
    if audience_count(session, audience) == 0:
        raise PollError(f"the audience {audience.describe()!r} matches nobody in the directory")
    opens, closes = as_utc(spec.opens_at), as_utc(spec.closes_at)
    if closes is not None and closes <= (opens or now):
        raise PollError(
            "the closing time is before the opening time" if opens else "the closing time has already passed"
        )
    reminders = sorted(as_utc(r) for r in spec.reminders)  # type: ignore[type-var]
    for reminder in reminders:
        assert reminder is not None
        if reminder <= (opens or now) or (closes is not None and reminder >= closes):
            raise PollError("a reminder must fall after the poll opens and before it closes")
    if not 1 <= spec.min_group <= 1000:
        raise PollError("--min-group must be between 1 and 1000")
    if spec.results_for not in RESULTS_FOR:
        raise PollError(f"--results must be {' or '.join(RESULTS_FOR)}")
    return PollSpec(
        question,
        options,
        spec.kind,
        audience.text,
        opens,
        closes,
        reminders,
        spec.attributed,
        spec.allow_comment,
        spec.min_group,
        spec.results_for,
    )  # type: ignore[arg-type]


def _apply(session: Session, poll: Poll, spec: PollSpec) -> None:
    poll.question, poll.kind, poll.audience = spec.question, spec.kind, spec.audience
    poll.opens_at, poll.closes_at = spec.opens_at, spec.closes_at
    poll.reminders = [r.isoformat() for r in spec.reminders]
    poll.attributed, poll.allow_comment = spec.attributed, spec.allow_comment
    poll.min_group, poll.results_for = spec.min_group, spec.results_for
    session.execute(delete(PollOption).where(PollOption.poll_id == poll.id))
    labels = list(SCALE) if spec.kind == "scale" else list(enumerate(spec.options, 1))
    session.add_all(PollOption(poll_id=poll.id, position=p, label=label) for p, label in labels)


def create(session: Session, spec: PollSpec, actor: str) -> Poll:
    checked = validate(session, spec)
    poll = Poll(
        question=checked.question,
        status=SCHEDULED,
        created_by=actor[:200],
        created_at=utcnow(),
        revision=0,
        reminders_sent=0,
        audience_size=0,
        responded=0,
    )
    session.add(poll)
    session.flush()
    _apply(session, poll, checked)
    session.flush()
    return poll


def spec_of(session: Session, poll: Poll) -> PollSpec:
    return PollSpec(
        poll.question,
        [] if poll.kind in ("scale", "text") else [o for _, o in options(session, poll)],
        poll.kind,
        poll.audience,
        as_utc(poll.opens_at),
        as_utc(poll.closes_at),
        [datetime.fromisoformat(r) for r in poll.reminders],
        poll.attributed,
        poll.allow_comment,
        poll.min_group,
        poll.results_for,
    )


def edit(session: Session, poll: Poll, spec: PollSpec) -> Poll:
    if poll.status != SCHEDULED:
        raise PollError(
            f"poll {poll.id} is {poll.status}: only a poll that has not opened can be edited "
            "(cancel it and create another)"
        )
    _apply(session, poll, validate(session, spec))
    poll.revision += 1
    session.flush()
    return poll


def get(session: Session, poll_id: int) -> Poll:
    poll = session.get(Poll, poll_id)
    if poll is None:
        raise PollError(f"there is no poll {poll_id}")
    return poll


def options(session: Session, poll: Poll) -> list[tuple[int, str]]:
    """(position, label) of the poll's options; read once per unit of work (they never change once open)."""
    cache = session.info.setdefault("poll_options", {})
    if (poll.id, poll.revision) not in cache:
        cache[(poll.id, poll.revision)] = _options(session, poll)
    return cache[(poll.id, poll.revision)]


def _options(session: Session, poll: Poll) -> list[tuple[int, str]]:
    return [
        (p, label)
        for p, label in session.execute(
            select(PollOption.position, PollOption.label)
            .where(PollOption.poll_id == poll.id)
            .order_by(PollOption.position)
        )
    ]


def is_closing_due(poll: Poll, now: datetime | None = None) -> bool:
    closes = as_utc(poll.closes_at)
    return closes is not None and closes <= (now or utcnow())


# -- the vote ---------------------------------------------------------------------------------------


def voter_key(poll: Poll, leader_id: int) -> str:
    """The leader's ballot key in this poll: HMAC-SHA256 under the poll's secret (gone once closed)."""
    if not poll.secret:
        raise VoteRefused("closed")
    return hmac.new(bytes.fromhex(poll.secret), f"leader:{leader_id}".encode(), hashlib.sha256).hexdigest()


def ballot_of(session: Session, poll: Poll, leader_id: int) -> PollBallot | None:
    """The leader's own ballot while the poll is open (None if they have not answered, or it closed)."""
    if poll.status != OPEN or not poll.secret:
        return None
    return session.scalar(
        select(PollBallot).where(
            PollBallot.poll_id == poll.id, PollBallot.voter_key == voter_key(poll, leader_id)
        )
    )


def has_answered(session: Session, poll_id: int, leader_id: int) -> bool:
    return session.get(PollParticipation, (poll_id, leader_id)) is not None


def is_recipient(session: Session, poll_id: int, leader_id: int) -> bool:
    return session.get(PollRecipient, (poll_id, leader_id)) is not None


def vote(
    session: Session,
    poll_id: int,
    leader: Leader,
    *,
    choose: int | None = None,
    add: int | None = None,
    remove: int | None = None,
    answer: str | None = None,
    comment: str | None = None,
    choices: Sequence[int] | None = None,
) -> PollBallot:
    """Record the leader's answer (one ballot per leader; pressing again changes it, the same press twice
    changes nothing). Raises VoteRefused. `choices`: a multiple-choice poll's whole answer at once (the
    web's checkboxes), instead of one `add`/`remove` per press.

    The ledger row is written first: on SQLite that takes the write lock, so the poll's state read next
    cannot change before commit; on PostgreSQL the poll row is read `FOR SHARE`, so a close waits for
    votes in flight and a vote after a close sees it closed. A refused vote takes its ledger row back.
    """
    inserted = (
        session.execute(
            dialect_insert(session)(PollParticipation)
            .values(poll_id=poll_id, leader_id=leader.id)
            .on_conflict_do_nothing()
            .returning(PollParticipation.leader_id)
        ).first()
        is not None
    )
    asked = (
        select(PollRecipient.leader_id)
        .where(PollRecipient.poll_id == poll_id, PollRecipient.leader_id == leader.id)
        .exists()
    )
    found = session.execute(
        select(Poll, asked.label("asked"))
        .where(Poll.id == poll_id)
        .with_for_update(read=True, of=Poll)
        .execution_options(populate_existing=True)
    ).first()
    poll = found[0] if found else None
    try:
        if poll is None:
            raise VoteRefused("not_open")
        if poll.status in (CLOSED, CANCELLED) or (poll.status == OPEN and is_closing_due(poll)):
            raise VoteRefused("closed")
        if poll.status != OPEN:
            raise VoteRefused("not_open")
        if not found[1]:
            raise VoteRefused("not_asked")
        positions = {p for p, _ in options(session, poll)}
        for wanted in (choose, add, remove, *(choices or ())):
            if wanted is not None and wanted not in positions:
                raise VoteRefused("bad_choice")
        if (choose is not None or add is not None or remove is not None) and poll.kind == "text":
            raise VoteRefused("bad_choice")
        if choices is not None and (poll.kind != "multi" or not choices):
            raise VoteRefused("bad_choice")
    except VoteRefused:
        if inserted:
            session.execute(
                delete(PollParticipation).where(
                    PollParticipation.poll_id == poll_id, PollParticipation.leader_id == leader.id
                )
            )
        raise
    key = voter_key(poll, leader.id)
    if choose is not None and add is None and remove is None and answer is None and comment is None:
        # One press of a single-choice or scale option: one upsert, whatever was there before.
        insert = dialect_insert(session)(PollBallot).values(
            poll_id=poll.id,
            voter_key=key,
            leader_id=leader.id if poll.attributed else None,
            sector=leader.sector or "",
            region=(leader.region or "")[:100],
            choices=[choose],
            answer="",
            comment="",
        )
        upsert = insert.on_conflict_do_update(
            index_elements=["poll_id", "voter_key"], set_={"choices": [choose]}
        )
        return session.scalars(
            upsert.returning(PollBallot), execution_options={"populate_existing": True}
        ).one()
    session.execute(
        dialect_insert(session)(PollBallot)
        .values(
            poll_id=poll.id,
            voter_key=key,
            leader_id=leader.id if poll.attributed else None,
            sector=leader.sector or "",
            region=(leader.region or "")[:100],
            choices=[],
            answer="",
            comment="",
        )
        .on_conflict_do_nothing()
    )
    ballot = session.scalar(
        select(PollBallot)
        .where(PollBallot.poll_id == poll.id, PollBallot.voter_key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert ballot is not None
    chosen = [int(c) for c in ballot.choices]
    if choose is not None:
        chosen = [choose]
    if add is not None and add not in chosen:
        chosen = sorted([*chosen, add])
    if remove is not None:
        chosen = [c for c in chosen if c != remove]
    if choices is not None:
        chosen = sorted(set(choices))
    if chosen != ballot.choices:
        ballot.choices = chosen
    if answer is not None:
        ballot.answer = answer.strip()[:MAX_ANSWER]
    if comment is not None:
        ballot.comment = comment.strip()[:MAX_ANSWER]
    session.flush()
    return ballot


# -- results and close -------------------------------------------------------------------------------


def _members(session: Session, poll: Poll) -> list[tuple[str, str]]:
    return [
        (s or "", r or "")
        for s, r in session.execute(
            select(Leader.sector, Leader.region)
            .join(PollRecipient, PollRecipient.leader_id == Leader.id)
            .where(PollRecipient.poll_id == poll.id)
        )
    ]


def _answers(session: Session, poll: Poll) -> list[Answer]:
    rows = session.scalars(select(PollBallot).where(PollBallot.poll_id == poll.id))
    return [
        Answer(b.sector, b.region, tuple(int(c) for c in b.choices), b.answer, b.comment)
        for b in rows
        if b.choices or b.answer.strip() or b.comment.strip()
    ]


def results(session: Session, poll: Poll) -> dict:
    """What staff see. Counts exist only once the poll has closed: a running tally read twice, with the
    ledger saying who answered in between, would give that person's answer away by subtraction. Before
    close there is the response count alone."""
    if poll.status != CLOSED or poll.results is None:
        return {
            "audience": poll.audience_size,
            "responded": _responded_so_far(session, poll),
            "response_rate": round(_responded_so_far(session, poll) / poll.audience_size, 4)
            if poll.audience_size
            else 0.0,
            "options": [{"label": label, "count": None} for _, label in options(session, poll)],
            "breakdowns": {"sector": [], "region": []},
            "min_group": poll.min_group,
            "final": False,
            "comments": [],
            "comments_shown": False,
        }
    result = dict(poll.results)
    comments = session.scalars(
        select(PollComment).where(PollComment.poll_id == poll.id).order_by(PollComment.id)
    )
    visible = result["responded"] >= poll.min_group
    result["final"] = True
    result["comments_shown"] = visible
    result["comments"] = (
        [
            {
                "id": c.id,
                "kind": c.kind,
                "text": "[redacted by staff]" if c.redacted else c.text,
                "redacted": c.redacted,
            }
            for c in comments
        ]
        if visible
        else []
    )
    return result


def _responded_so_far(session: Session, poll: Poll) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(PollParticipation).where(PollParticipation.poll_id == poll.id)
        )
        or 0
    )


def close(session: Session, poll: Poll) -> bool:
    """Close `poll` (False if it was not open): publish the results, destroy the voter-key secret and,
    unless the poll is attributed, delete the ballots and the ledger — leaving counts only."""
    if not claim(session, poll, OPEN):
        return False
    answers = _answers(session, poll)
    published = tally(
        answers, options(session, poll), _members(session, poll), poll.min_group, kind=poll.kind
    )
    texts = texts_of(answers)
    random.SystemRandom().shuffle(texts)  # stored order says nothing about who wrote what, or when
    session.add_all(
        PollComment(poll_id=poll.id, kind=kind, text=text, redacted=False) for kind, text in texts
    )
    poll.responded = len(answers)
    poll.results = published
    poll.status, poll.closed_at, poll.secret = CLOSED, utcnow(), None
    if not poll.attributed:
        session.execute(delete(PollBallot).where(PollBallot.poll_id == poll.id))
        session.execute(delete(PollParticipation).where(PollParticipation.poll_id == poll.id))
    session.flush()
    return True


def claim(session: Session, poll: Poll, status: str) -> bool:
    """Take `poll` for a change of state if it is still `status`: one conditional UPDATE, so of two
    schedulers (or a scheduler and a staff member) acting at once exactly one goes on. It is the
    transaction's first write, so on SQLite it holds the write lock from here; on PostgreSQL the row
    lock waits for votes in flight (they read the poll FOR SHARE). `poll` is reloaded either way."""
    claimed = session.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.status == status)
        .values(revision=Poll.revision + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(poll)
    return bool(claimed) and poll.status == status


def start(session: Session, poll: Poll) -> bool:
    """Mark `poll` open with a fresh voter-key secret (the bot sends the cards in the same transaction);
    False if it was no longer scheduled."""
    if not claim(session, poll, SCHEDULED):
        return False
    poll.status, poll.opened_at = OPEN, utcnow()
    poll.secret = secrets.token_hex(32)
    session.flush()
    return True


def redact(session: Session, poll: Poll, comment_id: int) -> None:
    comment = session.get(PollComment, comment_id)
    if comment is None or comment.poll_id != poll.id:
        raise PollError(f"poll {poll.id} has no comment {comment_id}")
    comment.redacted = True
    comment.text = ""


def recipients(session: Session, poll: Poll) -> Sequence[PollRecipient]:
    return list(session.scalars(select(PollRecipient).where(PollRecipient.poll_id == poll.id)))


def non_respondents(session: Session, poll: Poll) -> list[PollRecipient]:
    answered = select(PollParticipation.leader_id).where(PollParticipation.poll_id == poll.id)
    return list(
        session.scalars(
            select(PollRecipient).where(
                PollRecipient.poll_id == poll.id, PollRecipient.leader_id.notin_(answered)
            )
        )
    )
