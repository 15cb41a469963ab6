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

from bot.actions import submission
from bot.commands import Context, command
from bot.live import replacing
from bot.replies import Field, Form, Input, PersonCard, Reply, Text
from directory.content import ContentError, check_topics, live_topics
from directory.digests import (
    CADENCES,
    DAILY,
    OFF,
    WEEKDAYS,
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

USAGE = "settings [digest daily 07:30 | digest weekly monday 08:00 | digest off | topics a, b | …]"
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


SAVE = "settings.save"


def settings_form(ctx: Context, pref: Preference, values: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None) -> Form:
    """The settings as a form (a Slack modal, a Teams card): what is stored, overlaid with what was sent."""
    values, errors = values or {}, errors or {}
    current = {"cadence": pref.cadence, "weekday": WEEKDAYS[pref.weekday],
               "time": f"{pref.minute // 60:02d}:{pref.minute % 60:02d}", "timezone": pref.timezone,
               "topics": ", ".join(pref.topics) or "all"}
    current.update({k: v for k, v in values.items() if k in current})
    fields = [Input("cadence", "How often", current["cadence"], "choice",
                    tuple((c, c.title()) for c in CADENCES), error=errors.get("cadence", "")),
              Input("weekday", "Day (weekly)", current["weekday"], "choice",
                    tuple((d, d.title()) for d in WEEKDAYS), error=errors.get("weekday", "")),
              Input("time", "Time (24-hour)", current["time"], max_length=5, hint="e.g. 07:30",
                    error=errors.get("time", "")),
              Input("timezone", "Time zone", current["timezone"], max_length=64, hint="e.g. Europe/London",
                    error=errors.get("timezone", "")),
              Input("topics", "Topics", current["topics"], max_length=400,
                    hint="all, or some of: " + (", ".join(live_topics(ctx.session)) or "none yet"),
                    error=errors.get("topics", ""))]
    platforms = sorted({a.platform for a in active_accounts(ctx.session, ctx.leader)})
    if len(platforms) > 1:
        fields.append(Input("platform", "Messages go to", values.get("platform", ctx.leader.preferred_platform
                                                                     or platforms[0]), "choice",
                            tuple((p, p.title()) for p in platforms), error=errors.get("platform", "")))
    return Form("settings", "Your digest settings", tuple(fields), "Save", SAVE)


@submission(SAVE)
def save_form(ctx: Context, args: list[str], values: dict[str, str]) -> Reply:
    """Every field is checked before anything is stored; on a bad one the form comes back with why."""
    errors: dict[str, str] = {}
    checks = {"cadence": lambda v: v if v in CADENCES else _bad("choose daily, weekly or off"),
              "weekday": parse_weekday, "time": parse_time, "timezone": check_timezone,
              "topics": lambda v: [] if v.strip().lower() in ("", "all") else _topic_names(ctx, v)}
    checked = {}
    for name, check in checks.items():
        try:
            checked[name] = check(values.get(name, ""))
        except PreferenceError as error:
            errors[name] = str(error)
    platform, before = values.get("platform", ""), ctx.leader.preferred_platform
    if platform and platform != ctx.leader.preferred_platform:
        try:
            set_preferred_platform(ctx.session, ctx.leader, platform)
        except ValueError as error:
            errors["platform"] = str(error)
    if errors:
        ctx.leader.preferred_platform = before  # nothing is saved when anything is wrong: not even this
        pref = preference(ctx.session, ctx.leader.id)
        return replacing(Reply((Text("Nothing was saved: " + "; ".join(errors.values()) + ".", "error"),
                                settings_form(ctx, pref, values, errors))))
    row = row_for(ctx.session, ctx.leader.id)
    row.cadence, row.weekday, row.minute = checked["cadence"], checked["weekday"], checked["time"]
    row.timezone, row.topics = checked["timezone"], checked["topics"]
    ctx.session.flush()
    return replacing(summary(ctx, preference(ctx.session, ctx.leader.id), "Your settings are saved."))


def _bad(message: str) -> str:
    raise PreferenceError(message)


def _topic_names(ctx: Context, text: str) -> list[str]:
    try:
        return check_topics(ctx.session, text)
    except ContentError as error:
        raise PreferenceError(str(error).replace("`leaders content topics list`", "`settings`")) from None


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
        names = _topic_names(ctx, rest)
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
         private_only=True, opens_form=True)
def settings(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if not verb:
        pref = preference(ctx.session, ctx.leader.id)
        shown = summary(ctx, pref)
        return Reply((*shown.blocks[:-1], settings_form(ctx, pref), shown.blocks[-1]))
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
