"""Accounts: the chat accounts linked to your profile, and removing one you no longer use or don't recognise.

A removed link stays removed: automatic linking by email will not bring that account back, only a fresh
Sign in with Microsoft from it. Removing the account you are typing from is allowed — it is the only way
to stop a shared or handed-over account acting as you — and the reply says what happens next.

Removing asks first: "Remove this link" (or `accounts remove 2`) shows what will happen and a "Yes, remove
this link" button (or `accounts remove 2 confirm`), because the way back — Sign in with Microsoft — may
be off in this organisation; staff can relink an account (`leaders accounts relink`).

The list is a live card (bot/live.py): confirming replaces it with the list as it is now; a Remove
pressed on an old copy of the list (the link was removed already, from another device or
by a double-click) says when it was removed and changes nothing; and on Teams the card redraws itself
(`accounts.show`) whenever it is shown, so an old copy never offers a link that is gone.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.actions import action
from bot.commands import Context, command
from bot.live import replacing, stale
from bot.outgoing import queue_replies
from bot.replies import Actions, Button, Reply, Text
from directory.accounts import (
    PLATFORM_NAMES,
    AccountError,
    accounts_of,
    describe,
    removed_link,
    unlink,
)
from directory.ids import parse_id
from directory.models import ChatAccount, Leader, utcnow

UNLINK = "accounts.unlink"  # asks first (an old card's button asks too)
REMOVE = "accounts.remove"  # confirmed: removes
SHOW = "accounts.show"


def _is_current(ctx: Context, account: ChatAccount) -> bool:
    identity = ctx.identity
    return (account.platform, account.workspace_id, account.user_id) == \
        (identity.platform, identity.workspace_id, identity.user_id)


def _listing(ctx: Context, *head: Text) -> Reply:
    accounts = accounts_of(ctx.session, ctx.leader)
    blocks: list[Text | Actions] = [*head, Text("Chat accounts linked to your profile", "heading")]
    for account in accounts:
        current = " (the one you're using now)" if _is_current(ctx, account) else ""
        blocks.append(Text(describe(account) + current))
        blocks.append(Actions((Button("Remove this link", f"{UNLINK}:{account.id}", "danger"),)))
    blocks.append(Text("Don't recognise one? Remove it and tell the Leaders Connect team.", "muted"))
    return Reply(tuple(blocks), refresh=SHOW)


@command("accounts", "See and remove the chat accounts linked to your profile", "accounts [remove <number>]",
         aliases=("linked", "links"), examples=("accounts", "accounts remove 2"), private_only=True)
def accounts(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.strip().partition(" ")
    if not verb:
        return _listing(ctx)
    number, _, confirm = rest.strip().partition(" ")
    if verb.lower() in ("remove", "unlink") and number.isascii() and number.isdigit():
        linked = accounts_of(ctx.session, ctx.leader)
        index = int(number) if len(number) <= 9 else 0  # 5,000 digits: still just not on the list
        if not 1 <= index <= len(linked):
            return Reply((Text(f"You have {len(linked)} linked account(s); choose a number from the list "
                               "`accounts` shows.", "error"),))
        if confirm.strip().lower() not in ("confirm", "yes"):
            return _ask(ctx, linked[index - 1], f"accounts remove {index} confirm")
        return _remove(ctx, linked[index - 1].id)
    return Reply((Text("Type `accounts` to list your linked chat accounts, or `accounts remove <number>`.",
                       "error"),))


def _ask(ctx: Context, account: ChatAccount, typed: str) -> Reply:
    """Are you sure? — with what removing means, and how it could be undone."""
    current = _is_current(ctx, account)
    consequence = ("This is the account you're using now: I won't show you directory information here "
                   "after this." if current else "That account will no longer act as you.")
    return Reply((Text("Remove this link? " + describe(account) + ".", "heading"), Text(consequence),
                  Text("To link it again you'd sign in with Microsoft from it (if your organisation allows "
                       f"that) or ask the Leaders Connect team. (Typing: `{typed}`.)", "muted"),
                  Actions((Button("Yes, remove this link", f"{REMOVE}:{account.id}", "danger"),
                           Button("Keep it", SHOW)))))


def _remove(ctx: Context, account_id: int) -> Reply:
    try:
        account = unlink(ctx.session, ctx.leader, account_id)
    except AccountError as error:
        return Reply((Text(str(error), "error"),))
    if _is_current(ctx, account):
        return _removed_current()
    return Reply((Text("Removed: " + describe(account) + ".", "heading"),
                  Text("That account can no longer act as you in Leaders Connect.", "muted")))


def _removed_current() -> Reply:
    return Reply((Text("Removed. This chat account is no longer linked to your profile, so I won't show "
                       "you directory information here any more.", "heading"),
                  Text("To link it again, sign in with Microsoft from this account.", "muted")))


@action(UNLINK)
def remove_asked(ctx: Context, args: list[str]) -> Reply:
    """"Remove this link" pressed: ask first, in place; a link already gone is said so."""
    account_id = parse_id(args[0]) if args else None
    account = next((a for a in accounts_of(ctx.session, ctx.leader) if a.id == account_id), None) \
        if account_id is not None else None
    if account is None:
        return remove_pressed(ctx, args)  # expired or gone: the same answers as a confirmed press
    index = [a.id for a in accounts_of(ctx.session, ctx.leader)].index(account.id) + 1
    return replacing(_ask(ctx, account, f"accounts remove {index} confirm"))


@action(REMOVE)
def remove_pressed(ctx: Context, args: list[str]) -> Reply:
    """Remove the link and redraw the list in place; a link already gone is said so, and nothing changes."""
    account_id = parse_id(args[0]) if args else None
    if account_id is None:
        return stale(_listing(ctx), "That button has expired — here are your links as they are now.")
    try:
        account = unlink(ctx.session, ctx.leader, account_id)
    except AccountError:
        gone = removed_link(ctx.session, ctx.leader, account_id)
        if gone is None:
            return stale(_listing(ctx), "That account is not linked to you — here are your links.")
        when = gone.revoked_at or utcnow()
        return stale(_listing(ctx), f"That link was already removed on {when.day} {when:%b %Y}.")
    if _is_current(ctx, account):
        return replacing(_removed_current())
    return replacing(_listing(ctx, Text("Removed: " + describe(account) + ".", "heading"),
                              Text("That account can no longer act as you in Leaders Connect.", "muted")))


@action(SHOW)
def show(ctx: Context, args: list[str]) -> Reply:
    """The list as it is now, for whoever is looking (Teams runs this to refresh the card)."""
    return replacing(_listing(ctx))


def tell_other_accounts(session: Session, leader: Leader, linked: ChatAccount) -> int:
    """Queue a notice to the leader's other accounts that `linked` now acts as them (in the caller's
    transaction). A sign-in link mailed to a leader by someone else would link *that* person's account;
    this is how the leader finds out, wherever they usually read the bot."""
    where = PLATFORM_NAMES.get(linked.platform, linked.platform)
    notice = Reply((Text("A chat account was linked to your Leaders Connect profile", "heading"),
                    Text(f"The {where} account {linked.user_id} in workspace {linked.workspace_id} was "
                         f"linked by {linked.linked_via} and can now act as you."),
                    Text("If this wasn't you, type `accounts` to remove it, and tell the Leaders Connect "
                         "team.", "muted")))
    stamp = int(utcnow().timestamp())
    others = [a for a in accounts_of(session, leader) if a.id != linked.id]
    return queue_replies(session, [(other, notice, f"account-linked:{linked.id}:{stamp}:{other.id}")
                                   for other in others])
