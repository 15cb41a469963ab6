"""Introductions: asking, delivering, answering and disclosing — each in the caller's one transaction.

The use cases (bot/usecases/intros.py) and the scheduler's sweep (bot/intro_sweep.py) call these; every
message goes through the outbox with a dedupe key in the same transaction as the state change, so a
retried turn or a sweep run twice sends nothing twice.

Cards are live (bot/live.py). Each person's copy of a request is the card `intro:<id>:to:<account>` (a
reminder or a re-ask after "Not now" is another card of the same request, `intro:<id>:<what>:to:<account>`);
`redraw` finds every card of a request in the outbox and redraws each for its own recipient, so any
change — a press on one device, a withdrawal, an expiry — shows on every card already sent, both sides.

Consent comes first: before Accept no message or card carries anything above `everyone` visibility
(bot/intro_cards.py); on Accept `disclose` sends each side the other's details at `introduced` level and
writes one `contact.disclosed` audit entry per side.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.bidi import BIDI_CONTROLS
from bot.intro_cards import card_for, details_for
from bot.live import queue_card, update_card
from bot.outgoing import queue_reply
from bot.replies import Actions, Button, Reply, Text
from directory import audit
from directory.accounts import PLATFORM_NAMES
from directory.introductions import (
    DELIVERABLE,
    OPEN,
    REASON_MAX,
    REASON_MIN,
    Introduction,
    IntroError,
    day,
    delegates_of,
    is_blocked,
    open_between,
    open_count,
    principals_of,
    reach,
    sent_since,
    week_ago,
)
from directory.models import ChatAccount, Leader, utcnow
from directory.outbox import SEND, OutboxMessage
from directory.privacy import Viewer, may_see
from directory.settings import Settings

NOT_AVAILABLE = "{name} is not available for introductions."
GONE_FROM_DIRECTORY = "That profile is no longer in the directory."
_CARD_KEY = re.compile(r"^intro:(\d+):(?:[a-z0-9]+:)?to:(\d+)$")
TEAMS_CHAT = "https://teams.microsoft.com/l/chat/0/0?users="  # + the email, URL-encoded


def card_key(intro: Introduction, account_id: int, what: str = "") -> str:
    return f"intro:{intro.id}:{what + ':' if what else ''}to:{account_id}"


def check_reason(reason: str) -> str:
    """The reason, trimmed; IntroError when it is too short or too long (20–500 characters)."""
    # Control characters (a NUL, which PostgreSQL refuses in text; terminal escapes) become spaces, and
    # runs of whitespace one space: the reason is one paragraph on every platform.
    # Bidirectional embeddings, overrides and isolates go too: they can make a reason read differently
    # from what it says (a reversed link, a name that seems to be someone else's).
    reason = " ".join("".join(" " if unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS else c
                              for c in reason).split())
    if len(reason) < REASON_MIN:
        raise IntroError(f"Please say in a sentence why you'd like to meet ({REASON_MIN}–{REASON_MAX} "
                         f"characters; you wrote {len(reason)}).")
    if len(reason) > REASON_MAX:
        raise IntroError(f"Please keep the reason to {REASON_MAX} characters (you wrote {len(reason):,}).")
    return reason


def answerers(session: Session, intro: Introduction) -> list[Leader]:
    """Who receives the request and may answer it: the recipient and their approved delegates."""
    recipient = session.get(Leader, intro.recipient_id)
    return ([recipient] if recipient is not None else []) + delegates_of(session, intro.recipient_id)


def request(session: Session, settings: Settings, requester: Leader, account: ChatAccount | None,
            recipient: Leader, reason: str) -> Introduction:
    """Make the request (limits first), queue the requester's card and deliver the recipient's if they
    are in chat. Raises IntroError with the sentence to show; nothing is changed then."""
    if recipient.id == requester.id:
        raise IntroError("You can't request an introduction to yourself.")
    if recipient.left_at is not None:  # a leaver is found nowhere: asked by id (an old card, a web link)
        raise IntroError(GONE_FROM_DIRECTORY)
    reason = check_reason(reason)
    existing = open_between(session, requester.id, recipient.id)
    if existing is not None:
        if existing.requester_id == requester.id:
            raise IntroError(f"You already have an open request to {recipient.full_name} (sent "
                             f"{day(existing.created_at)}). Type `intros` to see it.")
        raise IntroError(f"{recipient.full_name} has already asked to be introduced to you — type `intros` "
                         "to answer their request.")
    if open_count(session, requester.id) >= settings.intro_max_open:
        raise IntroError(f"You have {settings.intro_max_open} requests waiting for an answer, the most at "
                         "once. Withdraw one (type `intros`) or wait for answers.")
    if sent_since(session, requester.id, week_ago()) >= settings.intro_max_per_week:
        raise IntroError(f"You've sent {settings.intro_max_per_week} introduction requests in the last "
                         "seven days, the most we allow. Please try again in a few days.")
    # After the limits: a blocked requester at a limit hears the limit, as for anyone else, so the
    # answer never differs by whether they are blocked.
    if is_blocked(session, recipient.id, requester.id):
        raise IntroError(NOT_AVAILABLE.format(name=recipient.full_name))
    intro = Introduction(requester_id=requester.id, recipient_id=recipient.id, reason=reason,
                         created_at=utcnow())
    try:
        # Two submits at once (a double-clicked form, two devices) both pass the check above; the
        # database's one-open-request-per-pair index lets one in, and the other hears it exists.
        with session.begin_nested():
            session.add(intro)
            session.flush()
    except IntegrityError:
        raise IntroError(f"You already have an open request to {recipient.full_name}. Type `intros` to "
                         "see it.") from None
    audit.record(session, audit.leader_ref(requester.id), "intro.requested", audit.leader_ref(recipient.id),
                 intro=intro.id)
    deliver(session, intro)
    if account is not None and account.platform in DELIVERABLE:
        queue_card(session, account, card_for(session, intro, requester.id), card_key(intro, account.id))
    return intro


def deliver(session: Session, intro: Introduction) -> bool:
    """Queue the request's card to the recipient and their delegates who are in chat; False if none is
    (the request waits, and is delivered when the recipient first links an account)."""
    sent = False
    for leader in answerers(session, intro):
        account = reach(session, leader)
        if account is not None:
            queue_card(session, account, card_for(session, intro, leader.id), card_key(intro, account.id))
            sent = True
    if sent and intro.delivered_at is None:
        intro.delivered_at = utcnow()
        session.flush()
    return sent


def deliver_open(session: Session, recipient_id: int) -> int:
    """(Re)deliver every open request to `recipient_id` to whoever of the recipient and their office is
    in chat now — after a delegate is approved, or when one of them links an account — so each gets the
    requests already waiting; cards already queued are not queued again (their keys). A request that
    was waiting has its requester's card redrawn, which said so."""
    count = 0
    for intro in list(session.scalars(select(Introduction).where(Introduction.recipient_id == recipient_id,
                                                                 Introduction.status.in_(OPEN)))):
        was_waiting = intro.delivered_at is None
        if deliver(session, intro):
            count += 1
            if was_waiting:
                redraw(session, intro, skip_answerers=True)
    return count


