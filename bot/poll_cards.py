"""A poll as a card: what each leader sees of it — open with buttons, answered with "Change", closed.

Every card is drawn for one viewer from the store: the viewer's own ballot is found by its keyed hash
while the poll is open (directory/poll_store.py), never from anything stored on the card. The card that
goes out at opening is the same for everyone (no ballot yet), and the card every recipient is left with
at close is the same for everyone too, so no stored message says what anyone chose.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.replies import Actions, Block, Button, Chart, Form, Input, Reply, Text
from directory.outbox import as_utc
from directory.poll_store import ballot_of, options
from directory.polls import CANCELLED, CLOSED, MAX_ANSWER, OPEN, Poll, PollBallot
from directory.when import format_moment

VIEW, VOTE, ADD, REMOVE, CHANGE = "poll.view", "poll.vote", "poll.add", "poll.remove", "poll.change"
WRITE, ANSWER = "poll.write", "poll.answer"  # open the free-text form; its submission
CHOOSE = "poll.choose"  # a multiple-choice answer submitted whole (`option-<position>` fields: the web)


def card_key(poll_id: int, account_id: int) -> str:
    """The stable key of the poll card sent to one account (also its outbox dedupe key)."""
    return f"poll:{poll_id}:to:{account_id}"


def reminder_key(poll_id: int, number: int, account_id: int) -> str:
    return f"poll:{poll_id}:remind:{number}:to:{account_id}"


def _about(poll: Poll) -> Text:
    parts = [
        "Attributed: staff will see your name with your answer"
        if poll.attributed
        else "Anonymous: nobody, staff included, can see what you answered"
    ]
    closes = as_utc(poll.closes_at)
    if closes is not None:
        parts.append(f"closes {format_moment(closes)}")
    return Text(" · ".join(parts), "muted")


def _chosen(session: Session, poll: Poll, ballot: PollBallot | None) -> list[str]:
    if ballot is None:
        return []
    labels = dict(options(session, poll))
    return [labels[c] for c in ballot.choices if c in labels]


def _buttons(session: Session, poll: Poll, ballot: PollBallot | None) -> Actions:
    chosen = set(ballot.choices) if ballot is not None else set()
    if poll.kind == "text":
        return Actions(
            (
                Button(
                    "Answer" if ballot is None or not ballot.answer else "Change your answer",
                    f"{WRITE}:{poll.id}",
                    "primary",
                ),
            )
        )
    if poll.kind == "multi":
        return Actions(
            (
                *(
                    Button(
                        f"☑ {label}" if pos in chosen else f"☐ {label}",
                        f"{REMOVE if pos in chosen else ADD}:{poll.id}:{pos}",
                        "primary" if pos in chosen else "default",
                    )
                    for pos, label in options(session, poll)
                ),
                Button("Done", f"{VIEW}:{poll.id}"),
            )
        )
    return Actions(
        tuple(
            Button(label, f"{VOTE}:{poll.id}:{pos}", "primary" if pos in chosen else "default")
            for pos, label in options(session, poll)
        )
    )


def headline(session: Session, poll: Poll) -> str:
    """The result in one line, for participants of a poll that shares its results."""
    results = poll.results or {}
    if results.get("responded", 0) < poll.min_group:
        answered = f"{results.get('responded', 0)} of {results.get('audience', 0)} answered"
        return f"{answered}: too few to share a result."
    counts = results.get("options") or []
    total = sum(o["count"] for o in counts) or 0
    if not counts or not total:
        return f"{results.get('responded', 0)} of {results.get('audience', 0)} answered."
    shown = ", ".join(f"{o['label']} {round(100 * o['count'] / total)}%" for o in counts)
    return f"Result: {shown} ({results.get('responded', 0)} of {results.get('audience', 0)} answered)."


def shared_results(poll: Poll) -> tuple[Block, ...]:
    """What participants may see of a closed poll that shares its results: the counts as a chart and the
    breakdowns by sector and region, a small group's cell shown as hidden — or nothing: not closed,
    results for staff only, or too few answers in all (the headline's threshold). Comments stay staff's."""
    results = poll.results or {}
    if poll.status != CLOSED or poll.results_for != "participants":
        return ()
    if results.get("responded", 0) < poll.min_group:
        return ()
    blocks: list[Block] = []
    counts = results.get("options") or []
    if counts and all(isinstance(o.get("count"), int) for o in counts):
        blocks.append(Chart("Answers", tuple((str(o["label"]), int(o["count"])) for o in counts)))
    for dimension in ("sector", "region"):
        lines = []
        for group in (results.get("breakdowns") or {}).get(dimension, []):
            if group.get("suppressed"):
                lines.append(f"{group['group']}: hidden (fewer than {poll.min_group} answered)")
            elif group.get("responded"):
                shown = ", ".join(f"{o['label']} {o['count']}" for o in group.get("options", []))
                lines.append(f"{group['group']}: {group['responded']} answered"
                             + (f" — {shown}" if shown else ""))
        if lines:
            blocks.append(Text(f"By {dimension}\n" + "\n".join(lines)))
    return tuple(blocks)


def closed_card(session: Session, poll: Poll, *notice: str) -> Reply:
    """The card everyone is left with: the same for every recipient (it holds no one's answer)."""
    ended = as_utc(poll.closed_at)
    if poll.status == CANCELLED:
        lines = [Text("This poll was cancelled. Nothing you answered was kept.", "muted")]
    else:
        lines = [
            Text(f"This poll closed{f' on {format_moment(ended)}' if ended else ''}. Thank you.", "muted")
        ]
        if poll.results_for == "participants" and poll.status == CLOSED:
            lines.append(Text(headline(session, poll)))
    heads = tuple(Text(n, "heading") for n in notice)
    return Reply((*heads, Text(poll.question, "heading"), *lines), refresh=f"{VIEW}:{poll.id}")


def open_card(session: Session, poll: Poll, *, reminder: bool = False) -> Reply:
    """The card as it goes out: nobody's answer yet, so the same for every recipient."""
    head = (Text("Reminder: you have not answered this poll yet", "muted"),) if reminder else ()
    return Reply(
        (*head, Text(poll.question, "heading"), _about(poll), _buttons(session, poll, None)),
        refresh=f"{VIEW}:{poll.id}",
    )


def card_for(
    session: Session, poll: Poll, leader_id: int, *, changing: bool = False, ballot: PollBallot | None = None
) -> Reply:
    """The poll as `leader_id` sees it now (`ballot`: theirs, when the caller has just written it)."""
    if poll.status in (CLOSED, CANCELLED):
        return closed_card(session, poll)
    if poll.status != OPEN:
        return Reply(
            (Text(poll.question, "heading"), Text("This poll has not opened yet.", "muted")),
            refresh=f"{VIEW}:{poll.id}",
        )
    ballot = ballot or ballot_of(session, poll, leader_id)
    chosen = _chosen(session, poll, ballot)
    if poll.kind == "text" and ballot is not None and ballot.answer:
        chosen = [f"“{ballot.answer}”"]
    comment = (
        (Text(f"Your comment: “{ballot.comment}”", "muted"),) if ballot is not None and ballot.comment else ()
    )
    if not chosen or changing:
        now = Text(f"Your answer now: {', '.join(chosen)}. Press another to change it.") if chosen else None
        return Reply(
            (
                Text(poll.question, "heading"),
                *((now,) if now else ()),
                *comment,
                _about(poll),
                _buttons(session, poll, ballot),
            ),
            refresh=f"{VIEW}:{poll.id}",
        )
    buttons = [
        Button("Change", f"{CHANGE}:{poll.id}")
        if poll.kind != "text"
        else Button("Change your answer", f"{WRITE}:{poll.id}")
    ]
    if poll.allow_comment and poll.kind != "text":
        buttons.append(Button("Edit your comment" if comment else "Add a comment", f"{WRITE}:{poll.id}"))
    return Reply(
        (
            Text(poll.question, "heading"),
            Text(f"You chose: {', '.join(chosen)}" if poll.kind != "text" else f"Your answer: {chosen[0]}"),
            *comment,
            Text(
                "You can change your answer until the poll closes. "
                + (
                    "Results are shared after it closes."
                    if poll.results_for == "participants"
                    else "Results go to the staff team after it closes."
                ),
                "muted",
            ),
            Actions(tuple(buttons)),
        ),
        refresh=f"{VIEW}:{poll.id}",
    )


def answer_form(session: Session, poll: Poll, ballot: PollBallot | None, *, error: str = "") -> Reply:
    """The free-text answer (a text poll) and the optional comment (a poll that offers one), as a form."""
    fields = []
    if poll.kind == "text":
        fields.append(
            Input(
                "answer",
                "Your answer",
                ballot.answer if ballot else "",
                "multiline",
                max_length=MAX_ANSWER,
                error=error,
            )
        )
    if poll.allow_comment:
        fields.append(
            Input(
                "comment",
                "A comment (optional)",
                ballot.comment if ballot else "",
                "multiline",
                max_length=MAX_ANSWER,
                hint="Shown to staff without your name, and only if enough people answer.",
            )
        )
    hint = (
        "Anonymous: nobody, staff included, can see what you wrote with your name."
        if not poll.attributed
        else "Attributed: staff will see your name with your answer."
    )
    return Reply(
        (Form(f"poll-{poll.id}", poll.question[:150], tuple(fields), "Send", f"{ANSWER}:{poll.id}", hint),),
        replace=True,
    )
