"""Announcements: one message from staff to an audience, now or at a moment — the use case itself.

`announce` (CLI and chat) resolves the audience to leaders, picks each one's preferred chat account, and
queues one card per account in the same transaction as the announcement row, each with `not_before` =
the moment it may go, so a scheduled announcement waits in the outbox and needs no job of its own. The
report (directory/announcements.py) is read from those rows as delivery proceeds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outgoing import queue_replies
from bot.replies import Actions, Button, Field, PersonCard, Reply, Text
from directory import audit, clock
from directory.announcements import MAX_TEXT, Announcement, Report, message_key
from directory.audience import parse_audience, resolve
from directory.content import ContentError, check_url
from directory.models import Leader
from directory.preferred_account import preferred_account
from directory.when import format_moment


def card(announcement: Announcement) -> Reply:
    blocks: list = [Text("Announcement from the Leaders Connect team", "heading"), Text(announcement.text)]
    if announcement.url:
        blocks.append(Actions((Button("Open", url=announcement.url, style="primary"),)))
    return Reply(tuple(blocks), private=True)


def create(session: Session, *, actor: str, text: str, url: str = "", audience: str = "",
           send_at: datetime | None = None) -> Announcement:
    """Queue an announcement to everyone in `audience`. Raises ContentError / QueryError, nothing written."""
    text = (text or "").strip().replace("\x00", "")
    if not text:
        raise ContentError("the announcement needs some text (--text)")
    if len(text) > MAX_TEXT:
        raise ContentError(f"the text is too long ({len(text):,} characters; the most is {MAX_TEXT:,})")
    url = check_url(url) if url and url.strip() else ""
    parsed = parse_audience(audience)
    now = clock.now()
    send_at = max(send_at or now, now)
    ids = resolve(session, parsed)
    announcement = Announcement(text=text, url=url, audience=parsed.text, send_at=send_at,
                                created_by=actor[:200], audience_size=len(ids), unreachable=0)
    session.add(announcement)
    session.flush()
    message = card(announcement)
    queued = []
    for start in range(0, len(ids), 1000):
        for leader in session.scalars(select(Leader).where(Leader.id.in_(ids[start:start + 1000]))):
            account = preferred_account(session, leader)
            if account is None:
                announcement.unreachable += 1
            else:
                queued.append((account, message, message_key(announcement.id, account.id)))
    queue_replies(session, queued, not_before=send_at)
    audit.record(session, actor, "announcement.created", f"announcement:{announcement.id}",
                 audience=parsed.text or "everyone", recipients=len(queued), send_at=send_at.isoformat())
    return announcement


def report_card(report: Report, tz: str = "Europe/London") -> Reply:
    """The delivery report as staff read it in chat."""
    fields = [Field("Audience", f"{report.audience or 'everyone'} — {report.audience_size} leaders"),
              Field("Sends", format_moment(report.send_at, tz)),
              Field("Sent", str(report.sent)), Field("Waiting", str(report.waiting)),
              Field("Failed", str(report.failed))]
    if report.unreachable:
        fields.append(Field("Not in chat yet", str(report.unreachable)))
    fields += [Field(f"Failed: {reason}", str(n)) for reason, n in list(report.reasons.items())[:10]]
    return Reply((PersonCard(0, f"Announcement {report.id}: delivery report", "", tuple(fields)),))
