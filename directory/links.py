"""One-time links: Sign in with Microsoft, and a leader's own data export.

The bot gives a link to one chat account; the link is good for ten minutes and for one use. Only the
SHA-256 of its token is stored, so reading the database does not hand out working links. Sign-in links
also carry msal's auth-code flow between `/auth/microsoft/start` and `/callback`, keyed by its `state`, so
the two requests may land on different server processes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from directory.accounts import ChatIdentity
from directory.models import AccessLink, utcnow

LINK_LIFETIME = timedelta(minutes=10)
KEEP_SPENT = timedelta(days=1)  # spent and expired links are tidied away after this
# Links that carry msal's flow to /auth/microsoft/callback: a chat account's "signin" (links the account)
# and the website's "websignin" (starts a website session; its token is never handed out).
SIGNIN_PURPOSES = ("signin", "websignin")


class LinkError(Exception):
    """A link that cannot be used; the message is shown to the person in their browser."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def create(session: Session, purpose: str, identity: ChatIdentity, leader_id: int | None = None) -> str:
    """A fresh token for `identity`; the caller builds the URL. Old links are tidied on the way."""
    now = utcnow()
    session.execute(delete(AccessLink).where(AccessLink.expires_at < now - KEEP_SPENT))
    token = secrets.token_urlsafe(32)
    session.add(AccessLink(token_hash=_hash(token), purpose=purpose, platform=identity.platform,
                           workspace_id=identity.workspace_id, user_id=identity.user_id,
                           leader_id=leader_id, created_at=now, expires_at=now + LINK_LIFETIME))
    return token


def peek(session: Session, purpose: str, token: str, *, lock: bool = False) -> AccessLink:
    """The live link behind `token`, without using it: refused if unknown, expired or already used.

    Pages show a button before spending a link, so a mail or chat link scanner that fetches the URL does
    not use it up before the person clicks.
    """
    if not token or len(token) > 200:
        raise LinkError("This link is not valid. Ask the bot for a new one.")
    query = select(AccessLink).where(AccessLink.token_hash == _hash(token))
    link = session.scalar(query.with_for_update() if lock else query)
    if link is None or link.purpose != purpose:
        raise LinkError("This link is not valid. Ask the bot for a new one.")
    if link.used_at is not None:
        raise LinkError("This link has already been used. Links work once: ask the bot for a new one.")
    now = utcnow()
    if _aware(link.expires_at) < now:
        raise LinkError("This link has expired (links last 10 minutes). Ask the bot for a new one.")
    return link


def spend(session: Session, purpose: str, token: str) -> AccessLink:
    """Use a link once: refused if unknown, for another purpose, expired or already used."""
    link = peek(session, purpose, token, lock=True)
    _claim(session, link, AccessLink.used_at,
           "This link has already been used. Links work once: ask the bot for a new one.")
    return link


def _claim(session: Session, link: AccessLink, column: Any, refusal: str) -> None:
    """Set a one-shot timestamp only if still unset: of two racing requests exactly one wins (SQLite too,
    where reads take no row locks)."""
    now = utcnow()
    claim = update(AccessLink).where(AccessLink.token_hash == link.token_hash, column.is_(None))
    done = session.execute(claim.values({column.key: now}).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise LinkError(refusal)
    setattr(link, column.key, now)


def attach_flow(link: AccessLink, flow: dict[str, Any], browser_secret: str) -> None:
    """Keep msal's flow with the link, bound to the browser that holds `browser_secret` (a cookie)."""
    link.state = str(flow["state"])
    link.flow = flow
    link.browser_hash = _hash(browser_secret)


def same_browser(link: AccessLink, browser_secret: str) -> bool:
    """True only if `browser_secret` is the one the sign-in was started with (constant-time compare).

    The state in Microsoft's answer proves which sign-in it belongs to, not who is finishing it: Mallory
    can start a sign-in from her own link and hand Microsoft's page to Kim. Only the browser that pressed
    Continue holds the secret, so Kim's browser finishing Mallory's sign-in links nothing.
    """
    if not link.browser_hash or not browser_secret or len(browser_secret) > 200:
        return False
    return hmac.compare_digest(link.browser_hash, _hash(browser_secret))


def by_state(session: Session, state: str) -> AccessLink:
    """The sign-in a callback belongs to, refused if unknown, finished or past its ten minutes."""
    link = None
    if state and len(state) <= 100:
        link = session.scalar(select(AccessLink).where(AccessLink.state == state).with_for_update())
    if link is None or link.purpose not in SIGNIN_PURPOSES or link.flow is None:
        raise LinkError("This sign-in is not one we started (state mismatch). Ask the bot for a new link.")
    if link.completed_at is not None:
        raise LinkError("This sign-in has already been completed. Ask the bot for a new link if needed.")
    if _aware(link.expires_at) < utcnow():
        raise LinkError("This sign-in took longer than 10 minutes. Ask the bot for a new link.")
    _claim(session, link, AccessLink.completed_at,
           "This sign-in has already been completed. Ask the bot for a new link if needed.")
    return link


def identity_of(link: AccessLink) -> ChatIdentity:
    return ChatIdentity(link.platform, link.workspace_id, link.user_id)


def claimed_by_state(session: Session, state: str) -> AccessLink:
    """The sign-in `by_state` just claimed, re-read in a new unit of work to finish it."""
    link = session.scalar(select(AccessLink).where(AccessLink.state == state))
    if link is None or link.completed_at is None:
        raise LinkError("This sign-in is not one we started (state mismatch). Ask the bot for a new link.")
    return link
