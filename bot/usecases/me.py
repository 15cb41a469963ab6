"""Me: a leader edits their own profile and who may see each field — as a form, or by typed commands.

Platforms with forms (a Slack modal, a Teams card) submit everything at once as `me.save`; a console user,
or anyone typing to the bot, uses `me set <field> <value>` and `me show <field> <level>`. Both paths go
through the same validation and update (directory.people.update_own_profile), so a value refused in one
is refused in the other, and the person only ever edits the leader their chat account is linked to.
"""

from __future__ import annotations

from bot.actions import submission
from bot.cards import LABELS, profile_card
from bot.commands import Context, command
from bot.live import replacing
from bot.replies import Form, Input, Reply, Text
from directory.models import Leader
from directory.people import update_own_profile
from directory.privacy import PRIVATE_FIELDS, level_of
from directory.profile_rules import MAX_LENGTH, SELF_EDITABLE, InvalidProfileError

SAVE = "me.save"
LEVELS: tuple[tuple[str, str], ...] = (("everyone", "All verified leaders"),
                                        ("introduced", "Only people I've been introduced to"),
                                        ("staff", "Only the Leaders Connect team"))
HINTS = {"expertise": "Separate topics with ; — e.g. finance; audit; procurement",
         "phone": "e.g. +44 7700 900123"}
FIELD_WORDS = {**{name: name for name in SELF_EDITABLE}, "about": "bio", "org": "organisation",
               "organization": "organisation", "tags": "expertise"}
FORM_HINT = ("Your name and email are your verified identity, and your sector is set by the directory: "
             "the Leaders Connect team changes those for you.")
TYPED_HELP = (f"To change a field, type `me set <field> <value>` ({', '.join(SELF_EDITABLE)}); "
              "to choose who sees it, `me show <field> everyone|introduced|staff`.")


def visibility_name(field: str) -> str:
    return f"visibility.{field}"


def label_of(name: str) -> str:
    if name.startswith("visibility."):
        return f"Who can see your {LABELS.get(name.removeprefix('visibility.'), name).lower()}"
    return LABELS.get(name, name)


def profile_form(leader: Leader, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None) -> Form:
    """The leader's profile as a form: what is stored, overlaid with what they submitted (if any)."""
    values, errors = values or {}, errors or {}
    fields = [Input(name, LABELS[name], values.get(name, getattr(leader, name) or ""),
                    "multiline" if name == "bio" else "text", max_length=MAX_LENGTH[name],
                    hint=HINTS.get(name, ""), error=errors.get(name, ""))
              for name in SELF_EDITABLE]
    for field in PRIVATE_FIELDS:
        name = visibility_name(field)
        current = values.get(name, level_of(leader, field).value)
        fields.append(Input(name, label_of(name), current, "choice", LEVELS, error=errors.get(name, "")))
    return Form("me", "Edit your profile", tuple(fields), "Save", SAVE, FORM_HINT)


WHO = {"everyone": "all verified leaders", "introduced": "only people you've been introduced to",
       "staff": "only the Leaders Connect team"}
PEERS_LOOK_FOR = ("role", "organisation", "region", "expertise", "bio")  # what search and cards use


MISSING_WHY = "other leaders find peers by these, so adding them helps people find you."


def missing_from(leader: Leader) -> list[str]:
    """The fields peers search by that the profile leaves empty (their names, in form order)."""
    return [name for name in PEERS_LOOK_FOR if not (getattr(leader, name) or "").strip()]


def profile_summary(leader: Leader) -> tuple[Text, ...]:
    """What is missing from the profile (peers find you by these), and who can see each field."""
    missing = [LABELS[name].lower() for name in missing_from(leader)]
    lines = []
    if missing:
        lines.append(Text("Missing from your profile: " + ", ".join(missing) + " — " + MISSING_WHY,
                          "heading"))
    else:
        lines.append(Text("Your profile has everything other leaders search by.", "muted"))
    by_level: dict[str, list[str]] = {}
    for field in PRIVATE_FIELDS:
        by_level.setdefault(level_of(leader, field).value, []).append(LABELS[field].lower())
    seen = "; ".join(f"{WHO[level]}: {', '.join(fields)}" for level, fields in by_level.items())
    lines.append(Text(f"Who can see each field — your name: all verified leaders; {seen}.", "muted"))
    return tuple(lines)


