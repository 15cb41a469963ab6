"""Links made on weaker evidence than today's rules ask for, and what staff can do about them.

The rules for automatic links tightened (issue 10): a Teams email must be in a domain its tenant owns
(LEADERS_TENANT_DOMAINS), a Slack email must be confirmed and belong to a full member, and only admitted
organisations may talk at all. Links made before — or from an organisation since removed — are still
there. `review` lists every live link that today's rules would not have made:

- `tenant_not_admitted` / `workspace_not_admitted`: the Teams tenant or Slack workspace is no longer
  allowed (its turns are refused already; the link would work again if it were re-admitted);
- `domain_not_owned`: linked automatically on a Teams email whose domain the tenant does not own —
  checked offline against the leader's directory email, which is the address that matched;
- `slack_unconfirmed`: linked by Slack email before Slack's confirmation and full-member checks. That
  cannot be re-verified offline — Slack must be asked again (`leaders accounts check --recheck-slack`).

Links made by Sign in with Microsoft, or recognised by the Microsoft object id a leader signed in with,
are strong evidence and never listed. `revoke` removes links (a removed link stays removed: only a fresh
Sign in with Microsoft brings it back); `reverified` records that Slack now vouches for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import audit
from directory.accounts import LEGACY_SLACK_VIA, VIA
from directory.models import ChatAccount, Leader, utcnow
from directory.vouching import domain_of, tenant_vouches
from directory.web_sessions import end_from_account

REASONS = {
    "tenant_not_admitted": "the Microsoft tenant is not in LEADERS_ALLOWED_TENANTS",
    "workspace_not_admitted": "the Slack workspace is not admitted (LEADERS_ALLOWED_SLACK_TEAMS, or the "
                              "SLACK_BOT_TOKEN's own workspace)",
    "domain_not_owned": "linked automatically on an email whose domain this tenant does not own "
                        "(LEADERS_TENANT_DOMAINS)",
    "slack_unconfirmed": "linked by Slack email before Slack had to confirm it and the user had to be a "
                         "full member; this cannot be re-verified offline (use --recheck-slack)",
}


@dataclass(frozen=True)
class Rules:
    """Today's rules. `slack_workspaces` None: not known offline (one SLACK_BOT_TOKEN, Slack not asked)."""

    allowed_tenants: frozenset[str]
    tenant_domains: Mapping[str, frozenset[str]]
    slack_workspaces: frozenset[str] | None


@dataclass(frozen=True)
class Concern:
    account_id: int
    platform: str
    workspace_id: str
    user_id: str
    leader_id: int
    leader_email: str
    linked_via: str
    linked_at: datetime
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"account": self.account_id, "platform": self.platform, "workspace": self.workspace_id,
                "user": self.user_id, "leader": self.leader_email, "linked_via": self.linked_via,
                "linked_at": self.linked_at.isoformat(), "reasons": list(self.reasons),
                "why": [REASONS[r] for r in self.reasons]}


def reasons_for(account: ChatAccount, leader: Leader, rules: Rules) -> tuple[str, ...]:
    found: list[str] = []
    if account.platform == "teams":
        tenant = account.workspace_id.lower()
        if tenant not in rules.allowed_tenants:
            found.append("tenant_not_admitted")
        by_object_id = bool(leader.microsoft_oid) and leader.microsoft_oid == account.user_id.lower()
        if account.linked_via == VIA["teams"] and not by_object_id \
                and not tenant_vouches(rules.tenant_domains, tenant, leader.email):
            found.append("domain_not_owned")
    elif account.platform == "slack":
        if rules.slack_workspaces is not None and account.workspace_id not in rules.slack_workspaces:
            found.append("workspace_not_admitted")
        if account.linked_via == LEGACY_SLACK_VIA:
            found.append("slack_unconfirmed")
    return tuple(found)


def review(session: Session, rules: Rules) -> list[Concern]:
    """Every live link today's rules would not have made, oldest first."""
    rows = session.execute(select(ChatAccount, Leader).join(Leader, ChatAccount.leader_id == Leader.id)
                           .where(ChatAccount.revoked_at.is_(None)).order_by(ChatAccount.id))
    concerns = []
    for account, leader in rows:
        reasons = reasons_for(account, leader, rules)
        if reasons:
            concerns.append(Concern(account.id, account.platform, account.workspace_id, account.user_id,
                                    leader.id, leader.email, account.linked_via, account.created_at, reasons))
    return concerns


def revoke(session: Session, concerns: list[Concern], actor: str) -> int:
    """Remove these links (still live ones only); each gets an `account.unlinked` audit line."""
    removed = 0
    for concern in concerns:
        account = session.get(ChatAccount, concern.account_id)
        if account is None or account.revoked_at is not None:
            continue
        account.revoked_at = utcnow()
        end_from_account(session, account.id)  # website sessions started from this account's link
        audit.record(session, actor, "account.unlinked", audit.leader_ref(account.leader_id),
                     platform=account.platform, account=account.id, reason=",".join(concern.reasons))
        removed += 1
    return removed


def reverified(session: Session, account_id: int, actor: str) -> None:
    """Slack now vouches for this link's email (confirmed, full member): label it as today's links are."""
    account = session.get(ChatAccount, account_id)
    if account is None or account.revoked_at is not None or account.linked_via != LEGACY_SLACK_VIA:
        return
    account.linked_via = VIA["slack"]
    audit.record(session, actor, "account.reverified", audit.leader_ref(account.leader_id),
                 platform=account.platform, account=account.id)


def matches(email: str, leader_email: str) -> bool:
    return bool(email) and email.strip().lower() == leader_email.strip().lower() and bool(domain_of(email))
