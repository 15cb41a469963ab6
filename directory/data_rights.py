"""Data rights under UK GDPR: a leader's copy of everything held about them, and erasure.

`export` gathers every row that names the leader (profile, visibility, links, conversation references,
staff role, usage counts, one-time links, erasure requests, their introductions, blocks and private
office, messages queued or sent to them, and the audit lines about them or by them — save someone else's
block of them, which they are never told of).
`erase` removes all of it except what must outlive them without identifying them: audit lines keep only
`leader:N` references, which point at nobody once the row is gone, and a closing `data.erased` line.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from directory import audit
from directory.conversations import TeamsConversation
from directory.digests import DigestPreference, DigestSent
from directory.introductions import IntroBlock, IntroDelegate, Introduction
from directory.models import (
    AccessLink,
    AuditEvent,
    ChatAccount,
    ErasureRequest,
    Leader,
    StaffMember,
    UsageCounter,
    utcnow,
)
from directory.outbox import OutboxMessage, Outgoing, enqueue_many
from directory.people import by_email
from directory.privacy import DEFAULT_VISIBILITY
from directory.search_index import forget_words, unindex_leaders, vocabulary_of
from directory.suppression import AT_THEIR_REQUEST, BY_STAFF, suppress

PROFILE = ("email", "full_name", "role", "organisation", "sector", "region", "expertise", "bio", "phone",
           "cohort", "slack_user_id", "teams_user_id", "verified", "verified_by", "microsoft_oid",
           "self_edited", "created_at", "updated_at")
# Entries about the leader that are someone else's decision, which the leader must not learn of: a
# blocked requester is told only "not available" (bot/introductions.py), so their export says no more.
NOT_TOLD_TO_SUBJECT = frozenset({"intro.blocked"})


class ErasureError(ValueError):
    """An erasure that cannot be done; the message says why."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in columns}


def export(session: Session, leader: Leader) -> dict[str, Any]:
    """Everything held about `leader`, as JSON-ready data, and an audit line saying it was handed out."""
    ref = audit.leader_ref(leader.id)
    accounts = list(session.scalars(select(ChatAccount).where(ChatAccount.leader_id == leader.id)))
    account_ids = [a.id for a in accounts]
    conversations = list(session.scalars(select(TeamsConversation).where(
        TeamsConversation.chat_account_id.in_(account_ids)))) if account_ids else []
    events = session.scalars(select(AuditEvent).where(or_(AuditEvent.actor == ref, AuditEvent.subject == ref))
                             .order_by(AuditEvent.id))
    data = {
        "generated_at": utcnow().isoformat(),
        "profile": _row(leader, PROFILE),
        "visibility": {**DEFAULT_VISIBILITY, **(leader.visibility or {})},
        "chat_accounts": [_row(a, ("platform", "workspace_id", "user_id", "linked_via", "created_at",
                                   "revoked_at")) for a in accounts],
        "teams_conversations": [_row(c, ("tenant_id", "conversation_id", "conversation_type",
                                         "service_url", "updated_at")) for c in conversations],
        "staff_role": _row(role, ("granted_by", "granted_at"))
        if (role := session.get(StaffMember, leader.id)) else None,
        "profiles_shown_per_day": {c.day.isoformat(): c.profiles_shown for c in session.scalars(
            select(UsageCounter).where(UsageCounter.leader_id == leader.id).order_by(UsageCounter.day))},
        "one_time_links": [_row(link, ("purpose", "platform", "created_at", "expires_at", "used_at"))
                           for link in session.scalars(select(AccessLink).where(
                               AccessLink.leader_id == leader.id))],
        "erasure_requests": [_row(r, ("requested_at", "completed_at")) for r in session.scalars(
            select(ErasureRequest).where(ErasureRequest.leader_id == leader.id))],
        **_introductions_of(session, leader),
        "messages_to_you": [_row(m, ("platform", "status", "created_at", "sent_at", "reply"))
                            for m in session.scalars(select(OutboxMessage).where(
                                _addressed_to(accounts)).order_by(OutboxMessage.id))] if accounts else [],
        "digest_settings": _row(pref, ("cadence", "weekday", "minute", "timezone", "topics", "last_slot",
                                       "welcomed"))
        if (pref := session.get(DigestPreference, leader.id)) else None,
        "digest_items_sent": [_row(s, ("item_id", "sent_at", "answered")) for s in session.scalars(
            select(DigestSent).where(DigestSent.leader_id == leader.id).order_by(DigestSent.sent_at))],
        "audit_log": [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "subject": e.subject,
                       "details": e.details} for e in events
                      if not (e.action in NOT_TOLD_TO_SUBJECT and e.actor != ref)],
    }
    audit.record(session, ref, "data.exported", ref)
    return data


