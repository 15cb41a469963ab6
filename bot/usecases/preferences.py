"""`settings`: a leader's digest cadence and time, topics, time zone and preferred platform.

The typed forms work on every platform and the console:

    settings digest daily 07:30 | settings digest weekly monday 08:00 | settings digest off
    settings topics cyber, workforce | settings topics all
    settings timezone Europe/London
    settings platform teams | settings platform slack   (where the leader is linked on both)

Each change is checked whole before anything is stored; a bad value is answered with one line and
nothing changes.
"""

from __future__ import annotations

from bot.commands import Context, command
from bot.replies import Field, PersonCard, Reply, Text
from directory.content import ContentError, check_topics, live_topics
from directory.digests import (
    DAILY,
    OFF,
    WEEKLY,
    Preference,
    PreferenceError,
    check_timezone,
    parse_time,
    parse_weekday,
    preference,
    row_for,
)
from directory.preferred_account import active_accounts, set_preferred_platform

USAGE = ("settings [digest daily HH:MM | digest weekly <day> HH:MM | digest off | topics a, b | topics all | "
         "timezone <Area/City> | platform slack|teams]")
TYPED_HELP = ("Change them by typing `settings digest daily 07:30`, `settings digest weekly monday 08:00`, "
              "`settings digest off`, `settings topics cyber, workforce` (or `all`), "
              "`settings timezone Europe/London`, or `settings platform teams`.")


def summary(ctx: Context, pref: Preference, head: str = "Your settings") -> Reply:
    platforms = sorted({a.platform for a in active_accounts(ctx.session, ctx.leader)})
    platform = ctx.leader.preferred_platform or "the one you linked most recently"
    fields = [Field("Digest", pref.describe()), Field("Topics", pref.describe_topics()),
              Field("Time zone", pref.timezone)]
    if len(platforms) > 1:
        fields.append(Field("Messages go to", platform))
    topics = live_topics(ctx.session)
    return Reply((Text(head, "heading"),
                  PersonCard(ctx.leader.id, "Digest and notifications", "", tuple(fields)),
                  Text("Topics you can choose: " + (", ".join(topics) or "none yet"), "muted"),
                  Text(TYPED_HELP, "muted")))


def _digest(ctx: Context, words: list[str]) -> str:
    if not words:
        raise PreferenceError("say `daily 07:30`, `weekly monday 08:00` or `off`")
    cadence = words[0].lower()
    row = row_for(ctx.session, ctx.leader.id)
    if cadence == OFF and len(words) == 1:
        row.cadence = OFF
        return "Digests are off. Type `settings digest weekly monday 08:00` to have them again."
    if cadence == DAILY and len(words) <= 2:
        minute = parse_time(words[1]) if len(words) == 2 else row.minute
        row.cadence, row.minute = DAILY, minute
    elif cadence == WEEKLY and 2 <= len(words) <= 3:
        weekday = parse_weekday(words[1])
        minute = parse_time(words[2]) if len(words) == 3 else row.minute
        row.cadence, row.weekday, row.minute = WEEKLY, weekday, minute
    else:
        raise PreferenceError("say `settings digest daily 07:30`, `settings digest weekly monday 08:00` or "
                              "`settings digest off`")
    return f"Your digest now comes {Preference.of(row).describe()}."


def _topics(ctx: Context, rest: str) -> str:
    if not rest.strip():
        raise PreferenceError("name topics, e.g. `settings topics cyber, workforce`, or "
                              "`settings topics all`")
    if rest.strip().lower() == "all":
        names: list[str] = []
    else:
        try:
            names = check_topics(ctx.session, rest)
        except ContentError as error:
            raise PreferenceError(str(error).replace("`leaders content topics list`", "`settings`")) from None
    row = row_for(ctx.session, ctx.leader.id)
    row.topics = names
    return "Your digest now has " + (", ".join(names) if names else "all topics") + "."


def _timezone(ctx: Context, rest: str) -> str:
    name = check_timezone(rest)
    row = row_for(ctx.session, ctx.leader.id)
    row.timezone = name
    return f"Your digest times are now in {name}."


def _platform(ctx: Context, rest: str) -> str:
    try:
        set_preferred_platform(ctx.session, ctx.leader, rest)
    except ValueError as error:
        raise PreferenceError(str(error)) from None
    return f"Digests and announcements now come to you on {rest.strip().title()}."


@command("settings", "Your digest: how often, what time, which topics; where messages go", USAGE,
         examples=("settings", "settings digest weekly monday 08:00", "settings topics cyber, workforce"),
         private_only=True)
def settings(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if not verb:
        return summary(ctx, preference(ctx.session, ctx.leader.id))
    handlers = {"digest": lambda: _digest(ctx, rest.split()), "topics": lambda: _topics(ctx, rest),
                "topic": lambda: _topics(ctx, rest), "timezone": lambda: _timezone(ctx, rest),
                "tz": lambda: _timezone(ctx, rest), "platform": lambda: _platform(ctx, rest)}
    if verb not in handlers:
        return Reply((Text(f"I didn't understand “{verb[:40]}”. {TYPED_HELP}", "error"),))
    try:
        done = handlers[verb]()
    except PreferenceError as error:  # every check runs before anything is stored
        return Reply((Text(f"Nothing changed: {error}.".replace("..", "."), "error"),))
    ctx.session.flush()
    return summary(ctx, preference(ctx.session, ctx.leader.id), done)
