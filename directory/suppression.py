"""The erasure suppression list: people who asked to be forgotten stay forgotten.

After `leaders erase`, the staff's usual spreadsheet still has the person in it; importing it again would
bring back exactly what they asked us to remove. So erasure leaves one row behind: a keyed hash (HMAC-
SHA-256) of the lower-cased email and the date — no name, no other data. Import skips a row whose email
matches and says so (`line N: erased on 2 Dec at their request — skipped`). When someone really rejoins,
staff lift the entry (`leaders erase --lift EMAIL`), which is written to the audit log.

The key comes from LEADERS_SUPPRESSION_KEY, or, when that is unset, from a random key the service makes
once and keeps in `app_secret`. A hash under a key kept outside the database means a copy of the database
alone cannot be used to test guessed emails against the list.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import audit
from directory.models import AppSecret, ErasureSuppression, utcnow

KEY_NAME = "suppression_key"
AT_THEIR_REQUEST = "their request"
BY_STAFF = "staff decision"


def key_for(session: Session, configured: str = "") -> bytes:
    """The configured key, else the database's own (made on first use)."""
    if configured:
        return configured.encode()
    row = session.get(AppSecret, KEY_NAME)
    if row is None:
        row = AppSecret(name=KEY_NAME, value=secrets.token_hex(32))
        session.add(row)
        session.flush()
    return row.value.encode()


def email_hash(key: bytes, email: str) -> str:
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def suppress(session: Session, key: bytes, email: str, reason: str) -> None:
    """Add `email` to the list (again: keeps the first date)."""
    digest = email_hash(key, email)
    if session.get(ErasureSuppression, digest) is None:
        session.add(ErasureSuppression(email_hash=digest, erased_at=utcnow(), reason=reason))
        session.flush()


def suppressed(session: Session, key: bytes, emails: Iterable[str]) -> dict[str, ErasureSuppression]:
    """Lower-cased email → its entry, for those of `emails` on the list."""
    by_hash = {email_hash(key, e): e.strip().lower() for e in emails}
    found: dict[str, ErasureSuppression] = {}
    hashes = list(by_hash)
    for start in range(0, len(hashes), 500):
        for entry in session.scalars(select(ErasureSuppression).where(
                ErasureSuppression.email_hash.in_(hashes[start:start + 500]))):
            found[by_hash[entry.email_hash]] = entry
    return found


def lift(session: Session, key: bytes, email: str, actor: str) -> ErasureSuppression | None:
    """Take `email` off the list so a rejoiner can be imported; None if it was not on it. Audited."""
    entry = session.get(ErasureSuppression, email_hash(key, email))
    if entry is None:
        return None
    session.delete(entry)
    audit.record(session, actor, "data.suppression_lifted", "", erased_on=entry.erased_at.date().isoformat())
    session.flush()
    return entry


def describe(entry: ErasureSuppression) -> str:
    """`erased on 2 Dec at their request` (the import's words)."""
    when: datetime = entry.erased_at
    why = "at their request" if entry.reason == AT_THEIR_REQUEST else "by staff decision"
    return f"erased on {when.day} {when:%b} {why}"
