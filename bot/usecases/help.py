"""Help: what the bot can do for this person, generated from the command registry."""

from __future__ import annotations

from bot.commands import REGISTRY, Context, command, lookup
from bot.replies import Actions, Button, Reply, Text

TOPICS = {
    "filters": ("Search filters", (
        "Add filters to `find` to narrow it down: `sector:` (e.g. `sector:nhs`, `sector:police`), "
        '`region:` (e.g. `region:scotland`, `region:"north west"`), `org:`, `cohort:` and `tag:` '
        "(an area of expertise). Quote values with spaces.",
        'Example: `find chief nurse region:"north west"`; filters alone list everyone who matches: '
        "`find tag:cyber sector:policing`.")),
    "privacy": ("Who sees what", (
        "Verified leaders see the fields you show everyone; your email and phone are shown only to "
        "people you've been introduced to unless you choose otherwise (`me show phone everyone`). The "
        "Leaders Connect team sees everything, and every disclosure of contact details is audited.",
        "Type `mydata` for a copy of everything held about you, `forget me` to ask for erasure.")),
}
TOPIC_WORDS = {"filter": "filters", "search": "filters", "sector": "filters", "region": "filters",
               "tag": "filters", "privacy": "privacy", "visibility": "privacy", "data": "privacy"}


def help_reply(is_staff: bool, topic: str = "") -> Reply:
    if topic.strip():
        word = topic.split()[0].lower()
        cmd = lookup(word)
        if cmd is not None and (is_staff or not cmd.staff_only):
            lines = [f"`{cmd.usage}` — {cmd.summary}"]
            lines += [f"Example: `{e}`" for e in cmd.examples]
            if cmd.handler is None:
                lines.append("This command is not available yet.")
            return Reply((Text(f"Help: {cmd.name}", "heading"), *(Text(line) for line in lines)))
        if TOPIC_WORDS.get(word, word) in TOPICS:
            title, paragraphs = TOPICS[TOPIC_WORDS.get(word, word)]
            return Reply((Text(f"Help: {title}", "heading"), *(Text(p) for p in paragraphs)))
        known = ", ".join(f"`help {name}`" for name in (*sorted(c.name for c in REGISTRY.values()
                                                                 if c.handler is not None
                                                                 and (is_staff or not c.staff_only)),
                                                        *TOPICS))
        return Reply((Text(f"I don't have help on “{topic.strip()[:40]}”.", "error"),
                      Text(f"I can tell you about: {known}. Type `help` for everything I can do.", "muted")))
    available = [c for c in REGISTRY.values() if c.handler is not None and not c.staff_only]
    blocks: list[Text] = [Text("Leaders Connect — find and reach other public-sector leaders", "heading")]
    blocks += [Text(f"`{c.usage}` — {c.summary}") for c in available]
    if is_staff:
        staff = [c for c in REGISTRY.values() if c.handler is not None and c.staff_only]
        if staff:
            blocks.append(Text("Staff commands", "heading"))
            blocks += [Text(f"`{c.usage}` — {c.summary}") for c in staff]
    blocks.append(Text("Filters for find: sector: region: org: cohort: tag: — e.g. "
                       '`find chief nurse region:"north west"`. Type `help find` for more.', "muted"))
    return Reply(tuple(blocks))


def contact_line(support: str) -> str:
    """Whom to ask, from LEADERS_SUPPORT_CONTACT (an email or a URL), else the team in general."""
    if not support:
        return "the Leaders Connect central team"
    return f"the Leaders Connect central team ({support})"


def unlinked_reply(signin_url: str = "", revoked: bool = False, support: str = "") -> Reply:
    """What an account we cannot match to a verified leader sees: how to get in, and nothing else."""
    if revoked:
        intro = Text("This chat account was unlinked from its Leaders Connect profile, so I can't show any "
                     "directory information here.")
    else:
        intro = Text("I don't recognise this account yet. Leaders Connect is open only to verified leaders "
                     "in the directory, so I can't show any directory information until your account is "
                     "verified.")
    blocks: list[Text | Actions] = [Text("Welcome to Leaders Connect", "heading"), intro]
    if signin_url:
        blocks += [Text("If you are in the directory, sign in with your work Microsoft account to link this "
                        "chat account to your profile. The link works once, for 10 minutes, and only for "
                        "you."),
                   Actions((Button("Sign in with Microsoft", style="primary", url=signin_url),))]
    if not revoked:
        blocks.append(Text("How to get verified: make sure the email address on your chat account is your "
                           f"work address, and ask {contact_line(support)} to add that address to "
                           "the directory. Once it is there, message me again and you'll be linked "
                           "automatically."))
    else:
        blocks.append(Text("If that wasn't you, or you want it linked again, contact "
                           f"{contact_line(support)}."))
    blocks.append(Text("You can still type `help` to see what Leaders Connect does.", "muted"))
    return Reply(tuple(blocks))


def not_admitted_reply() -> Reply:
    """The one sentence a chat account from an organisation we do not serve gets, whatever it asked."""
    return Reply((Text("Sorry, Leaders Connect isn't available to your organisation, so I can't help here — "
                       "if you think it should be, ask the Leaders Connect team.", "error"),))


@command("help", "Show what Leaders Connect can do", "help [command]", aliases=("?", "hello", "hi", "start"),
         examples=("help find",))
def help_command(ctx: Context, args: str) -> Reply:
    return help_reply(ctx.is_staff, args)
