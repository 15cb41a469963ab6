"""Chat accounts: which Slack, Teams or console identity belongs to which verified leader.

Linking is automatic only on evidence the platform vouches for (its verified email matching the
directory); everything else stays unlinked and sees nothing but help. Adapters fetch the evidence; this
module decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from directory import audit
from directory.models import ChatAccount, Leader, utcnow
from directory.people import by_email
from directory.web_sessions import end_from_account


@dataclass(frozen=True)
class ChatIdentity:
    """Who is talking, as the platform reports it. `email` is set only when the platform verified it."""

    platform: str
    workspace_id: str
    user_id: str
    email: str | None = None
    display_name: str = ""
    team_id: str = ""  # Slack Enterprise Grid: the workspace inside the org (workspace_id) spoken from


VIA = {"slack": "Slack confirmed email", "teams": "Microsoft Teams account", "console": "staff console"}
# How Slack links made before issue 10 are labelled: on `users.info`'s email alone, without checking that
# Slack confirmed it or that the user was a full member (not a guest, not external) — see `leaders
# accounts check`.
LEGACY_SLACK_VIA = "Slack verified email"
SIGNED_IN = "Sign in with Microsoft"
PLATFORM_NAMES = {"slack": "Slack", "teams": "Microsoft Teams", "console": "console"}


# Called with (session, leader) in the linking transaction whenever a chat account is linked to a leader.
# bot/ registers what waits for that moment (introduction requests made before the recipient was in chat,
# delivered on their first link); this layer cannot import bot/.
ON_LINK: list[Callable[[Session, Leader], object]] = []


def _linked(session: Session, leader: Leader) -> None:
    for hook in ON_LINK:
        hook(session, leader)


def account_for(session: Session, identity: ChatIdentity) -> ChatAccount | None:
    """The live chat account behind `identity`, if it is linked."""
    account = _account(session, identity)
    return account if account is not None and account.revoked_at is None else None


class AccountError(ValueError):
    """A link that cannot be made or removed; the message is for the person who asked."""


def _account(session: Session, identity: ChatIdentity) -> ChatAccount | None:
    return session.scalar(select(ChatAccount).where(ChatAccount.platform == identity.platform,
                                                    ChatAccount.workspace_id == identity.workspace_id,
                                                    ChatAccount.user_id == identity.user_id))


def is_revoked(session: Session, identity: ChatIdentity) -> bool:
    account = _account(session, identity)
    return account is not None and account.revoked_at is not None


# Built once: this runs on every chat turn, and constructing the select each time cost about as much CPU
# as executing it (~0.1 ms); the statement is immutable, so every thread can share it.
_LINKED_LEADER = select(Leader).join(ChatAccount).where(ChatAccount.platform == bindparam("platform"),
                                                        ChatAccount.workspace_id == bindparam("workspace"),
                                                        ChatAccount.user_id == bindparam("user"),
                                                        ChatAccount.revoked_at.is_(None),
                                                        Leader.left_at.is_(None))


def linked_leader(session: Session, identity: ChatIdentity) -> Leader | None:
    return session.scalar(_LINKED_LEADER, {"platform": identity.platform,
                                           "workspace": identity.workspace_id, "user": identity.user_id})


def resolve(session: Session, identity: ChatIdentity) -> Leader | None:
    """The leader behind `identity`: an existing link, or a new one when the vouched email matches.

    An account its leader unlinked stays unlinked: the platform's email is the same evidence that was
    there before, so only a fresh Sign in with Microsoft may bring it back.
    """
    leader = linked_leader(session, identity)
    if leader is not None:
        return leader
    leader = by_email(session, identity.email) if identity.email else None
    if leader is not None and identity.platform == "teams" and leader.microsoft_oid \
            and leader.microsoft_oid != identity.user_id.lower():
        # She signed in with another Microsoft account: that one is hers, and an account whose mail
        # merely says her address is not (sign-in refuses a second account for the same reason).
        return None
    if leader is None and identity.platform == "teams":
        # A Teams user id is the Entra object id: the one a leader proved theirs by signing in.
        leader = session.scalar(select(Leader).where(Leader.microsoft_oid == identity.user_id.lower()))
    if leader is None or leader.left_at is not None:  # a leaver is linked to nothing again
        return None
    account = ChatAccount(platform=identity.platform, workspace_id=identity.workspace_id,
                          user_id=identity.user_id, leader_id=leader.id,
                          linked_via=VIA.get(identity.platform, identity.platform), team_id=identity.team_id)
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError:
        # Two first messages raced (the other turn made the same link, which is what we wanted), or the
        # account exists revoked — then linked_leader rightly finds nobody.
        return linked_leader(session, identity)
    audit.record(session, audit.leader_ref(leader.id), "account.linked", audit.leader_ref(leader.id),
                 platform=identity.platform, via=account.linked_via)
    _linked(session, leader)
    return leader


def note_team(session: Session, identity: ChatIdentity) -> None:
    """Record the Slack workspace (inside a Grid org) the account now speaks from, if it changed: a
    message sent to it first must use that workspace's installation."""
    if identity.team_id:
        session.execute(update(ChatAccount).where(
            ChatAccount.platform == identity.platform, ChatAccount.workspace_id == identity.workspace_id,
            ChatAccount.user_id == identity.user_id, ChatAccount.team_id != identity.team_id)
            .values(team_id=identity.team_id).execution_options(synchronize_session=False))


