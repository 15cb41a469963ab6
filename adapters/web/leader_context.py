"""The use-case context for a signed-in leader on the web: the same `Context` chat turns get.

The web pages call the use cases in bot/ (find, profile, me) rather than re-implementing them, so they
need what a chat turn has: a unit of work, the settings, the leader and whether they are staff. Staff is
decided here from the database exactly as the engine decides it for a chat turn (directory.staff), not
from what the session remembered, so a removed staff role stops counting at the next page.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.commands import Context
from directory.accounts import ChatIdentity
from directory.models import Leader
from directory.settings import Settings
from directory.staff import is_staff

WEB = "web"  # the "platform" of a web page's context; no use case these pages call reads the identity


def leader_context(session: Session, settings: Settings, leader_id: int) -> Context | None:
    """The context for `leader_id`'s page, or None when they are no longer a current leader (a session
    that outlived its leader is treated as signed out)."""
    leader = session.get(Leader, leader_id)
    if leader is None or leader.left_at is not None:
        return None
    identity = ChatIdentity(WEB, "", str(leader.id))
    return Context(session, settings, identity, leader, is_staff(session, leader, settings.staff_email_set))
