"""Who a verified Teams tab token is in the directory: the same decision the bot makes for a Teams turn.

The tab's token (checked by the adapter: signature, issuer, audience, time, tenant) names an Entra tenant
and object id — exactly the (workspace, user) pair a Teams chat account has. So the leader is found
through the same account links as the bot (`accounts.resolve`): an existing link of that Teams account;
else the sign-in name the token carries, but only where that tenant may vouch for its domain
(LEADERS_TENANT_DOMAINS), which links the account as the bot's member lookup would; else the Microsoft
account a leader proved theirs by Sign in with Microsoft. An account its leader unlinked, a leaver, or
someone the directory does not know gets nobody — and the tab then offers Sign in with Microsoft.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlalchemy.orm import Session

from directory import audit
from directory.accounts import ChatIdentity, resolve
from directory.models import Leader
from directory.vouching import vouched_address

VIA = "teams_tab"


def tab_actor(tenant: str, object_id: str) -> str:
    """The audit actor for a tab sign-in nobody was found for: a short, non-reversible reference, never the
    ids themselves (they would outlive an erasure in the append-only log)."""
    return "tab:" + hashlib.sha256(f"{tenant}/{object_id}".encode()).hexdigest()[:12]


def leader_for_tab(session: Session, tenant: str, object_id: str, upn: str,
                   tenant_domains: Mapping[str, frozenset[str]]) -> Leader | None:
    """The leader behind a verified tab token, linking the Teams account when the tenant vouches; None if
    nobody (audited either way)."""
    email = vouched_address(tenant_domains, tenant, (upn,)) if upn else None
    leader = resolve(session, ChatIdentity("teams", tenant.lower(), object_id.lower(), email=email))
    if leader is None:
        audit.record(session, tab_actor(tenant, object_id), "signin.refused", reason="not_linked", via=VIA,
                     tenant=tenant[:64])
        return None
    audit.record(session, audit.leader_ref(leader.id), "web.signed_in", audit.leader_ref(leader.id),
                 method="tab", tenant=tenant[:64])
    return leader
