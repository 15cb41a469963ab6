"""What an introduction looks like to each person who sees it: neutral Replies, drawn per viewer.

One function, `card_for`, draws the live card of a request for whoever is looking — the requester, the
recipient, or a delegate answering on the recipient's behalf — in its current state. The same drawing is
used when the card is first queued, when a press replaces it, when another device's press updates it
through the outbox, and when Teams refreshes it for a viewer (`intro.view`), so the four can never
disagree.

Before Accept nothing here shows a field above `everyone` level: the cards are built with a plain
`Viewer`, never an introduced one. `details_for` — sent only on Accept — is the one place that draws the
other person as someone you have been introduced to.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.actions import revised
from bot.cards import headline, profile_card, verification
from bot.replies import Actions, Button, Field, PersonCard, Reply, Text
from directory.accounts import accounts_of
from directory.introductions import (
    ACCEPTED,
    DECLINED,
    EXPIRED,
    MET_ANSWERS,
    OPEN,
    SNOOZED,
    WITHDRAWN,
    Introduction,
    aware,
    day,
    may_answer,
)
from directory.models import Leader
from directory.privacy import Viewer, visible_fields

ACCEPT, DECLINE, NOT_NOW, WITHDRAW = "intro.accept", "intro.decline", "intro.notnow", "intro.withdraw"
BLOCK, VIEW, MET = "intro.block", "intro.view", "intro.met"
FORM, SEND = "intro.form", "intro.send"  # the profile card's "Request introduction", and its form
CONSENT_NOTE = ("If you accept, you'll each receive the other's contact details — what each of you shares "
                "with people you've been introduced to. Nothing is shared before you accept.")


def _person(session: Session, viewer_id: int, leader: Leader, *fields: Field) -> PersonCard:
    """`leader` as any verified leader sees them (never `introduced` level), and how we know it is them."""
    shown = visible_fields(Viewer(viewer_id), leader)
    linked = tuple(a.linked_via for a in accounts_of(session, leader))
    return PersonCard(leader.id, leader.full_name, headline(shown), fields, verification(leader, linked))


def _leaders(session: Session, intro: Introduction) -> tuple[Leader, Leader]:
    requester, recipient = session.get(Leader, intro.requester_id), session.get(Leader, intro.recipient_id)
    assert requester is not None and recipient is not None  # both rows cascade with the introduction
    return requester, recipient


def _answer_buttons(intro: Introduction) -> Actions:
    rev = intro.revision
    return Actions((Button("Accept", revised(f"{ACCEPT}:{intro.id}", rev), "primary"),
                    Button("Not now", revised(f"{NOT_NOW}:{intro.id}", rev)),
                    Button("Decline", revised(f"{DECLINE}:{intro.id}", rev), "danger")))


def card_for(session: Session, intro: Introduction, viewer_id: int) -> Reply:
    """The request as `viewer_id` sees it now; someone with no part in it sees nothing of it."""
    requester, recipient = _leaders(session, intro)
    refresh = f"{VIEW}:{intro.id}"
    if viewer_id == requester.id:
        return Reply(_requester_blocks(session, intro, requester, recipient), refresh=refresh)
    if may_answer(session, intro, viewer_id):
        return Reply(_answerer_blocks(session, intro, viewer_id, requester, recipient), refresh=refresh)
    return Reply((Text("This introduction is not yours to see.", "error"),), refresh=refresh)


def _requester_blocks(session: Session, intro: Introduction, requester: Leader,
                      recipient: Leader) -> tuple:
    them = _person(session, requester.id, recipient, Field("Your reason", intro.reason))
    if intro.status in OPEN:
        waiting = (f"Waiting for {recipient.full_name} to join Leaders Connect in chat: your request will "
                   "reach them when they do." if intro.delivered_at is None else
                   f"Sent {day(intro.created_at)}. Waiting for an answer.")
        return (Text(f"Your introduction request to {recipient.full_name}", "heading"), them,
                Text(waiting, "muted"),
                Actions((Button("Withdraw", revised(f"{WITHDRAW}:{intro.id}", intro.revision), "danger"),)))
    if intro.status == ACCEPTED:
        return (Text(f"Introduced to {recipient.full_name} on {day(intro.decided_at)}", "heading"), them,
                Text("You've each been sent the other's contact details in a separate message; "
                     f"`profile {recipient.full_name}` shows them too.", "muted"))
    if intro.status == DECLINED:
        return (Text(f"Your request to {recipient.full_name}", "heading"), them,
                Text(f"{recipient.full_name} isn't able to take this up at the moment — no reason is needed, "
                     "and nothing of yours or theirs was shared. Thank you for reaching out."))
    if intro.status == WITHDRAWN:
        return (Text(f"You withdrew this request on {day(intro.decided_at)}", "heading"), them)
    return (Text(f"Your request to {recipient.full_name} expired on {day(intro.decided_at)}", "heading"),
            them, Text("It had no answer in time; nothing was shared. You may ask again.", "muted"))


def _answerer_blocks(session: Session, intro: Introduction, viewer_id: int, requester: Leader,
                     recipient: Leader) -> tuple:
    behalf = viewer_id != recipient.id
    heading = (f"On behalf of {recipient.full_name}: {requester.full_name} asks to be introduced" if behalf
               else f"{requester.full_name} asks to be introduced to you")
    them = _person(session, viewer_id, requester, Field("Why", intro.reason))
    if intro.status in OPEN:
        blocks: list = [Text(heading, "heading"), them,
                        Text(CONSENT_NOTE, "muted")]
        if intro.status == SNOOZED and intro.snoozed_until is not None:
            blocks.append(Text(f"{_said_by(session, intro, viewer_id)} not now; we'll ask again on "
                               f"{day(intro.snoozed_until)}.", "muted"))
        blocks.append(_answer_buttons(intro))
        if not behalf:
            blocks.append(Actions((Button("Block further requests from them",
                                          revised(f"{BLOCK}:{intro.id}", intro.revision)),)))
        return tuple(blocks)
    who = _answered_by(session, intro, viewer_id)
    if intro.status == ACCEPTED:
        return (Text(f"Introduction accepted on {day(intro.decided_at)}{who}", "heading"), them,
                Text(f"{recipient.full_name} and {requester.full_name} have each been sent the other's "
                     "contact details" + ("." if behalf else f"; `profile {requester.full_name}` shows them "
                                          "too."), "muted"))
    if intro.status == DECLINED:
        return (Text(f"Declined on {day(intro.decided_at)}{who}", "heading"), them,
                Text(f"{requester.full_name} has been told kindly, with no reason given.", "muted"))
    if intro.status == WITHDRAWN:
        return (Text(f"{requester.full_name} withdrew this request on {day(intro.decided_at)}", "heading"),
                them)
    assert intro.status == EXPIRED
    return (Text(f"This request expired on {day(intro.decided_at)} without an answer", "heading"), them)


def _said_by(session: Session, intro: Introduction, viewer_id: int) -> str:
    """Who pressed Not now, as the viewer should read it: the leader and their office see each other's."""
    if intro.answered_by_id is None or intro.answered_by_id == viewer_id:
        return "You said"
    who = session.get(Leader, intro.answered_by_id)
    if who is None:
        return "Someone said"
    office = " (private office)" if who.id != intro.recipient_id else ""
    return f"{who.full_name}{office} said"


