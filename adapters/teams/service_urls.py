"""Where the bot may send what Teams asks it to send: the Bot Connector hosts we trust, nothing else.

Every reply, member lookup and proactive message goes to the activity's (or stored reference's)
`serviceUrl`, carrying the bot's own bearer token. The SDK takes that URL from the request body; a
Bot Framework token normally binds it (`serviceurl` claim), but some valid tokens carry no such claim
(the Emulator's), and in unauthenticated local mode nothing binds it at all. So the URL is checked here,
inbound before the bot runs and outbound before every send: `https` to a host on the allow-list
(`LEADERS_TEAMS_SERVICE_URL_HOSTS`, Microsoft's by default), or — in local mode only — loopback.

Host names are compared exactly, never resolved: `localhost.attacker.example` is not loopback, and
neither is `0.0.0.0` (which Linux would quietly connect to this machine). Pure Python, no SDK.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from directory.settings import Settings


def host_of(url: str) -> str:
    """The URL's host, lowercased and without IPv6 brackets; "" if the URL has none or is malformed."""
    try:
        parts = urlsplit(url.strip())
        return (parts.hostname or "").lower()
    except ValueError:
        return ""


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


@dataclass(frozen=True)
class ServiceUrlPolicy:
    """`hosts`: the allow-list; `loopback_only`: local unauthenticated mode, where only loopback will do."""

    hosts: frozenset[str]
    loopback_only: bool = False

    def allows(self, url: str | None) -> bool:
        if not url or not isinstance(url, str):
            return False
        try:
            parts = urlsplit(url.strip())
            _ = parts.port  # raises ValueError for a malformed port
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        if parts.username is not None or parts.password is not None or not host:
            return False
        loopback = is_loopback_host(host)
        if self.loopback_only:
            return loopback and parts.scheme in ("http", "https")
        if host not in self.hosts:
            return False
        return parts.scheme == "https" or (loopback and parts.scheme == "http")


def service_url_policy(settings: Settings) -> ServiceUrlPolicy:
    hosts = frozenset(host.strip("[]") for host in settings.teams_service_url_host_set)
    return ServiceUrlPolicy(hosts, loopback_only=settings.teams_insecure_local)
