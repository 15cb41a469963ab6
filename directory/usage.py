"""Anti-scraping: how many profiles one leader's accounts may be shown per day.

A search already returns at most LEADERS_SEARCH_LIMIT people; this caps the day's total across searches
and profile views, so a compromised account cannot page through the directory. The first time a leader
reaches the cap on a day, the audit log gets a line (and the log a warning) for staff to look into.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from directory import audit
from directory.models import UsageCounter, utcnow

log = logging.getLogger(__name__)


def today() -> date:
    return utcnow().date()


def shown_today(session: Session, leader_id: int) -> int:
    row = session.get(UsageCounter, (leader_id, today()))
    return row.profiles_shown if row else 0


def charge(session: Session, leader_id: int, wanted: int, cap: int) -> int:
    """Count `wanted` profiles against today's cap and say how many may be shown (0 when spent).

    The increment is one atomic upsert, so concurrent turns of the same leader cannot both slip under.
    """
    if wanted <= 0:
        return 0
    day = today()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(UsageCounter).values(leader_id=leader_id, day=day, profiles_shown=wanted,
                                            flagged=False)
    statement = statement.on_conflict_do_update(
        index_elements=[UsageCounter.leader_id, UsageCounter.day],
        set_={"profiles_shown": UsageCounter.profiles_shown + wanted},
    ).returning(UsageCounter.profiles_shown, UsageCounter.flagged)  # one round trip on every search
    row = session.execute(statement).one()
    before = row.profiles_shown - wanted
    allowed = max(0, min(wanted, cap - before))
    if allowed < wanted and not row.flagged:
        session.execute(UsageCounter.__table__.update()
                        .where(UsageCounter.leader_id == leader_id, UsageCounter.day == day)
                        .values(flagged=True))
        audit.record(session, audit.leader_ref(leader_id), "search.cap_reached", audit.leader_ref(leader_id),
                     cap=cap, day=day.isoformat())
        log.warning("daily profile cap of %d reached by leader %d", cap, leader_id)
    return allowed