def _introductions_of(session: Session, leader: Leader) -> dict[str, Any]:
    """The leader's introductions (asked and asked of them, with the reason and their own "did you
    meet?" answer), whom they blocked and their private-office arrangements — never who blocked them."""
    def name(leader_id: int | None) -> str:
        found = session.get(Leader, leader_id) if leader_id is not None else None
        return found.full_name if found is not None else ""
    intros = []
    for intro in session.scalars(select(Introduction).where(or_(
            Introduction.requester_id == leader.id, Introduction.recipient_id == leader.id))
            .order_by(Introduction.id)):
        asked = intro.requester_id == leader.id
        intros.append({"you": "asked" if asked else "were asked",
                       "other": name(intro.recipient_id if asked else intro.requester_id),
                       **_row(intro, ("status", "reason", "created_at", "decided_at")),
                       # Who answered (the leader or their office) is the recipient's side's to know.
                       "answered_by": "" if asked else name(intro.answered_by_id),
                       "your_did_you_meet": intro.met_requester if asked else intro.met_recipient})
    return {"introductions": intros,
            "introductions_blocked_by_you": [name(b) for b in session.scalars(
                select(IntroBlock.blocked_id).where(IntroBlock.blocker_id == leader.id))],
            "your_private_office": [name(d) for d in session.scalars(
                select(IntroDelegate.delegate_id).where(IntroDelegate.leader_id == leader.id))],
            "private_office_for": [name(p) for p in session.scalars(
                select(IntroDelegate.leader_id).where(IntroDelegate.delegate_id == leader.id))]}


def _addressed_to(accounts: list[ChatAccount]) -> Any:
    """Outbox rows for any of these accounts, matched by address (rows keep it after an unlink)."""
    return or_(*(and_(OutboxMessage.platform == a.platform, OutboxMessage.workspace_id == a.workspace_id,
                      OutboxMessage.user_id == a.user_id) for a in accounts))


def _forget_introductions(session: Session, leader_id: int) -> None:
    """Every message of an introduction the leader was party to, to either side: the cards and the
    details sent to the *other* person carry the leader's name, reason, email and phone. The requests
    themselves go with the leader's row (cascade). Removing the messages also keeps a later request
    whose id SQLite reuses from being taken for the erased one's cards (their keys are `intro:<id>:…`)."""
    ids = list(session.scalars(select(Introduction.id).where(
        or_(Introduction.requester_id == leader_id, Introduction.recipient_id == leader_id))))
    for intro_id in ids:
        in_range = and_(OutboxMessage.dedupe_key >= f"intro:{intro_id}:",
                        OutboxMessage.dedupe_key < f"intro:{intro_id};")
        cards = select(OutboxMessage.id).where(in_range).scalar_subquery()
        session.execute(delete(OutboxMessage).where(OutboxMessage.target_id.in_(cards))
                        .execution_options(synchronize_session=False))  # their pending redraws
        session.execute(delete(OutboxMessage).where(in_range).execution_options(synchronize_session=False))


