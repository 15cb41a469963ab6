"""Staff in chat: sending an announcement, and its delivery report, which keeps itself up to date.

`announce` opens a form (a Slack modal, a Teams card): text, an https link, an audience, when. The console
and every platform also take it typed: `announce Text to send --url https://… --audience sector:health
--at +2h`. Either way it is checked exactly as `leaders announce` checks it (bot/announcements.py), then
stored as a draft and answered with its audience size and a **Confirm** button: nothing goes to the
country's most senior leaders from one keypress. Confirm queues the messages — only if the audience still
has the size that was shown — and answers with the live delivery report.

`announce status ID` answers with the report as it is now and also sends the asker a live copy (the card
`announce:<id>:report:<account>`) that the `announcement-reports` sweep redraws in place — Slack
`chat.update`, Teams `update_activity` — whenever the figures change, until delivery is over.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.actions import action, submission
from bot.announcements import AudienceChanged, card, confirm, draft, report_card
from bot.commands import Context, command
from bot.live import queue_card, replacing
from bot.replies import Actions, Button, Form, Input, Reply, Text
from directory import audit, clock
from directory.announcements import MAX_TEXT, Announcement, report
from directory.content import ContentError
from directory.ids import parse_id
from directory.outbox import as_utc
from directory.preferred_account import preferred_account
from directory.search_query import QueryError
from directory.when import WhenError, format_moment, parse_when

USAGE = "announce [<text> --url URL --audience QUERY --at WHEN] | announce status <id>"
REPORT = "announce.report"
CHECK = "announce.check"
CONFIRM = "announce.confirm"
CANCEL = "announce.cancel"
STAFF_ONLY = "Announcements are for the Leaders Connect staff team."
_OPTION = re.compile(r"(?:^|\s)--(url|audience|at)(?:\s+|=)", re.IGNORECASE)


def report_key(announcement_id: int, account_id: int) -> str:
    return f"announce:{announcement_id}:report:{account_id}"


def live_report(session: Session, announcement: Announcement) -> Reply:
    card = report_card(report(session, announcement))
    return Reply((*card.blocks, Actions((Button("Refresh", f"{REPORT}:{announcement.id}"),))),
                 refresh=f"{REPORT}:{announcement.id}")


def _announcement(ctx: Context, word: str) -> Announcement | None:
    number = parse_id(word)
    return ctx.session.get(Announcement, number) if number is not None else None


def announce_form(values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Form:
    values, errors = values or {}, errors or {}

    def field(name: str, label: str, kind: str = "text", limit: int = 200, hint: str = "") -> Input:
        return Input(name, label, values.get(name, ""), kind, max_length=limit, hint=hint,  # type: ignore[arg-type]
                     error=errors.get(name, ""))

    return Form("announce", "Send an announcement", (
        field("text", "Text", "multiline", MAX_TEXT), field("url", "Link (https, optional)", limit=2000),
        field("audience", "Audience", limit=500,
              hint="empty for everyone, or e.g. sector:health region:wales"),
        field("at", "Send at", limit=40, hint="empty for now, or 2026-12-03T09:00, +2h")),
        "Check audience", CHECK)


def typed_values(text: str) -> dict[str, str]:
    """`Text to send --url U --audience Q --at W` as the form's values (options in any order)."""
    parts = _OPTION.split(text)
    values = {"text": parts[0].strip()}
    for name, value in zip(parts[1::2], parts[2::2], strict=True):
        values[name.lower()] = value.strip()
    return values


def _prepare(ctx: Context, values: dict[str, str]) -> tuple[Reply | None, dict[str, str]]:
    """Check the values as the CLI does and store a draft: (the confirmation, {}) or (None, errors)."""
    errors: dict[str, str] = {}
    send_at = None
    if values.get("at", "").strip():
        try:
            send_at = parse_when(values["at"])
        except WhenError as error:
            errors["at"] = str(error)
    if not errors:
        try:  # every check runs before anything is written
            announcement = draft(ctx.session, actor=audit.leader_ref(ctx.leader.id),
                                 text=values.get("text", ""), url=values.get("url", ""),
                                 audience=values.get("audience", ""), send_at=send_at)
        except QueryError as error:
            errors["audience"] = str(error)
        except ContentError as error:
            errors["url" if "link" in str(error) else "text"] = str(error).replace(" (--text)", "")
    if errors:
        return None, errors
    return confirmation(announcement), {}


