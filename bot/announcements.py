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
from directory.outbox import as_utc
from directory.preferred_account import preferred_account
from directory.when import format_moment


def card(announcement: Announcement) -> Reply:
    blocks: list = [Text("Announcement from the Leaders Connect team", "heading"), Text(announcement.text)]
    if announcement.url:
        blocks.append(Actions((Button("Open", url=announcement.url, style="primary"),)))
    return Reply(tuple(blocks), private=True)


def _announcement(session: Session, *, actor: str, text: str, url: str, audience: str,
                  send_at: datetime | None) -> tuple[Announcement, list[int]]:
    """Check everything and add the row (not yet queued). Raises ContentError / QueryError first."""
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
    return announcement, ids


def _queue(session: Session, announcement: Announcement, ids: list[int], actor: str) -> None:
    """One card per leader's preferred account, in this transaction, held until `send_at`."""
    now = clock.now()
    send_at = max(as_utc(announcement.send_at) or now, now)
    announcement.send_at, announcement.confirmed_at = send_at, now
    announcement.audience_size, announcement.unreachable = len(ids), 0
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
                 audience=announcement.audience or "everyone", recipients=len(queued),
                 send_at=send_at.isoformat())


def create(session: Session, *, actor: str, text: str, url: str = "", audience: str = "",
           send_at: datetime | None = None) -> Announcement:
    """Queue an announcement to everyone in `audience`. Raises ContentError / QueryError, nothing written."""
    announcement, ids = _announcement(session, actor=actor, text=text, url=url, audience=audience,
                                      send_at=send_at)
    _queue(session, announcement, ids, actor)
    return announcement


def draft(session: Session, *, actor: str, text: str, url: str = "", audience: str = "",
          send_at: datetime | None = None) -> Announcement:
    """Check and store an announcement without queuing anything: chat shows its audience size and waits
    for a Confirm press (`confirm`). The same checks as `create`; raises before writing."""
    announcement, _ = _announcement(session, actor=actor, text=text, url=url, audience=audience,
                                    send_at=send_at)
    return announcement


class AudienceChanged(Exception):
    """The audience no longer has the size the staff member confirmed; the draft now has the new size."""


def confirm(session: Session, announcement: Announcement, actor: str, confirmed_size: int) -> None:
    """Queue a draft's messages — only if its audience still has the size that was shown and confirmed
    (else AudienceChanged, nothing queued). A confirmed announcement is left as it is."""
    if announcement.confirmed_at is not None:
        return
    ids = resolve(session, parse_audience(announcement.audience))
    if len(ids) != confirmed_size:
        announcement.audience_size = len(ids)
        raise AudienceChanged(f"the audience is now {len(ids)} leaders, not {confirmed_size}")
    _queue(session, announcement, ids, actor)


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
