"""How true is the directory? Per sector: stale, never confirmed, incomplete (which fields), unlinked.

For `leaders directory health [--json]`. Leavers are not counted: they are no longer in the directory
anyone sees. "Stale" is twelve months or more since the profile was last confirmed (freshness.py),
"never confirmed" is a profile its leader has never confirmed or saved, "incomplete" counts the empty
fields a peer would look for, and "unlinked" is a leader with no live Slack or Teams account (they can
be found, but never asked or told anything).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import clock
from directory.freshness import STALE_AFTER
from directory.models import ChatAccount, Leader

COMPLETENESS_FIELDS = ("role", "organisation", "region", "expertise", "bio")


@dataclass
class SectorHealth:
    sector: str
    leaders: int = 0
    stale: int = 0
    never_confirmed: int = 0
    incomplete: int = 0
    missing: dict[str, int] = field(default_factory=dict)  # field → how many leaders lack it
    unlinked: int = 0


def report(session: Session, now: datetime | None = None) -> list[SectorHealth]:
    """One entry per sector (sorted by key), then a `total` entry."""
    now = now or clock.now()
    linked = set(session.scalars(select(ChatAccount.leader_id).where(
        ChatAccount.revoked_at.is_(None), ChatAccount.platform.in_(("slack", "teams")))))
    sectors: dict[str, SectorHealth] = {}
    total = SectorHealth("total")
    rows = session.execute(select(Leader.id, Leader.sector, Leader.confirmed_at, Leader.created_at,
                                  *(getattr(Leader, f) for f in COMPLETENESS_FIELDS))
                           .where(Leader.left_at.is_(None)))
    for row in rows:
        entry = sectors.setdefault(row.sector, SectorHealth(row.sector))
        last = row.confirmed_at or row.created_at
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        missing = [f for f in COMPLETENESS_FIELDS if not (getattr(row, f) or "").strip()]
        for target in (entry, total):
            target.leaders += 1
            target.stale += now - last >= STALE_AFTER
            target.never_confirmed += row.confirmed_at is None
            target.incomplete += bool(missing)
            target.unlinked += row.id not in linked
            for name in missing:
                target.missing[name] = target.missing.get(name, 0) + 1
    return [*(sectors[k] for k in sorted(sectors)), total]


def as_json(entries: list[SectorHealth]) -> dict[str, Any]:
    return {"sectors": [asdict(e) for e in entries if e.sector != "total"],
            "total": asdict(entries[-1])}
