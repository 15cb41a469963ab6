"""Which organisation may vouch for which email address: the rule behind automatic Teams linking.

A Teams member lookup returns the user's `mail` and `userPrincipalName`. Either can be set by the
user's tenant: a UPN only within a domain the tenant has verified, but `mail` on a mailbox-less user to
anything at all. So an address links automatically only when its domain is one that tenant owns,
according to us (`LEADERS_TENANT_DOMAINS`, tenant-id:domain pairs) — not according to the tenant.

Domains match exactly: `police.uk` does not cover `merseyside.police.uk`. A shared parent domain is
usually owned by someone other than each of its subdomains' organisations, so every domain a tenant
may vouch for is listed by itself (`…:merseyside.police.uk,…:police.uk` when it owns both).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def domain_of(address: str) -> str:
    """The part after the last `@`, lowercased, without a trailing dot; "" for something not an address."""
    local, at, domain = address.strip().rpartition("@")
    return domain.rstrip(".").lower() if at and local and domain else ""


def tenant_vouches(tenant_domains: Mapping[str, frozenset[str]], tenant: str, address: str) -> bool:
    domain = domain_of(address)
    return bool(domain) and domain in tenant_domains.get(tenant.lower(), frozenset())


def vouched_address(tenant_domains: Mapping[str, frozenset[str]], tenant: str,
                    candidates: Iterable[str | None]) -> str | None:
    """The first candidate (email, then UPN) whose domain `tenant` owns; None if none does."""
    for candidate in candidates:
        if candidate and tenant_vouches(tenant_domains, tenant, candidate):
            return candidate.strip()
    return None
