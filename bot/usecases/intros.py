"""Introductions in chat: `intro <who> <reason>`, `intros`, and the buttons on the request cards.

`who` is an email, a "quoted name", or the leading words of the message: the longest run of leading
words that names exactly one leader is taken as the name and the rest as the reason (`intro Ngozi
Adeyemi-Clarke I'd value…`). When the words name several leaders, the answer asks which.

Each press goes through the explicit state machine (directory/introductions.py) and `advance` (one
conditional UPDATE on the request's revision): an illegal move — accepting twice, accepting a withdrawn
request — or a press on an old card is answered with the card as it is now and a line saying what
happened, and changes nothing.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import update

from bot.actions import action, submission
from bot.cards import summary_card
from bot.commands import Context, command
from bot.intro_cards import (
    ACCEPT,
    BLOCK,
    DECLINE,
    FORM,
    MET,
    NOT_NOW,
    SEND,
    VIEW,
    WITHDRAW,
    card_for,
    followup_card,
)
from bot.intro_leavers import close_for_leaver
from bot.introductions import (
    check_reason,
    deliver_waiting,
    disclose,
    redraw,
    request,
    snooze_until,
    tell,
)
from bot.live import advance, replacing, stale
from bot.replies import Button, Form, Input, Reply, Text
from directory import audit
from directory.accounts import ON_LINK, WEB, account_for
from directory.ids import parse_id
from directory.introductions import (
    ACCEPTED,
    DECLINED,
    MET_ANSWERS,
    OPEN,
    REASON_MAX,
    REASON_MIN,
    SNOOZED,
    WITHDRAWN,
    Introduction,
    IntroError,
    block,
    check_transition,
    day,
    intros_of,
    may_answer,
    reach,
    unblock,
)
from directory.leavers import ON_LEAVER
from directory.models import ChatAccount, Leader, utcnow
from directory.people import by_email
from directory.privacy import may_see
from directory.search import search
from directory.search_query import QueryError
from directory.textfold import tokens

USAGE = ("Type `intro <who> <reason>`: who is an email, a \"quoted name\" or the person's name, then a "
         "sentence on why you'd like to meet. For example `intro Rosa Lee I'd value your advice on winter "
         "pressures.`")
MAX_NAME_WORDS = 6


def _error(message: str) -> Reply:
    return Reply((Text(message, "error"),))


def _named(ctx: Context, phrase: str) -> list[Leader]:
    """Leaders whose name contains every word of `phrase` (accents and case aside)."""
    wanted = set(tokens(phrase))
    if not wanted:
        return []
    try:
        hits = search(ctx.session, phrase, limit=50)
    except QueryError:
        return []
    return [h.leader for h in hits if wanted <= set(tokens(h.leader.full_name))]


def _exact(leaders: list[Leader], phrase: str) -> list[Leader]:
    wanted = tokens(phrase)
    return [leader for leader in leaders if tokens(leader.full_name) == wanted]


def resolve_who(ctx: Context, text: str) -> tuple[Leader | None, str, Reply | None]:
    """(the leader named, the reason, None) — or (None, "", the answer that says what to do)."""
    text = text.strip()
    if not text:
        return None, "", Reply((Text(USAGE, "muted"),))
    if text[0] in "\"“”":
        close = next((i for i, c in enumerate(text[1:], 1) if c in "\"“”"), -1)
        if close < 0:
            return None, "", _error("The name's closing quote is missing. " + USAGE)
        name, reason = text[1:close].strip(), text[close + 1:].strip()
        found = _named(ctx, name)
        found = _exact(found, name) or found
        if not found:
            return None, "", _error(f"No leader is called “{name[:100]}”. Try `find {name[:100]}`.")
        if len(found) > 1:
            return None, "", _which(ctx, name, found)
        return found[0], reason, None
    first, _, rest = text.partition(" ")
    if "@" in first:
        leader = by_email(ctx.session, first)
        if leader is None or not may_see(ctx.viewer, leader, "email"):
            return None, "", _error(f"No leader you can see has the email {first[:320]}. Try their name "
                                    "instead.")
        return leader, rest.strip(), None
    words = text.split()
    for n in range(min(len(words), MAX_NAME_WORDS), 0, -1):
        phrase = " ".join(words[:n])
        found = _named(ctx, phrase)
        if not found:
            continue
        exact = _exact(found, phrase)
        if len(found) == 1 or len(exact) == 1:
            return (exact or found)[0], " ".join(words[n:]), None
        return None, "", _which(ctx, phrase, found)
    return None, "", _error(f"I couldn't find a leader named at the start of your message. {USAGE}")


def _which(ctx: Context, phrase: str, found: list[Leader]) -> Reply:
    """Each match with a Request introduction button: two leaders may share a full name, and then
    no typed name tells them apart."""
    cards = []
    for leader in found[:5]:
        card = summary_card(ctx.viewer, leader)
        cards.append(dataclasses.replace(card, buttons=(
            *card.buttons, Button("Request introduction", f"{FORM}:{leader.id}"))))
    return Reply((Text(f"Several leaders match “{phrase[:100]}” — which one? Press Request introduction "
                       "on the one you mean, or type `intro \"Full Name\" <reason>` with their full name.",
                       "heading"), *cards))


@command("intro", "Ask to be introduced to another leader", "intro <who> <reason>",
         examples=('intro rosa.lee@nwas.nhs.uk I would value your view on winter pressures',
                   'intro "Rosa Lee" I would value your view on winter pressures'),
         private_only=True)
def intro(ctx: Context, args: str) -> Reply:
    recipient, reason, problem = resolve_who(ctx, args)
    if problem is not None:
        return problem
    assert recipient is not None
    return _made(ctx, recipient, reason)


def _made(ctx: Context, recipient: Leader, reason: str) -> Reply:
    if not reason:
        return _error(f"What would you like to meet {recipient.full_name} about? Type `intro "
                      f"\"{recipient.full_name}\" <reason>` with a sentence on why (20–500 characters).")
    try:
        made = request(ctx.session, ctx.settings, ctx.leader, _asked_from(ctx), recipient, reason)
    except IntroError as error:
        return _error(str(error))
    card = card_for(ctx.session, made, ctx.leader.id)
    head = (Text(f"Your request is on its way to {recipient.full_name}.", "heading")
            if made.delivered_at is not None else
            Text(f"{recipient.full_name} isn't in Leaders Connect's chat yet: your request will wait and "
                 "reach them when they join. I'll tell you when they answer.", "heading"))
    return dataclasses.replace(card, blocks=(head, *card.blocks[1:]))


def _asked_from(ctx: Context) -> ChatAccount | None:
    """Where the requester's own card of a new request goes: the chat account they asked from; asked on
    the website, the account they are reached on — so chat shows it too, and every later change redraws
    it there as it would a card asked for in chat."""
    if ctx.identity.platform == WEB:
        return reach(ctx.session, ctx.leader)
    return account_for(ctx.session, ctx.identity)


def in_directory(ctx: Context, args: list[str]) -> Leader | None:
    """The leader a "Request introduction" names, if they are still in the directory (not a leaver)."""
    leader_id = parse_id(args[0]) if args else None
    leader = ctx.session.get(Leader, leader_id) if leader_id is not None else None
    return leader if leader is not None and leader.left_at is None else None


def _listing(ctx: Context, *head: Text) -> Reply:
    mine = intros_of(ctx.session, ctx.leader.id)
    sent = [i for i in mine if i.requester_id == ctx.leader.id and i.status in OPEN]
    received = [i for i in mine if i.requester_id != ctx.leader.id and i.status in OPEN]
    accepted = [i for i in mine if i.status == ACCEPTED]
    blocks: list = [*head]
    if not (sent or received or accepted):
        blocks.append(Text("You have no introduction requests. Type `intro <who> <reason>` to ask for one.",
                           "muted"))
        return Reply(tuple(blocks))
    for title, group in (("Waiting for your answer", received), ("Sent by you", sent),
                         ("Introduced", accepted)):
        if not group:
            continue
        blocks.append(Text(f"{title} ({len(group)})", "heading"))
        for one in group[:10]:
            if one.status == ACCEPTED:
                other_id = one.recipient_id if one.requester_id == ctx.leader.id else one.requester_id
                other = ctx.session.get(Leader, other_id)
                blocks.append(Text(f"{other.full_name if other else 'Someone'} — introduced "
                                   f"{day(one.decided_at)}"))
                continue
            blocks.extend(card_for(ctx.session, one, ctx.leader.id).blocks[1:])
        if len(group) > 10:
            blocks.append(Text(f"…and {len(group) - 10} more, older ones not shown here (each came as a card "
                               "of its own).", "muted"))
    return Reply(tuple(blocks))


@command("intros", "Your introduction requests, sent and received", "intros [unblock <who>]",
         examples=("intros", "intros unblock Seán O'Brien"), private_only=True)
def intros(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.strip().partition(" ")
    if not verb:
        return _listing(ctx)
    if verb.lower() == "unblock" and rest.strip():
        who, _, problem = resolve_who(ctx, rest)
        if problem is not None:
            return problem
        assert who is not None
        if not unblock(ctx.session, ctx.leader.id, who.id):
            return _error(f"You haven't blocked {who.full_name}.")
        return Reply((Text(f"Unblocked: {who.full_name} may send you introduction requests again.",
                           "heading"),))
    return _error("Type `intros` to see your introduction requests, or `intros unblock <who>`.")


# --- the buttons ----------------------------------------------------------------------------------------

def _load(ctx: Context, args: list[str]) -> Introduction | None:
    intro_id = parse_id(args[0]) if args else None
    found = ctx.session.get(Introduction, intro_id) if intro_id is not None else None
    if found is None:
        return None
    if ctx.leader.id != found.requester_id and not may_answer(ctx.session, found, ctx.leader.id):
        return None  # someone else's: said the same as no such request
    return found


GONE = "That introduction request is no longer here."


def _move(ctx: Context, args: list[str], target: str, **changes: object) -> Reply:
    intro = _load(ctx, args)
    if intro is None:
        return _error(GONE)
    is_requester = ctx.leader.id == intro.requester_id
    if (target == WITHDRAWN) != is_requester or (not is_requester and not may_answer(ctx.session, intro,
                                                                                      ctx.leader.id)):
        who = "the person who asked" if target == WITHDRAWN else "the person asked (or their office)"
        return stale(card_for(ctx.session, intro, ctx.leader.id), f"Only {who} can do that.")
    problem = check_transition(intro, target)
    if problem is not None:
        return stale(card_for(ctx.session, intro, ctx.leader.id), problem)
    now = utcnow()
    if target != SNOOZED:
        changes["decided_at"] = now
    if target in (ACCEPTED, DECLINED, SNOOZED):
        changes["answered_by_id"] = ctx.leader.id
    if not advance(ctx, intro, status=target, **changes):
        notice = check_transition(intro, target) or "This card was out of date: here it is as it is now."
        return stale(card_for(ctx.session, intro, ctx.leader.id), notice)
    audit.record(ctx.session, audit.leader_ref(ctx.leader.id), f"intro.{target}", audit.leader_ref(
        intro.requester_id if not is_requester else intro.recipient_id), intro=intro.id,
        on_behalf_of=audit.leader_ref(intro.recipient_id) if ctx.leader.id not in (
            intro.requester_id, intro.recipient_id) else "")
    if target == ACCEPTED:
        disclose(ctx.session, intro)
    elif target == DECLINED:
        _tell_declined(ctx, intro)
    redraw(ctx.session, intro)
    return replacing(card_for(ctx.session, intro, ctx.leader.id))


def _tell_declined(ctx: Context, intro: Introduction) -> None:
    """A kind word to the requester, wherever they read the bot; no reason is owed or given."""
    recipient = ctx.session.get(Leader, intro.recipient_id)
    name = recipient.full_name if recipient else "They"
    tell(ctx.session, intro.requester_id, Reply((
        Text(f"About your introduction request to {name}", "heading"),
        Text(f"{name} isn't able to take this up at the moment. No reason is needed, and nothing of yours "
             "or theirs was shared. Thank you for reaching out — there are many others in the directory "
             "glad to hear from you."),)), f"intro:{intro.id}:declined")


@action(ACCEPT)
def accept(ctx: Context, args: list[str]) -> Reply:
    return _move(ctx, args, ACCEPTED)


@action(DECLINE)
def decline(ctx: Context, args: list[str]) -> Reply:
    return _move(ctx, args, DECLINED)


@action(NOT_NOW)
def not_now(ctx: Context, args: list[str]) -> Reply:
    return _move(ctx, args, SNOOZED, snoozed_until=snooze_until(ctx.settings))


@action(WITHDRAW)
def withdraw(ctx: Context, args: list[str]) -> Reply:
    return _move(ctx, args, WITHDRAWN)


@action(BLOCK)
def block_requester(ctx: Context, args: list[str]) -> Reply:
    """Decline this request and refuse further ones from the same person, who is told only "declined"."""
    intro = _load(ctx, args)
    if intro is None or ctx.leader.id != intro.recipient_id:
        return _error(GONE if intro is None else "Only the person asked can block requests.")
    if intro.status in OPEN:
        answer = _move(ctx, args, DECLINED)
        if intro.status != DECLINED or intro.answered_by_id != ctx.leader.id:
            return answer  # a stale card (or a move that lost a race): nothing declined, nothing blocked
    else:
        answer = replacing(card_for(ctx.session, intro, ctx.leader.id))
    if block(ctx.session, intro.recipient_id, intro.requester_id):
        audit.record(ctx.session, audit.leader_ref(ctx.leader.id), "intro.blocked",
                     audit.leader_ref(intro.requester_id), intro=intro.id)
    requester = ctx.session.get(Leader, intro.requester_id)
    name = requester.full_name if requester else "them"
    return dataclasses.replace(answer, blocks=(Text(f"Blocked: {name} can't send you introduction "
                                                    "requests any more.", "heading"),
                                               Text(f"To undo it, type `intros unblock {name}`.", "muted"),
                                               *answer.blocks))


def reason_form(recipient: Leader, value: str = "", error: str = "") -> Form:
    return Form("intro", "Request introduction",
                (Input("reason", "Why would you like to meet?", value, "multiline", max_length=REASON_MAX,
                       hint=f"To {recipient.full_name}: a sentence or two "
                            f"({REASON_MIN}–{REASON_MAX} characters). "
                            f"{recipient.full_name} sees it with your name, role and organisation.",
                       error=error),),
                "Send request", f"{SEND}:{recipient.id}",
                "Nothing of yours or theirs beyond what everyone sees is shared unless they accept.")


@action(FORM)
def open_form(ctx: Context, args: list[str]) -> Reply:
    """The profile card's "Request introduction": a form for the reason (a Slack modal, a Teams card)."""
    recipient = in_directory(ctx, args)
    if recipient is None:
        return _error("That profile is no longer in the directory.")
    if recipient.id == ctx.leader.id:
        return _error("You can't request an introduction to yourself.")
    return Reply((reason_form(recipient),
                  Text(f"Or type `intro \"{recipient.full_name}\" <reason>`.", "muted")))