def confirmation(announcement: Announcement, note: str = "") -> Reply:
    size = announcement.audience_size
    who = announcement.audience or "everyone"
    send_at = as_utc(announcement.send_at)
    when = "now" if send_at is None or send_at <= clock.now() + timedelta(minutes=1) \
        else "at " + format_moment(send_at)
    ask = (f"Send this to {size:,} leader{'' if size == 1 else 's'} ({who}) {when}? "
           "Nothing is sent until you press Confirm.")
    buttons = (Button(f"Confirm: send to {size:,}", f"{CONFIRM}:{announcement.id}:{size}", "primary"),
               Button("Cancel", f"{CANCEL}:{announcement.id}"))
    return Reply((*((Text(note, "error"),) if note else ()), Text(ask, "heading"),
                  *card(announcement).blocks, Actions(buttons)))


@submission(CHECK)
def check(ctx: Context, args: list[str], values: dict[str, str]) -> Reply:
    if not ctx.is_staff:
        return replacing(Reply((Text(STAFF_ONLY, "error"),)))
    asked, errors = _prepare(ctx, values)
    if asked is None:
        return replacing(Reply((Text("Nothing was sent: " + "; ".join(errors.values()) + ".", "error"),
                                announce_form(values, errors))))
    return asked


@action(CONFIRM)
def confirmed(ctx: Context, args: list[str]) -> Reply:
    if not ctx.is_staff:
        return replacing(Reply((Text(STAFF_ONLY, "error"),)))
    announcement = _announcement(ctx, args[0] if args else "")
    shown = args[1] if len(args) > 1 else ""
    size = int(shown) if shown.isascii() and shown.isdigit() and len(shown) <= 9 else None
    if announcement is None or size is None:
        return replacing(Reply((Text("That announcement no longer exists; nothing was sent.", "error"),)))
    if announcement.confirmed_at is None:
        try:
            confirm(ctx.session, announcement, audit.leader_ref(ctx.leader.id), size)
        except AudienceChanged as error:
            ctx.session.flush()
            note = f"Nothing was sent: {error}. Check and confirm again."
            return replacing(confirmation(announcement, note))
        ctx.session.flush()
    return replacing(_with_live_copy(ctx, announcement))


@action(CANCEL)
def cancelled(ctx: Context, args: list[str]) -> Reply:
    if not ctx.is_staff:
        return replacing(Reply((Text(STAFF_ONLY, "error"),)))
    announcement = _announcement(ctx, args[0] if args else "")
    if announcement is None:
        return replacing(Reply((Text("That announcement no longer exists; nothing was sent.", "error"),)))
    if announcement.confirmed_at is not None:
        return replacing(Reply((Text(f"Announcement {announcement.id} was already confirmed; its report: "
                                     f"`announce status {announcement.id}`.", "error"),)))
    ctx.session.delete(announcement)
    ctx.session.flush()
    return replacing(Reply((Text("Cancelled: nothing was sent.", "muted"),)))


def _with_live_copy(ctx: Context, announcement: Announcement) -> Reply:
    """The report now, and a copy to the asker's chat that the sweep keeps up to date."""
    card_now = live_report(ctx.session, announcement)
    account = preferred_account(ctx.session, ctx.leader)
    if account is not None:
        queue_card(ctx.session, account, card_now, report_key(announcement.id, account.id))
        note = "A copy that updates itself as delivery proceeds is on its way to your chat with me."
        return Reply((*card_now.blocks, Text(note, "muted")), refresh=card_now.refresh)
    return card_now


@command("announce", "Send an announcement, or see its delivery report (staff)", USAGE, staff_only=True,
         private_only=True, opens_form=True,
         examples=("announce", "announce status 3", "announce Office hours at 4pm --audience sector:health"))
def announce(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.strip().partition(" ")
    if not verb or verb.lower() == "new":
        return Reply((announce_form(), Text(f"Or type: `{USAGE}`.", "muted")))
    if verb.lower() != "status":
        asked, errors = _prepare(ctx, typed_values(args))
        if asked is None:
            return Reply((Text("Nothing was sent: " + "; ".join(errors.values()) + ".", "error"),))
        return asked
    if not rest.strip():
        return Reply((Text(f"Usage: `{USAGE}`.", "error"),))
    announcement = _announcement(ctx, rest.strip())
    if announcement is None:
        return Reply((Text(f"There is no announcement {rest.strip()[:20]}.", "error"),))
    if announcement.confirmed_at is None:
        return confirmation(announcement, "This announcement is a draft: nothing has been sent yet.")
    return _with_live_copy(ctx, announcement)


@action(REPORT)
def refresh(ctx: Context, args: list[str]) -> Reply:
    if not ctx.is_staff:
        return replacing(Reply((Text("Delivery reports are for the Leaders Connect staff team.", "error"),)))
    announcement = _announcement(ctx, args[0] if args else "")
    if announcement is None:
        return replacing(Reply((Text("That announcement no longer exists.", "error"),)))
    return replacing(live_report(ctx.session, announcement))
