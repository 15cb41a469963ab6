"""The text layer of the web renderer: where a reply is drawn (`Page`), and text made safe for HTML.

Every text is escaped (markupsafe, as Jinja's autoescape); bidirectional embeddings, overrides and
isolates become spaces, as chat's reasons do, so a text cannot read differently from what it says; text
from people (names, field values, option labels) sits in `<bdi>`, so a right-to-left name cannot reorder
the sentence around it; chat's `backticks` (commands) become `<code>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from bot.bidi import without_bidi

_CODE = re.compile(r"`([^`\n]+)`")


def _one_id(args: list[str]) -> str | None:
    return args[0] if args and args[0].isascii() and args[0].isdigit() and len(args[0]) <= 12 else None


def _page(path: str) -> Callable[[list[str]], str | None]:
    """`path` with `{}` filled by the action's first argument, if that is an id."""
    return lambda args: path.format(found) if (found := _one_id(args)) is not None else None


# Neutral actions that only draw something which has a page of its own: on the web they are links (GET),
# not presses. Each maps the action's arguments to the page.
PAGE_OF: dict[str, Callable[[list[str]], str | None]] = {
    "profile.view": _page("/people/{}"),
    "intro.form": _page("/intros/new?to={}"),
    "intro.view": _page("/intros/{}"),
    "poll.view": _page("/polls/{}"),
    "poll.write": _page("/polls/{}?write=1#answer"),
    "settings.open": lambda args: "/settings",
}


@dataclass(frozen=True)
class Page:
    """Where a reply is drawn: the form fields every POST needs, and where its buttons post to.

    `csrf_token`: the foundation's token for this session (adapters/web/site_kit.py), put in every form.
    `post_to`: the path the page's buttons and forms POST to (its own handler runs the engine).
    `site_url`: the service's public URL; a link to it becomes a relative one (the `/r/<token>` of a
    curated item opens on this same site, counted as from chat).
    `heading_level`: the level of a `heading` Text (2 under the page's `<h1>`).
    """

    csrf_token: str
    post_to: str
    site_url: str = ""
    heading_level: int = 2
    pages: dict[str, Callable[[list[str]], str | None]] = field(default_factory=lambda: dict(PAGE_OF))
    # Action names whose button groups are one choice among options (a poll's single answer): drawn as
    # GOV.UK radios named `action` and one submit button, so the chosen radio posts the very action its
    # button would have. The button styled `primary` is the one chosen now.
    choices: frozenset[str] = frozenset()


def clean(text: str) -> str:
    """`text` without direction controls (each a space), as chat treats a reason's."""
    return without_bidi(text, as_space=True)


def text_markup(text: str) -> Markup:
    """Escaped text, lines kept (`<br>`), `backticks` as `<code>`."""
    parts: list[Markup] = []
    position = 0
    cleaned = clean(text)
    for match in _CODE.finditer(cleaned):
        parts.append(escape(cleaned[position:match.start()]))
        parts.append(Markup("<code>{}</code>").format(match.group(1)))
        position = match.end()
    parts.append(escape(cleaned[position:]))
    return Markup("<br>").join(Markup("").join(parts).split("\n"))


def theirs(text: str) -> Markup:
    """Text someone typed (a name, a field, an option): isolated so its direction cannot leak out."""
    return Markup("<bdi>{}</bdi>").format(clean(text))


def csrf_field(page: Page) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(page.csrf_token)


def heading_level(page: Page) -> int:
    return min(max(page.heading_level, 1), 6)
