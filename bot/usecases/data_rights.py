"""Your data: `mydata` hands a leader everything held about them; `forget me` asks for erasure.

The export is a one-time link (10 minutes, one use) to a JSON file, so the data never sits in a chat
history the organisation's own admins can read. Erasure is a request that the central team carries out
with `leaders erase` — deleting a profile is not something a single click in chat should do: `forget me`
first asks "are you sure?", and a filed request can be withdrawn (`forget me cancel`, or the button) until
staff act on it. When they do, the leader's chat accounts are told (`erasure_done_notice`).
"""

from __future__ import annotations

from bot.actions import action
from bot.commands import Context, command
from bot.live import replacing
from bot.replies import Actions, Button, Reply, Text
from directory import links
from directory.data_rights import cancel_erasure, request_erasure

CONFIRM = "forget.confirm"
CANCEL = "forget.cancel"
KEEP = "forget.keep"
WHAT_GOES = ("The Leaders Connect team will erase your profile, your linked chat accounts and the "
             "conversations the bot keeps with you within one month, and tell you when it's done. Anonymous "
             "totals (such as poll counts) are kept, and the audit log keeps a line saying an erasure "
             "happened, without your details.")


@command("mydata", "Get a copy of everything Leaders Connect holds about you", "mydata",
         aliases=("my-data", "export"), private_only=True)
def mydata(ctx: Context, args: str) -> Reply:
    token = links.create(ctx.session, "mydata", ctx.identity, ctx.leader.id)
    url = f"{ctx.settings.base_url}/mydata?token={token}"
    return Reply((Text("Your data", "heading"),
                  Text("This link downloads a JSON file with your profile, who may see each field, your "
                       "linked chat accounts, your staff role if any, and every audit-log entry about you. "
                       "It works once, for the next 10 minutes, so don't share it."),
                  Actions((Button("Download my data", style="primary", url=url),))))


@command("forget", "Ask for your profile and data to be erased",
         "forget me [confirm | cancel]", examples=("forget me", "forget me cancel"), private_only=True)
def forget(ctx: Context, args: str) -> Reply:
    words = args.strip().lower().split()
    if not words or words[0] != "me":
        return Reply((Text("To ask for your data to be erased, type `forget me`.", "error"),))
    verb = words[1] if len(words) > 1 else ""
    if verb in ("confirm", "yes"):
        return _file(ctx)
    if verb in ("cancel", "withdraw", "undo"):
        return _cancel(ctx)
    return Reply((Text("Erase your profile and data?", "heading"), Text(WHAT_GOES),
                  Text("Nothing is filed until you confirm; you can withdraw the request until the team "
                       "acts on it. (Typing: `forget me confirm`.)", "muted"),
                  Actions((Button("Yes, erase my data", CONFIRM, "danger"),
                           Button("No, keep my profile", KEEP)))))


def _file(ctx: Context) -> Reply:
    request, new = request_erasure(ctx.session, ctx.leader)
    cancel = Actions((Button("Withdraw my request", CANCEL),))
    if not new:
        return Reply((Text(f"You already asked on {request.requested_at:%d %B %Y}; the Leaders Connect team "
                           "will erase your data within one month of that request.", "heading"),
                      Text("Changed your mind? Type `forget me cancel` before then.", "muted"), cancel))
    return Reply((Text("Your erasure request is filed", "heading"), Text(WHAT_GOES),
                  Text("Changed your mind? Type `forget me cancel` (or press the button) before the team "
                       "acts on it.", "muted"), cancel))


def _cancel(ctx: Context) -> Reply:
    if cancel_erasure(ctx.session, ctx.leader) is None:
        return Reply((Text("You have no open erasure request; nothing to withdraw.", "heading"),))
    return Reply((Text("Your erasure request is withdrawn", "heading"),
                  Text("Your profile stays as it is. Type `forget me` if you want to ask again.", "muted")))


@action(CONFIRM)
def confirm_pressed(ctx: Context, args: list[str]) -> Reply:
    return replacing(_file(ctx))


@action(CANCEL)
def cancel_pressed(ctx: Context, args: list[str]) -> Reply:
    return replacing(_cancel(ctx))


@action(KEEP)
def keep_pressed(ctx: Context, args: list[str]) -> Reply:
    return replacing(Reply((Text("Nothing was filed; your profile stays as it is.", "heading"),)))


def erasure_done_notice() -> Reply:
    """What each of an erased leader's chat accounts is told, once `leaders erase` has run."""
    return Reply((Text("Your Leaders Connect data has been erased", "heading"),
                  Text("As you asked, your profile, your linked chat accounts and the conversations the bot "
                       "kept with you are deleted. This is the last message you'll get from Leaders "
                       "Connect; you're not in the directory any more.")))
