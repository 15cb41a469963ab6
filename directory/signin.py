"""What a successful Microsoft sign-in proves, and what we then link: the decision, without msal.

The adapter runs msal's auth-code flow and hands over the ID token's claims (msal has already checked the
issuer, audience, expiry and nonce). This module decides: the tenant (`tid`) must be one we accept, the
email must belong to a directory leader, and a leader who signed in before must come back as the same
Microsoft account (`oid`). Only then is the chat account that asked for the link tied to that leader.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from directory import audit
from directory.accounts import ChatIdentity, link_signed_in, linked_leader
from directory.links import LinkError, identity_of
from directory.models import AccessLink, ChatAccount, Leader
from directory.people import by_email
from directory.vouching import tenant_vouches


def _refuse(session: Session, actor: str, reason: str, message: str, **details: Any) -> LinkError:
    audit.record(session, actor, "signin.refused", reason=reason, **details)
    return LinkError(message)


def verified_email(claims: Mapping[str, Any]) -> str:
    """The address the tenant vouches for: the UPN (`preferred_username`), whose domain the tenant must
    have verified, or the optional `email` claim only when Entra marks its domain verified (`xms_edov`).
    A bare `email` claim can be set by any tenant admin to any address (the "nOAuth" pattern)."""
    upn = str(claims.get("preferred_username") or "")
    if "@" in upn:
        return upn
    email = str(claims.get("email") or "")
    return email if "@" in email and claims.get("xms_edov") in (True, "true", "1", 1) else ""


def _vouched(session: Session, claims: Mapping[str, Any], allowed_tenants: frozenset[str], actor: str,
             tenant_domains: Mapping[str, frozenset[str]] | None) -> tuple[str, str, str]:
    """(tenant, oid, email) if the claims come from a tenant we accept, vouching for that email."""
    tenant = str(claims.get("tid") or "").lower()
    if not tenant or tenant not in allowed_tenants:
        raise _refuse(session, actor, "tenant", "Your organisation's Microsoft account is not one Leaders "
                      "Connect accepts sign-ins from. Ask the Leaders Connect team to add your organisation.",
                      tenant=tenant[:64])
    oid = str(claims.get("oid") or "").lower()
    email = verified_email(claims)
    if not oid or not email:
        raise _refuse(session, actor, "claims", "Microsoft did not tell us your work email address, so we "
                      "can't match you to the directory.")
    listed = (tenant_domains or {}).get(tenant)
    if listed and not tenant_vouches(tenant_domains or {}, tenant, email):
        raise _refuse(session, actor, "domain_not_owned", "You signed in, but your work email address is not "
                      "one this organisation's Microsoft accounts may vouch for in Leaders Connect. Ask the "
                      "Leaders Connect team for help.", tenant=tenant[:64])
    return tenant, oid, email


def complete(session: Session, link: AccessLink, claims: Mapping[str, Any],
             allowed_tenants: frozenset[str], actor: str = "signin",
             tenant_domains: Mapping[str, frozenset[str]] | None = None) -> ChatAccount:
    """Link the chat account behind `link` to the leader the claims prove, and return that account (its
    `leader` is who signed in); LinkError says why not.

    `tenant_domains` (LEADERS_TENANT_DOMAINS): where staff list the domains a tenant may vouch for, its
    sign-ins count only for addresses in them — a tenant that owns a parent domain can issue UPNs under
    its subdomains, the case Teams linking guards against too. A tenant with none listed is trusted for
    the addresses it has verified, as before (sign-in is how leaders of such tenants get in)."""
    tenant, oid, email = _vouched(session, claims, allowed_tenants, actor, tenant_domains)
    same_account = link.user_id.lower() == oid and link.workspace_id.lower() == tenant
    if link.platform == "teams" and not same_account:
        # A Teams account is itself a Microsoft account: only that same account may vouch for it.
        raise _refuse(session, actor, "other_account", "You signed in with a different Microsoft account "
                      "from the one you use in Teams. Sign in with the account you use in Teams.")
    leader = by_email(session, email)
    if leader is None:
        raise _refuse(session, actor, "not_in_directory", "You signed in, but your work email address is not "
                      "in the Leaders Connect directory. Ask the Leaders Connect team to add you.")
    if leader.microsoft_oid and leader.microsoft_oid != oid:
        raise _refuse(session, actor, "different_account", "This profile is already tied to a different "
                      "Microsoft account. Ask the Leaders Connect team for help.",
                      leader=audit.leader_ref(leader.id))
    leader.microsoft_oid = oid
    account = link_signed_in(session, identity_of(link), leader)
    audit.record(session, audit.leader_ref(leader.id), "signin.succeeded", audit.leader_ref(leader.id),
                 platform=link.platform, tenant=tenant)
    return account



def resolve_web(session: Session, claims: Mapping[str, Any], allowed_tenants: frozenset[str],
                actor: str = "signin", tenant_domains: Mapping[str, frozenset[str]] | None = None) -> Leader:
    """The leader a website sign-in proves (no chat account is linked); LinkError says why not.

    The same checks as `complete`: an accepted tenant vouching for the email. Then the Microsoft account
    itself — the Teams account (tid, oid) linked to a leader — or else the verified email, where a leader
    who signed in before must come back as the same Microsoft account.
    """
    tenant, oid, email = _vouched(session, claims, allowed_tenants, actor, tenant_domains)
    leader = linked_leader(session, ChatIdentity("teams", tenant, oid))
    if leader is None:
        leader = by_email(session, email)
        if leader is None:
            raise _refuse(session, actor, "not_in_directory", "You signed in, but your work email address is "
                          "not in the Leaders Connect directory. Ask the Leaders Connect team to add you.")
        if leader.microsoft_oid and leader.microsoft_oid != oid:
            raise _refuse(session, actor, "different_account", "This profile is already tied to a "
                          "different Microsoft account. Sign in with that one, or ask the Leaders Connect "
                          "team for help.",
                          leader=audit.leader_ref(leader.id))
    if leader.left_at is not None:
        raise _refuse(session, actor, "left", "Your profile is no longer in the Leaders Connect directory.",
                      leader=audit.leader_ref(leader.id))
    leader.microsoft_oid = leader.microsoft_oid or oid
    audit.record(session, audit.leader_ref(leader.id), "web.signed_in", audit.leader_ref(leader.id),
                 method="microsoft", tenant=tenant)
    return leader