def deliver_waiting(session: Session, leader: Leader) -> int:
    """On linking an account (directory/accounts.py hook): the open requests to `leader` — those that
    waited for them, and those their office already has — and, for a delegate, those to the leaders
    they answer for."""
    return sum(deliver_open(session, recipient_id)
               for recipient_id in (leader.id, *principals_of(session, leader.id)))


def cards_of(session: Session, intro: Introduction) -> list[tuple[str, int]]:
    """(key, account id) of every card of `intro` in the outbox."""
    low, high = f"intro:{intro.id}:", f"intro:{intro.id};"  # a range the unique key's index serves
    keys = session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.dedupe_key >= low, OutboxMessage.dedupe_key < high, OutboxMessage.kind == SEND))
    found = []
    for key in keys:
        match = _CARD_KEY.match(key)
        if match:
            found.append((key, int(match.group(2))))
    return found


def redraw(session: Session, intro: Introduction, *, skip_answerers: bool = False) -> int:
    """Update every card of `intro` already queued or sent, each drawn for its own recipient."""
    done = 0
    for key, account_id in cards_of(session, intro):
        account = session.get(ChatAccount, account_id)
        if account is None or account.revoked_at is not None:
            continue  # an unlinked account (left, lost, compromised) hears no more of the request
        if skip_answerers and account.leader_id != intro.requester_id:
            continue
        update_card(session, key, card_for(session, intro, account.leader_id))
        done += 1
    return done