@submission(SEND)
def send_form(ctx: Context, args: list[str], values: dict[str, str]) -> Reply:
    """The reason submitted: the request is made (the answer shows what was sent), or the form comes back
    with what is wrong and nothing is made."""
    recipient = in_directory(ctx, args)
    if recipient is None:
        return replacing(_error("That profile is no longer in the directory."))
    reason = values.get("reason", "")
    try:
        check_reason(reason)
    except IntroError as error:
        return replacing(Reply((reason_form(recipient, reason[:REASON_MAX * 2], str(error)),)))
    return replacing(_made(ctx, recipient, reason))  # named by id: no lookup by name needed


@action(VIEW)
def view(ctx: Context, args: list[str]) -> Reply:
    """The card as it is now, for whoever is looking (Teams runs this to refresh it); only reads."""
    intro = _load(ctx, args)
    if intro is None:
        return replacing(_error("This introduction is not yours to see."))
    return replacing(card_for(ctx.session, intro, ctx.leader.id))


@action(MET)
def met(ctx: Context, args: list[str]) -> Reply:
    """"Did you meet?": one private answer per side (the first counts); `view` just draws it."""
    intro = _load(ctx, args)
    if intro is None or intro.status != ACCEPTED or ctx.leader.id not in (intro.requester_id,
                                                                            intro.recipient_id):
        return replacing(_error("That question is not yours to answer."))
    side = "requester" if ctx.leader.id == intro.requester_id else "recipient"
    other = ctx.session.get(Leader, intro.recipient_id if side == "requester" else intro.requester_id)
    assert other is not None
    answer = args[1] if len(args) > 1 else "view"
    column = Introduction.met_requester if side == "requester" else Introduction.met_recipient
    if answer in MET_ANSWERS:
        changed = ctx.session.execute(update(Introduction).where(Introduction.id == intro.id, column == "")
                                      .values({column.key: answer}).execution_options(
                                          synchronize_session=False)).rowcount
        ctx.session.refresh(intro)
        if changed:
            audit.record(ctx.session, audit.leader_ref(ctx.leader.id), "intro.met", "", intro=intro.id)
    return replacing(followup_card(intro, other, side))


ON_LINK.append(deliver_waiting)  # a request that waited for its recipient goes out as they link
ON_LEAVER.append(close_for_leaver)  # a leaver's open requests are closed kindly, both sides told
