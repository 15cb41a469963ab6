"""Your data: `mydata` hands a leader everything held about them; `forget me` asks for erasure.

The export is a one-time link (10 minutes, one use) to a JSON file, so the data never sits in a chat
history the organisation's own admins can read. Erasure is a request that the central team carries out
with `leaders erase` — deleting a profile is not something a single click in chat should do.
"""

from __future__ import annotations

from bot.commands import Context, command
from bot.replies import Actions, Button, Reply, Text
from directory import links
from directory.data_rights import request_erasure


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


@command("forget", "Ask for your profile and data to be erased", "forget me", examples=("forget me",),
         private_only=True)
def forget(ctx: Context, args: str) -> Reply:
    if args.strip().lower() != "me":
        return Reply((Text("To ask for your data to be erased, type `forget me`.", "error"),))
    request, new = request_erasure(ctx.session, ctx.leader)
    if not new:
        return Reply((Text(f"You already asked on {request.requested_at:%d %B %Y}; the Leaders Connect team "
                           "will erase your data within one month of that request.", "heading"),))
    return Reply((Text("Your erasure request is filed", "heading"),
                  Text("The Leaders Connect team will erase your profile, your linked chat accounts and "
                       "the conversations the bot keeps with you within one month, and tell you when it's "
                       "done. Anonymous totals (such as poll counts) are kept, and the audit log keeps a "
                       "line saying an erasure happened, without your details."),
                  Text("Changed your mind? Tell the Leaders Connect team before then.", "muted")))
