"""`web`: a one-time link that signs this leader in to the Leaders Connect website (issue 17).

The chat account is already proof of who the leader is, so the bot can hand over a sign-in that needs no
Microsoft account: a link that works once, for 10 minutes, for the leader it was made for, and only while
this chat account is still linked to them. Opening it shows a Continue button (a chat or mail link scanner
fetching the URL does not use it up); pressing it starts a website session.
"""

from __future__ import annotations

from bot.commands import Context, command
from bot.replies import Actions, Button, Reply, Text
from directory import links

PURPOSE = "weblink"
PATH = "/w/"


@command("web", "Open Leaders Connect in your web browser, already signed in", "web",
         aliases=("website", "browser", "site"), private_only=True)
def web(ctx: Context, args: str) -> Reply:
    token = links.create(ctx.session, PURPOSE, ctx.identity, ctx.leader.id)
    url = f"{ctx.settings.base_url}{PATH}{token}"
    return Reply((Text("Leaders Connect on the web", "heading"),
                  Text("This link signs you in to the Leaders Connect website, where you can search the "
                       "directory, edit your profile and more. It works once, for the next 10 minutes, and "
                       "only for you, so don't share it."),
                  Actions((Button("Open the website", style="primary", url=url),))))
