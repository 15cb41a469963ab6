"""Who is talking: a Slack user as a ChatIdentity, with the verified email only when it is needed.

The engine links a chat account when the platform vouches for an email that is in the directory. Slack
vouches only for a confirmed email (`is_email_confirmed`) of a full member of the organisation the
request comes from: not a guest (`is_restricted`, `is_ultra_restricted`), not an external Slack Connect
user (`is_stranger`, or a home team that is neither this workspace nor this Grid org), not a bot, not a
deleted account (`vouched_email`). Anyone else stays unlinked and is offered Sign in with Microsoft. Asking
Slack (`users.info`) on every keystroke would put a Web API call on the hot path and spend rate limit, so
an already-linked account skips the lookup entirely, and lookups are remembered per (workspace, user) for a
few minutes — long enough for a burst of commands, short enough that a corrected email is picked up soon.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from concurrent.futures import Executor
from typing import Any, Generic, TypeVar

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import log_api_error
from directory.accounts import ChatIdentity, linked_leader, note_team
from directory.database import Database

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")
LOOKUP_TTL = 300.0
LINKED_TTL = 300.0


class TTLCache(Generic[K, V]):
    """A small bounded in-process cache whose entries expire; enough for one server process."""

    def __init__(self, ttl: float, max_size: int = 10_000) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] < time.monotonic():
            del self._items[key]
            return None
        return item[1]

    def put(self, key: K, value: V) -> None:
        self._items[key] = (time.monotonic() + self.ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def add_if_new(self, key: K, value: V) -> bool:
        """True if `key` was not there (and now is): a check-and-set for de-duplication."""
        if self.get(key) is not None:
            return False
        self.put(key, value)
        return True


class SlackLookupFailedError(RuntimeError):
    """Slack could not tell us who the user is right now (rate limit, outage, revoked token)."""


def team_of(context: Any) -> str:
    """The Slack workspace (team) of a request inside an Enterprise Grid org, else "" (the workspace id
    is the team already)."""
    return str(context.get("team_id") or "") if context.get("enterprise_id") else ""


def workspace_of(context: Any) -> str:
    """The directory's workspace id: the Enterprise Grid org when there is one, else the team.

    Grid user ids are unique across the whole org, so keying by the enterprise keeps one chat account per
    person whether they reach us through an org-wide install or any one of the org's workspaces.
    """
    return str(context.get("enterprise_id") or context.get("team_id") or "")


class IdentityResolver:
    def __init__(self, database: Database, threads: Executor) -> None:
        self.database = database
        self.threads = threads  # the turn threads: a lookup is part of a turn
        self._linked: TTLCache[tuple[str, str], bool] = TTLCache(LINKED_TTL)
        self._emails: TTLCache[tuple[str, str], str] = TTLCache(LOOKUP_TTL)

    async def identify(self, client: AsyncWebClient, workspace_id: str, user_id: str,
                       home: frozenset[str] = frozenset(), team_id: str = "") -> ChatIdentity:
        """The identity for the engine; raises SlackLookupFailedError if Slack could not be asked.

        `home`: the request's team and enterprise ids, which a user must belong to for their email to
        count (an empty set accepts none). `team_id`: the workspace the person is in when `workspace_id`
        is their Enterprise Grid org."""
        identity = ChatIdentity("slack", workspace_id, user_id, team_id=team_id)
        key = (workspace_id, user_id)
        if self._linked.get(key) or await asyncio.get_running_loop().run_in_executor(
                self.threads, self._is_linked, identity):
            self._linked.put(key, True)
            return identity
        email = self._emails.get(key)
        if email is None:
            email = await self._lookup_email(client, user_id, home)
            self._emails.put(key, email)
        return ChatIdentity("slack", workspace_id, user_id, email=email or None, team_id=team_id)

    def _is_linked(self, identity: ChatIdentity) -> bool:
        """Linked already? (Checked once per few minutes per person, which is also when the Grid
        workspace they speak from is brought up to date.)"""
        with self.database.session() as session:
            linked = linked_leader(session, identity) is not None
            if linked:
                note_team(session, identity)
            return linked

    @staticmethod
    async def _lookup_email(client: AsyncWebClient, user_id: str, home: frozenset[str]) -> str:
        """The email Slack vouches for (`vouched_email`), or ""."""
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            log_api_error("users.info", error)
            if error.response.get("error") in ("user_not_found", "users_not_found"):
                return ""
            raise SlackLookupFailedError(str(error.response.get("error"))) from None
        except (TimeoutError, SlackClientError, OSError) as error:
            log.warning("users.info failed: %s", type(error).__name__)
            raise SlackLookupFailedError(type(error).__name__) from None
        return vouched_email(response.get("user") or {}, home)


def vouched_email(user: dict[str, Any], home: frozenset[str]) -> str:
    """The user's email if Slack confirmed it and the user is a full member at home; "" otherwise."""
    if any(user.get(flag) for flag in ("deleted", "is_bot", "is_workflow_bot", "is_connector_bot",
                                        "is_restricted", "is_ultra_restricted", "is_stranger")):
        return ""
    if user.get("is_email_confirmed") is not True or user.get("id") == "USLACKBOT":
        return ""
    enterprise = (user.get("enterprise_user") or {}).get("enterprise_id")
    if user.get("team_id") not in home and enterprise not in home:
        return ""  # a Slack Connect user whose home organisation is elsewhere
    return str((user.get("profile") or {}).get("email") or "")