def _answered_by(session: Session, intro: Introduction, viewer_id: int) -> str:
    if intro.answered_by_id is None or intro.answered_by_id == intro.recipient_id:
        return ""
    if intro.answered_by_id == viewer_id:
        return " by you"
    office = session.get(Leader, intro.answered_by_id)
    return f" by {office.full_name} (private office)" if office is not None else ""


def details_for(session: Session, intro: Introduction, me: Leader, other: Leader, how_to_talk: tuple,
                ) -> Reply:
    """Sent on Accept only: `other` as someone `me` has been introduced to, and how the two can talk."""
    card = profile_card(Viewer(me.id, introduced_to=frozenset({other.id})), other,
                        tuple(a.linked_via for a in accounts_of(session, other)))
    return Reply((Text(f"You've been introduced to {other.full_name}", "heading"), card, *how_to_talk))


def reminder_head(intro: Introduction, requester: Leader) -> Text:
    return Text(f"A reminder: {requester.full_name} is waiting for your answer (asked "
                f"{day(intro.created_at)})", "heading")


def followup_card(intro: Introduction, other: Leader, side: str) -> Reply:
    """"Did you meet?" — asked once, privately, of each side; staff see totals only."""
    answer = intro.met_requester if side == "requester" else intro.met_recipient
    refresh = f"{MET}:{intro.id}:view"
    if answer:
        return Reply((Text(f"Thank you — you said: {MET_ANSWERS.get(answer, answer)}.", "heading"),
                      Text(f"About your introduction to {other.full_name}. Only totals are shared with "
                           "the Leaders Connect team.", "muted")), refresh=refresh)
    when = aware(intro.decided_at)
    return Reply((Text(f"Did you meet {other.full_name}?", "heading"),
                  Text(f"You were introduced on {day(when)}. Your answer is private; the Leaders Connect "
                       "team sees only totals.", "muted"),
                  Actions(tuple(Button(label, f"{MET}:{intro.id}:{value}", "primary" if value == "yes"
                                       else "default") for value, label in MET_ANSWERS.items()))),
                 refresh=refresh)
