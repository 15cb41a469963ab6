"""Chat accounts: which Slack, Teams or console identity belongs to which verified leader.

Linking is automatic only on evidence the platform vouches for (its verified email matching the
directory); everything else stays unlinked and sees nothing but help. Adapters fetch the evidence; this
module decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from directory.models import ChatAccount, Leader
from directory.people import by_email


@dataclass(frozen=True)
class ChatIdentity:
    """Who is talking, as the platform reports it. `email` is set only when the platform verified it."""

    platform: str
    workspace_id: str
    user_id: str
    email: str | None = None
    display_name: str = ""


VIA = {"slack": "Slack verified email", "teams": "Microsoft Teams account", "console": "staff console"}


# Built once: this runs on every chat turn, and constructing the select each time cost about as much CPU
# as executing it (~0.1 ms); the statement is immutable, so every thread can share it.
_LINKED_LEADER = select(Leader).join(ChatAccount).where(ChatAccount.platform == bindparam("platform"),
                                                        ChatAccount.workspace_id == bindparam("workspace"),
                                                        ChatAccount.user_id == bindparam("user"))


def linked_leader(session: Session, identity: ChatIdentity) -> Leader | None:
    return session.scalar(_LINKED_LEADER, {"platform": identity.platform,
                                           "workspace": identity.workspace_id, "user": identity.user_id})


def resolve(session: Session, identity: ChatIdentity) -> Leader | None:
    """The leader behind `identity`: an existing link, or a new one when the vouched email matches."""
    leader = linked_leader(session, identity)
    if leader is not None or not identity.email:
        return leader
    leader = by_email(session, identity.email)
    if leader is None:
        return None
    account = ChatAccount(platform=identity.platform, workspace_id=identity.workspace_id,
                          user_id=identity.user_id, leader_id=leader.id,
                          linked_via=VIA.get(identity.platform, identity.platform))
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError:
        # Two first messages raced; the other turn created the same link, which is what we wanted.
        return linked_leader(session, identity)
    return leader