def link_signed_in(session: Session, identity: ChatIdentity, leader: Leader) -> ChatAccount:
    """Link `identity` to `leader` after a Microsoft sign-in: the strongest evidence we accept.

    Replaces any earlier link of the same chat account (revoked or to someone else), because the person
    holding that account has just proved who they are.
    """
    account = _account(session, identity)
    if account is None:
        account = ChatAccount(platform=identity.platform, workspace_id=identity.workspace_id,
                              user_id=identity.user_id, leader_id=leader.id, linked_via=SIGNED_IN)
        session.add(account)
    else:
        account.leader_id, account.linked_via, account.revoked_at = leader.id, SIGNED_IN, None
    session.flush()
    audit.record(session, audit.leader_ref(leader.id), "account.linked", audit.leader_ref(leader.id),
                 platform=identity.platform, via=SIGNED_IN)
    _linked(session, leader)
    return account


def accounts_of(session: Session, leader: Leader) -> list[ChatAccount]:
    """The leader's live links, oldest first."""
    return list(session.scalars(select(ChatAccount).where(ChatAccount.leader_id == leader.id,
                                                          ChatAccount.revoked_at.is_(None))
                                .order_by(ChatAccount.id)))


def describe(account: ChatAccount) -> str:
    where = PLATFORM_NAMES.get(account.platform, account.platform)
    return f"{where} account in {account.workspace_id}, linked by {account.linked_via} " \
           f"on {account.created_at:%d %b %Y}"


def unlink(session: Session, leader: Leader, account_id: int) -> ChatAccount:
    """Remove one of the leader's own links; someone else's account is refused as if it did not exist.

    One conditional UPDATE decides, so two presses of the same Remove at once (a double-click, two
    devices) remove it once and audit it once; the loser is refused like any already-removed link.
    """
    removed = session.execute(update(ChatAccount).where(
        ChatAccount.id == account_id, ChatAccount.leader_id == leader.id, ChatAccount.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    account = session.get(ChatAccount, account_id)
    if account is not None:
        session.refresh(account)
    if not removed or account is None:
        raise AccountError("That account is not linked to you (it may already be removed).")
    end_from_account(session, account.id)  # website sessions started from this account's link
    audit.record(session, audit.leader_ref(leader.id), "account.unlinked", audit.leader_ref(leader.id),
                 platform=account.platform, account=account.id)
    return account


def removed_link(session: Session, leader: Leader, account_id: int) -> ChatAccount | None:
    """The leader's own link `account_id` if it was removed (for saying when), else None."""
    account = session.get(ChatAccount, account_id)
    if account is None or account.leader_id != leader.id or account.revoked_at is None:
        return None
    return account


def removed_links(session: Session, leader: Leader) -> list[ChatAccount]:
    """The leader's links that were removed (by them or by staff), oldest first: what staff may relink."""
    return list(session.scalars(select(ChatAccount).where(ChatAccount.leader_id == leader.id,
                                                          ChatAccount.revoked_at.is_not(None))
                                .order_by(ChatAccount.id)))


def relink(session: Session, leader: Leader, account_id: int, actor: str) -> ChatAccount:
    """Staff put back a link the leader removed (by mistake, with sign-in off in their organisation).

    Only a link that was the leader's own comes back — staff cannot point a chat account at someone else
    here — and it is written to the audit log as a staff link.
    """
    account = session.get(ChatAccount, account_id)
    if account is None or account.leader_id != leader.id or account.revoked_at is None:
        raise AccountError(f"account {account_id} is not a removed link of {leader.email}")
    account.revoked_at, account.linked_via = None, "staff relink"
    session.flush()
    audit.record(session, actor, "account.linked", audit.leader_ref(leader.id), platform=account.platform,
                 via="staff relink", account=account.id)
    return account
