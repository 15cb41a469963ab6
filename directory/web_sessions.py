"""Website sessions: who a browser is signed in as, kept server-side (issue 17).

The browser's cookie holds a random 256-bit id; the table keeps only its SHA-256, so a copy of the
database signs nobody in. Every sign-in makes a new id (a cookie planted before sign-in is never the
session after: no fixation), sign-out deletes the row, and `lookup` refuses — and deletes — a session
that has idled out, passed its absolute lifetime, whose leader has left, or whose chat account was
unlinked. Erasing the leader deletes the rows by cascade.

Each session carries its own CSRF secret: forms echo it, and a POST without it changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from directory import clock
from directory.models import ChatAccount, Leader, WebSession
from directory.staff import is_staff

IDLE = timedelta(hours=1)  # no request for this long: signed out
ABSOLUTE = timedelta(hours=12)  # signed in this long: signed out, however busy (a working day)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most this often, not on every request
METHODS = ("microsoft", "chat", "tab")


@dataclass(frozen=True)
class ActiveSession:
    """A live session as the website sees it (never the raw id's hash: nothing to leak into a page)."""

    leader_id: int
    full_name: str
    is_staff: bool
    in_tab: bool
    method: str
    signed_in_at: datetime
    csrf_secret: str


def id_hash(raw_id: str) -> str:
    """What the table keeps of a session id."""
    return _hash(raw_id)


def _hash(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode("utf-8", "replace")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.now().tzinfo)


def start(session: Session, leader: Leader, method: str, *, via_account_id: int | None = None,
          in_tab: bool = False, replaces: str = "", replaces_hash: str = "") -> str:
    """A new session for `leader`; returns the raw id for the cookie (the only place it exists).

    `replaces`: the browser's previous session id, if any, which is deleted — signing in again (or as
    someone else) never keeps the old id alive. `replaces_hash`: the same, when only its hash was kept
    (Microsoft's answer is a cross-site POST, on which the browser does not send the `Lax` cookie).
    """
    if method not in METHODS:
        raise ValueError(f"unknown sign-in method {method!r}")
    now = clock.now()
    session.execute(delete(WebSession).where(or_(WebSession.absolute_expires_at < now,
                                                 WebSession.idle_expires_at < now)))
    if replaces:
        end(session, replaces)
    if replaces_hash:
        session.execute(delete(WebSession).where(WebSession.id_hash == replaces_hash))
    raw_id = secrets.token_urlsafe(32)
    session.add(WebSession(id_hash=_hash(raw_id), leader_id=leader.id, method=method,
                           via_account_id=via_account_id, created_at=now, last_seen_at=now,
                           signed_in_at=now, idle_expires_at=now + IDLE, absolute_expires_at=now + ABSOLUTE,
                           in_tab=in_tab, csrf_secret=secrets.token_urlsafe(32)))
    session.flush()
    return raw_id


def lookup(session: Session, raw_id: str, staff_emails: frozenset[str] = frozenset()) -> ActiveSession | None:
    """The live session behind a cookie value, or None (unknown, expired, or its leader may no longer be
    signed in — such a row is deleted on the way). Pushes the idle expiry forward."""
    if not raw_id or len(raw_id) > 100:
        return None
    row = session.get(WebSession, _hash(raw_id))
    if row is None:
        return None
    now = clock.now()
    leader = session.get(Leader, row.leader_id)
    account = session.get(ChatAccount, row.via_account_id) if row.via_account_id is not None else None
    if (_aware(row.idle_expires_at) <= now or _aware(row.absolute_expires_at) <= now or leader is None
            or leader.left_at is not None
            or (row.via_account_id is not None and (account is None or account.revoked_at is not None
                                                     or account.leader_id != row.leader_id))):
        session.delete(row)
        session.flush()
        return None
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
        row.idle_expires_at = min(now + IDLE, _aware(row.absolute_expires_at))
    return ActiveSession(leader.id, leader.full_name, is_staff(session, leader, staff_emails), row.in_tab,
                         row.method, _aware(row.signed_in_at), row.csrf_secret)


def end(session: Session, raw_id: str) -> bool:
    """Sign-out: delete the session behind `raw_id`; False if there was none."""
    if not raw_id or len(raw_id) > 100:
        return False
    return bool(session.execute(delete(WebSession).where(WebSession.id_hash == _hash(raw_id))).rowcount)


def end_all(session: Session, leader_id: int) -> int:
    """Every session of one leader (a leaver; staff ending a compromised account's access)."""
    return int(session.execute(delete(WebSession).where(WebSession.leader_id == leader_id)).rowcount or 0)


def end_from_account(session: Session, account_id: int) -> int:
    """Every session started from this chat account's link (the account was unlinked or revoked): ended
    at once, so relinking the account later does not bring them back."""
    return int(session.execute(delete(WebSession).where(WebSession.via_account_id == account_id))
               .rowcount or 0)


def csrf_matches(active: ActiveSession, token: str) -> bool:
    """Constant-time check of a form's CSRF token against the session's secret."""
    return bool(token) and len(token) <= 100 and hmac.compare_digest(active.csrf_secret.encode(),
                                                                       token.encode("utf-8", "replace"))



def public_id(raw_id: str) -> str:
    """An opaque name for a session that pages and logs may carry: not the cookie, not the stored hash."""
    return hashlib.sha256(b"public:" + raw_id.encode("utf-8", "replace")).hexdigest()[:16]