def tell(session: Session, leader_id: int, reply: Reply, key: str) -> bool:
    """A one-off message to a leader wherever they read the bot (nothing if they have no account)."""
    leader = session.get(Leader, leader_id)
    account = reach(session, leader) if leader is not None else None
    return account is not None and queue_reply(session, account, reply, f"{key}:{account.id}")


# --- consent and disclosure ---------------------------------------------------------------------------

def disclose(session: Session, intro: Introduction) -> None:
    """On Accept: each side gets the other's details at `introduced` level and a way to talk; each
    disclosure is audited. Queued in the accepting transaction, deduplicated per introduction."""
    requester, recipient = session.get(Leader, intro.requester_id), session.get(Leader, intro.recipient_id)
    assert requester is not None and recipient is not None
    mine, theirs = reach(session, requester), reach(session, recipient)
    answered_by = intro.answered_by_id or recipient.id
    for me, other, my_account, other_account in ((requester, recipient, mine, theirs),
                                                 (recipient, requester, theirs, mine)):
        if my_account is None:
            continue
        talk = how_to_talk(me, other, my_account, other_account)
        queue_reply(session, my_account, details_for(session, intro, me, other, talk),
                    f"intro:{intro.id}:details:{my_account.id}")
        fields = disclosed_fields(me, other)
        audit.record(session, audit.leader_ref(answered_by), "contact.disclosed", audit.leader_ref(other.id),
                     to=audit.leader_ref(me.id), fields=fields, intro=intro.id)
    if mine is not None and theirs is not None and mine.platform == theirs.platform == "slack" \
            and mine.workspace_id == theirs.workspace_id:
        hello = Reply((Text(f"{requester.full_name}, meet {recipient.full_name}", "heading"),
                       Text(f"{recipient.full_name} accepted {requester.full_name}'s request to be "
                            "introduced. This conversation is yours — Leaders Connect won't post here "
                            "again."),), private=False)
        queue_reply(session, mine, hello, f"intro:{intro.id}:groupdm",
                    conversation=f"mpim:{mine.user_id},{theirs.user_id}")


def disclosed_fields(me: Leader, other: Leader) -> list[str]:
    """The contact fields of `other` that `me` sees only because they were introduced."""
    plain, introduced = Viewer(me.id), Viewer(me.id, introduced_to=frozenset({other.id}))
    return [f for f in ("email", "phone") if getattr(other, f)
            and may_see(introduced, other, f) and not may_see(plain, other, f)]


def how_to_talk(me: Leader, other: Leader, mine: ChatAccount, theirs: ChatAccount | None) -> tuple:
    """A way for the two to talk, honest about what each platform allows."""
    if theirs is None:
        return (Text(f"{other.full_name} isn't in Leaders Connect's chat at the moment; use the details "
                     "above.", "muted"),)
    if mine.platform == theirs.platform == "slack":
        if mine.workspace_id == theirs.workspace_id:
            return (Text("I've opened a group message for the two of you in Slack.", "muted"),)
        return (Text(f"{other.full_name} is in another Slack workspace, so I can't open a conversation for "
                     "you; use the details above (or Slack Connect, if both organisations use it).",
                     "muted"),)
    if mine.platform == theirs.platform == "teams":
        email = other.email if may_see(Viewer(me.id, introduced_to=frozenset({other.id})), other, "email") \
            else ""
        blocks: list = []
        if email:
            blocks.append(Actions((Button("Chat in Teams", url=TEAMS_CHAT + quote(email, safe="@")),)))
        else:
            blocks.append(Text(f"Search for {other.full_name} in Teams to start a chat.", "muted"))
        if mine.workspace_id != theirs.workspace_id:
            blocks.append(Text("You're in different organisations' Teams: a chat between you works only "
                               "where both organisations allow external access (federation).", "muted"))
        return tuple(blocks)
    where = PLATFORM_NAMES.get(theirs.platform, theirs.platform)
    mine_name = PLATFORM_NAMES.get(mine.platform, mine.platform)
    return (Text(f"{other.full_name} uses {where} and you use {mine_name}; the two can't message each other "
                 "directly, so please get in touch using the details above.", "muted"),)


def snooze_until(settings: Settings) -> datetime:
    return utcnow() + timedelta(days=settings.intro_snooze_days)
