"""The one chat account a proactive message goes to, for a leader who may be linked on both platforms.

A poll, a digest or an introduction must reach a leader once, not once per platform. The leader may say
which platform they prefer (`settings platform teams`); otherwise the account linked most recently wins,
since that is the tool they moved to. Revoked links and the console never receive proactive messages.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import ChatAccount, Leader

PLATFORMS = ("slack", "teams")


def active_accounts(session: Session, leader: Leader) -> list[ChatAccount]:
    """The leader's live Slack and Teams accounts, most recently linked first."""
    statement = (select(ChatAccount)
                 .where(ChatAccount.leader_id == leader.id, ChatAccount.revoked_at.is_(None),
                        ChatAccount.platform.in_(PLATFORMS))
                 .order_by(ChatAccount.created_at.desc(), ChatAccount.id.desc()))
    return list(session.scalars(statement))


def preferred_account(session: Session, leader: Leader) -> ChatAccount | None:
    """Where to send `leader` a proactive message, or None when they are not in chat yet."""
    return _choose(active_accounts(session, leader), leader.preferred_platform)


def preferred_accounts(session: Session, leaders: list[Leader]) -> dict[int, ChatAccount]:
    """`preferred_account` for many leaders in one query (a digest run's batch): leader id → account,
    for those who have one. The same rule, so one leader gets the same answer either way."""
    if not leaders:
        return {}
    statement = (select(ChatAccount)
                 .where(ChatAccount.leader_id.in_([leader.id for leader in leaders]),
                        ChatAccount.revoked_at.is_(None), ChatAccount.platform.in_(PLATFORMS))
                 .order_by(ChatAccount.created_at.desc(), ChatAccount.id.desc()))
    by_leader: dict[int, list[ChatAccount]] = {}
    for account in session.scalars(statement):
        by_leader.setdefault(account.leader_id, []).append(account)
    chosen = {leader.id: _choose(by_leader.get(leader.id, []), leader.preferred_platform)
              for leader in leaders}
    return {leader_id: account for leader_id, account in chosen.items() if account is not None}


def _choose(accounts: list[ChatAccount], preferred: str) -> ChatAccount | None:
    """From accounts most recently linked first: the one on the preferred platform, else the first."""
    for account in accounts:
        if account.platform == preferred:
            return account
    return accounts[0] if accounts else None


def set_preferred_platform(session: Session, leader: Leader, platform: str) -> None:
    """Prefer `platform` for proactive messages. ValueError (one line) when not linked there."""
    wanted = platform.strip().lower()
    if wanted not in PLATFORMS:
        raise ValueError(f"unknown platform {platform[:20]!r}: choose slack or teams")
    if not any(a.platform == wanted for a in active_accounts(session, leader)):
        raise ValueError(f"you are not linked on {wanted.title()} yet, so messages cannot go there")
    leader.preferred_platform = wanted