def _saved(ctx: Context, changed: list[str]) -> Reply:
    if not changed:
        head = Text("Nothing to change — your profile already says that.", "heading")
    else:
        head = Text("Your profile is updated: " + ", ".join(label_of(n).lower() for n in changed) + ".",
                    "heading")
    return Reply((head, profile_card(ctx.viewer, ctx.leader),
                  Text("Type `me` to make more changes.", "muted")))


def _save(ctx: Context, changes: dict[str, str], visibility: dict[str, str],
          values: dict[str, str] | None = None) -> Reply:
    """Update and confirm; on bad values nothing is saved, and a form (if one was used) comes back."""
    try:
        changed = update_own_profile(ctx.session, ctx.leader, changes, visibility)
    except InvalidProfileError as error:
        problems = tuple(Text(f"{label_of(name)}: {message}", "error")
                         for name, message in error.errors.items())
        if values is None:
            return Reply((*problems, Text("Nothing was changed.", "muted")))
        return Reply((*problems, profile_form(ctx.leader, values, error.errors)))
    return _saved(ctx, changed)


def submitted(values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The changes and visibility levels in a submitted profile form (chat's form or the web page's):
    only the fields the form has; anything else submitted is not read."""
    changes = {name: values[name] for name in SELF_EDITABLE if name in values}
    visibility = {field: values[visibility_name(field)] for field in PRIVATE_FIELDS
                  if visibility_name(field) in values}
    return changes, visibility


def save_own(ctx: Context, values: dict[str, str]) -> list[str]:
    """Save a submitted profile form as the leader's own edit; what changed (InvalidProfileError, and
    nothing changed, on any bad value)."""
    return update_own_profile(ctx.session, ctx.leader, *submitted(values))


@submission(SAVE)
def save_form(ctx: Context, args: list[str], values: dict[str, str]) -> Reply:
    """Save a submitted form; the answer takes the form's place (where a platform shows forms in place):
    the form again with the errors, or the saved profile."""
    return replacing(_save(ctx, *submitted(values), values))


def _field(word: str) -> str | None:
    return FIELD_WORDS.get(word.lower())


def _set(ctx: Context, rest: str) -> Reply:
    word, _, value = rest.partition(" ")
    field = _field(word)
    if field is None:
        return _not_editable(word)
    return _save(ctx, {field: value}, {})


def _show(ctx: Context, rest: str) -> Reply:
    word, _, level = rest.partition(" ")
    field = FIELD_WORDS.get(word.lower(), word.lower())
    if field not in PRIVATE_FIELDS:
        return Reply((Text(f"“{word[:40]}” is not a profile field. You can choose who sees: "
                           f"{', '.join(PRIVATE_FIELDS)}.", "error"),))
    level = level.strip().lower()
    if level not in dict(LEVELS):
        choices = "; ".join(f"`{value}` — {label}" for value, label in LEVELS)
        return Reply((Text(f"“{level[:40]}” is not a visibility level. Choose one of: {choices}.", "error"),))
    return _save(ctx, {}, {field: level})


def _not_editable(word: str) -> Reply:
    if word.lower() in ("email", "full_name", "name", "sector", "cohort"):
        why = Text(f"Your {word.lower()} can't be changed here. {FORM_HINT}", "error")
    else:
        why = Text(f"“{word[:40]}” is not a field you can change. Choose one of: {', '.join(SELF_EDITABLE)}.",
                   "error")
    return Reply((why,))


@command("me", "Edit your own profile and who can see each field",
         "me [set <field> <value> | show <field> everyone|introduced|staff]",
         examples=("me", "me set role Chief Executive", "me show phone everyone"), private_only=True,
         opens_form=True)
def me(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.strip().partition(" ")
    if not verb:
        return Reply((*profile_summary(ctx.leader), profile_form(ctx.leader), Text(TYPED_HELP, "muted")))
    if verb.lower() == "set" and rest.strip():
        return _set(ctx, rest.strip())
    if verb.lower() == "show" and rest.strip():
        return _show(ctx, rest.strip())
    return Reply((Text("I didn't understand that. " + TYPED_HELP, "error"),))
