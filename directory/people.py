"""Creating, updating and finding leaders, with the search index kept in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from directory import audit
from directory.models import Leader, LeaderTag, utcnow
from directory.privacy import DEFAULT_VISIBILITY, is_public
from directory.profile_rules import check_own_profile
from directory.search_index import index_leaders, tags_of
from directory.textfold import fold


@dataclass(frozen=True)
class LeaderInput:
    """A validated profile as imported (csv_io.py) or generated; every value already cleaned."""

    email: str
    full_name: str
    role: str
    organisation: str
    sector: str
    region: str = ""
    expertise: str = ""
    bio: str = ""
    phone: str = ""
    cohort: str = ""
    slack_user_id: str = ""
    teams_user_id: str = ""


PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(LeaderInput))


@dataclass(frozen=True)
class UpsertCounts:
    created: int
    updated: int
    unchanged: int
    # `line N: …` for each row where a field the leader edited themselves differs from the file's value:
    # kept (or, with overwrite_self_edits, replaced) — said either way, never silently.
    conflicts: tuple[str, ...] = ()
    overwritten: int = 0  # leaders whose own edits were replaced (overwrite_self_edits)


def _apply(leader: Leader, data: LeaderInput, keep: frozenset[str] = frozenset()) -> bool:
    """Copy `data` onto `leader`, except the fields in `keep`; True if anything changed."""
    changed = False
    for name in PROFILE_FIELDS:
        value = getattr(data, name)
        if name not in keep and getattr(leader, name, None) != value:
            setattr(leader, name, value)
            changed = True
    leader.email_key = data.email.lower()
    refresh_filter_keys(leader)
    return changed


def _own_edits_differing(leader: Leader, data: LeaderInput) -> list[str]:
    """The fields the leader edited themselves whose value the file would change."""
    return [name for name in (leader.self_edited or []) if name in PROFILE_FIELDS
            and (getattr(leader, name) or "") != getattr(data, name)]


def refresh_search(session: Session, leaders: list[Leader]) -> None:
    """Filter keys, tags and search index of `leaders` after their visibility changed (or was set before
    hidden fields were kept out of search)."""
    for leader in leaders:
        refresh_filter_keys(leader)
    session.flush()
    _replace_tags(session, leaders)
    index_leaders(session, leaders)


def refresh_filter_keys(leader: Leader) -> None:
    """The folded copies the search filters use, blank for a field the leader does not show everyone."""
    leader.sector_key = leader.sector if is_public(leader, "sector") else ""
    leader.region_key = fold(leader.region) if is_public(leader, "region") else ""
    leader.org_key = fold(leader.organisation) if is_public(leader, "organisation") else ""
    leader.cohort_key = fold(leader.cohort) if is_public(leader, "cohort") else ""


def upsert_leaders(session: Session, rows: Sequence[LeaderInput], batch: int = 1000,
                   progress: Callable[[int], None] | None = None, *, lines: Sequence[int] | None = None,
                   overwrite_self_edits: bool = False, verified_by: str = "staff import") -> UpsertCounts:
    """Insert or update leaders by email (case-insensitive), reindexing what changed. Does not commit.

    A field a leader edited themselves (`me`) is theirs: it is left as they wrote it, and the row's line
    (`lines`, the file's line numbers, else the row's place) is reported in `conflicts`. With
    `overwrite_self_edits` the file's value wins, the field is the staff's again, and that is reported too.
    """
    created = updated = unchanged = overwritten = 0
    conflicts: list[str] = []
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        existing = {leader.email_key: leader for leader in session.scalars(
            select(Leader).where(Leader.email_key.in_([r.email.lower() for r in chunk])))}
        touched: list[Leader] = []
        for offset, data in enumerate(chunk):
            leader = existing.get(data.email.lower())
            if leader is None:
                leader = Leader(verified=True, verified_by=verified_by, self_edited=[])
                _apply(leader, data)
                session.add(leader)
                created += 1
                touched.append(leader)
                continue
            theirs = _own_edits_differing(leader, data)
            if theirs:
                line = lines[start + offset] if lines is not None else start + offset + 1
                fields = ", ".join(theirs)
                if overwrite_self_edits:
                    conflicts.append(f"line {line}: {data.email}: replaced their own edit of {fields}")
                    leader.self_edited = [n for n in leader.self_edited if n not in theirs]
                    overwritten += 1
                else:
                    conflicts.append(f"line {line}: {data.email}: kept their own edit of {fields} (the file "
                                     "differs; --overwrite-self-edits replaces it)")
            keep = frozenset() if overwrite_self_edits else frozenset(theirs)
            if _apply(leader, data, keep):
                updated += 1
                touched.append(leader)
            else:
                unchanged += 1
        session.flush()
        _replace_tags(session, touched)
        index_leaders(session, touched)
        if progress:
            progress(len(chunk))
    return UpsertCounts(created, updated, unchanged, tuple(conflicts), overwritten)


def _replace_tags(session: Session, leaders: list[Leader]) -> None:
    if not leaders:
        return
    session.execute(text("DELETE FROM leader_tag WHERE leader_id IN :ids")
                    .bindparams(bindparam("ids", expanding=True)), {"ids": [le.id for le in leaders]})
    rows = [{"leader_id": le.id, "tag": tag} for le in leaders for tag in tags_of(le)]
    if rows:
        session.execute(LeaderTag.__table__.insert(), rows)


def update_own_profile(session: Session, leader: Leader, changes: dict[str, str],
                       visibility: dict[str, str]) -> list[str]:
    """Apply a leader's edit of their own profile: all of it or, on any bad value, none of it.

    Validates with the import's rules (profile_rules.py), then keeps the folded filter keys, the tags and the
    search index in step in the same transaction, and touches `updated_at`. Returns the names of what
    changed (`visibility.<field>` for a visibility level). Does not commit.
    """
    cleaned, levels = check_own_profile(changes, visibility)
    leader.confirmed_at = utcnow()  # the leader has looked at their profile and saved it: it is theirs
    changed = [name for name, value in cleaned.items() if (getattr(leader, name) or "") != value]
    for name in changed:
        setattr(leader, name, cleaned[name])
    current = {**DEFAULT_VISIBILITY, **(leader.visibility or {})}
    moved = {name: level for name, level in levels.items() if current.get(name) != level}
    if moved:
        leader.visibility = {**current, **moved}  # a new dict, so the JSON column is seen as changed
    if not changed and not moved:
        return []
    if changed:  # these fields are the leader's now: an import leaves them alone (upsert_leaders)
        leader.self_edited = sorted({*(leader.self_edited or []), *changed})
    audit.record(session, audit.leader_ref(leader.id), "profile.self_edited", audit.leader_ref(leader.id),
                 fields=[*changed, *(f"visibility.{name}" for name in moved)])
    refresh_filter_keys(leader)
    leader.updated_at = utcnow()
    session.flush()
    if "expertise" in changed or "expertise" in moved:
        _replace_tags(session, [leader])
    if set(changed) - {"phone"} or moved:
        index_leaders(session, [leader])
    return [*changed, *(f"visibility.{name}" for name in moved)]


def by_email(session: Session, email: str) -> Leader | None:
    return session.scalar(select(Leader).where(Leader.email_key == email.strip().lower()))


def by_id(session: Session, leader_id: int) -> Leader | None:
    return session.get(Leader, leader_id)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Leader)) or 0


def all_leaders(session: Session, batch: int = 2000):  # type: ignore[no-untyped-def]
    """Every leader in email order, fetched in batches so an export of 100,000 stays small in memory."""
    last = ""
    while True:
        page = list(session.scalars(select(Leader).where(Leader.email_key > last)
                                    .order_by(Leader.email_key).limit(batch)))
        if not page:
            return
        yield from page
        last = page[-1].email_key