def request_erasure(session: Session, leader: Leader) -> tuple[ErasureRequest, bool]:
    """File `forget me`; a second request while one is open returns that one (False: not new)."""
    open_request = session.scalar(select(ErasureRequest).where(ErasureRequest.leader_id == leader.id,
                                                               ErasureRequest.completed_at.is_(None)))
    if open_request is not None:
        return open_request, False
    request = ErasureRequest(leader_id=leader.id, requested_at=utcnow())
    session.add(request)
    session.flush()
    audit.record(session, audit.leader_ref(leader.id), "data.erasure_requested", audit.leader_ref(leader.id),
                 request=request.id)
    return request, True


def pending(session: Session) -> list[tuple[ErasureRequest, Leader]]:
    return list(session.execute(select(ErasureRequest, Leader).join(Leader)
                                .where(ErasureRequest.completed_at.is_(None))
                                .order_by(ErasureRequest.id)).tuples())


def cancel_erasure(session: Session, leader: Leader) -> ErasureRequest | None:
    """Withdraw the leader's open `forget me` (staff have not acted yet); None if there is none."""
    request = session.scalar(select(ErasureRequest).where(ErasureRequest.leader_id == leader.id,
                                                          ErasureRequest.completed_at.is_(None)))
    if request is None:
        return None
    session.delete(request)
    audit.record(session, audit.leader_ref(leader.id), "data.erasure_cancelled", audit.leader_ref(leader.id),
                 request=request.id)
    session.flush()
    return request


def erase(session: Session, email: str, actor: str, key: bytes | None = None,
          notice: dict[str, Any] | None = None) -> int:
    """Remove the leader with `email` and everything that identifies them; returns the erased leader id.

    With `key`, the email goes on the suppression list (directory/suppression.py) so an import does not
    bring them back. With `notice` (a reply as JSON), each chat account they had is told it is done: that
    message is the one thing queued to them that outlives the erasure, and it carries no profile data.
    """
    leader = by_email(session, email)
    if leader is None:
        raise ErasureError(f"{email.strip()[:320]} is not in the directory (already erased?)")
    leader_id = leader.id
    words = vocabulary_of(leader)
    accounts = list(session.scalars(select(ChatAccount).where(ChatAccount.leader_id == leader_id)))
    for account in accounts:
        # References saved before the account was linked carry the same user, unattached to the account.
        if account.platform == "teams":
            session.execute(delete(TeamsConversation).where(
                TeamsConversation.tenant_id == account.workspace_id,
                TeamsConversation.user_id == account.user_id))
        session.execute(delete(AccessLink).where(AccessLink.platform == account.platform,
                                                 AccessLink.workspace_id == account.workspace_id,
                                                 AccessLink.user_id == account.user_id))
    if accounts:  # messages to them, sent or waiting: their content and their address are personal data
        session.execute(delete(OutboxMessage).where(_addressed_to(accounts))
                        .execution_options(synchronize_session=False))
    _forget_introductions(session, leader_id)
    requests = list(session.scalars(select(ErasureRequest).where(ErasureRequest.leader_id == leader_id)))
    asked = any(r.completed_at is None for r in requests)
    if key is not None:
        suppress(session, key, leader.email, AT_THEIR_REQUEST if asked else BY_STAFF)
    if notice is not None:
        enqueue_many(session, [Outgoing(a, notice, f"erasure-done:{leader_id}:{a.id}")
                               for a in accounts if a.revoked_at is None and a.platform != "console"])
    now = utcnow()
    for request in requests:
        request.completed_at = request.completed_at or now
        request.leader_id = None
    unindex_leaders(session, [leader_id])
    session.delete(leader)  # cascades: tags, chat accounts, staff role, usage counters, links
    session.flush()
    forget_words(session, words)
    audit.record(session, actor, "data.erased", audit.leader_ref(leader_id),
                 requests_closed=len(requests), accounts_removed=len(accounts),
                 suppressed=key is not None, told=notice is not None)
    return leader_id
