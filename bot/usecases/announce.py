"""Staff in chat: an announcement's delivery report, which keeps itself up to date.

`announce status ID` answers with the report as it is now and also sends the asker a live copy (the card
`announce:<id>:report:<account>`) that the `announcement-reports` sweep redraws in place — Slack
`chat.update`, Teams `update_activity` — whenever the figures change, until delivery is over. Creating an
announcement stays on the command line (`leaders announce`), where its audience is typed with care.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.actions import action
from bot.announcements import report_card
from bot.commands import Context, command
from bot.live import queue_card, replacing
from bot.replies import Actions, Button, Reply, Text
from directory.announcements import Announcement, report
from directory.ids import parse_id
from directory.preferred_account import preferred_account

USAGE = "announce status <id>"
REPORT = "announce.report"


def report_key(announcement_id: int, account_id: int) -> str:
    return f"announce:{announcement_id}:report:{account_id}"


def live_report(session: Session, announcement: Announcement) -> Reply:
    card = report_card(report(session, announcement))
    return Reply((*card.blocks, Actions((Button("Refresh", f"{REPORT}:{announcement.id}"),))),
                 refresh=f"{REPORT}:{announcement.id}")


def _announcement(ctx: Context, word: str) -> Announcement | None:
    number = parse_id(word)
    return ctx.session.get(Announcement, number) if number is not None else None


@command("announce", "Delivery report of an announcement (staff)", USAGE, staff_only=True, private_only=True,
         examples=("announce status 3",))
def announce(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.strip().partition(" ")
    if verb.lower() != "status" or not rest.strip():
        return Reply((Text(f"Usage: `{USAGE}`. Announcements are sent with `leaders announce --text …` on "
                           "the command line.", "error"),))
    announcement = _announcement(ctx, rest.strip())
    if announcement is None:
        return Reply((Text(f"There is no announcement {rest.strip()[:20]}.", "error"),))
    card = live_report(ctx.session, announcement)
    account = preferred_account(ctx.session, ctx.leader)
    if account is not None:
        queue_card(ctx.session, account, card, report_key(announcement.id, account.id))
        note = "A copy that updates itself as delivery proceeds is on its way to your chat with me."
        return Reply((*card.blocks, Text(note, "muted")), refresh=card.refresh)
    return card


@action(REPORT)
def refresh(ctx: Context, args: list[str]) -> Reply:
    if not ctx.is_staff:
        return replacing(Reply((Text("Delivery reports are for the Leaders Connect staff team.", "error"),)))
    announcement = _announcement(ctx, args[0] if args else "")
    if announcement is None:
        return replacing(Reply((Text("That announcement no longer exists.", "error"),)))
    return replacing(live_report(ctx.session, announcement))
