"""Rendering a neutral reply as GOV.UK Design System HTML — the web's renderer beside Block Kit and Cards.

A pure function, like the Slack and Teams ones: `render(reply, page)` returns markup for a page template to
place. Every text is escaped (markupsafe, as Jinja's autoescape does), so a name such as
`<script>…` or `{{ 7*7 }}` shows as typed; bidirectional embeddings, overrides and isolates become spaces,
as chat's reasons do, so a text cannot read differently from what it says; and text from people (names,
field values, option labels) sits in `<bdi>`, so a right-to-left name cannot reorder the sentence around it.

What each element becomes:
- `Text`: a paragraph (`heading` an `<h2>`, `muted` a hint, `error` GOV.UK warning text); `backticks`
  (commands, in chat) become `<code>`.
- `PersonCard`: a GOV.UK summary card — the name as its title, the headline, the fields as a summary list.
- `Actions` (and a card's buttons): one `<form method="post">` per group, carrying the page's CSRF token;
  each button is `<button name="action" value="<neutral action id>">`, the very id the chat button carries,
  so a press runs the same use case through the same engine (bot/engine.py `handle_web_action`) and the
  same state rules hold: a stale revision answers and changes nothing, a double-click changes state once.
  A button with a `url` is a link; a button whose action only *shows* something that has a page of its own
  (a profile, an introduction, a poll) is a link to that page (`PAGE_OF`).
- `Form`: GOV.UK form fields (text input, textarea, radios for a choice) with each field's hint and error,
  posting `submit=<submit_action>` and the values under the inputs' names; `error_summary` gives the
  GOV.UK error summary a page shows above it.
- `Chart`: a summary sentence, a GOV.UK table of the counts and shares, and SVG bars beside the numbers —
  no chart without its table, and nothing that needs inline styles (the CSP allows none).

`Reply.replace` and `Reply.refresh` mean nothing here: a web page is drawn fresh from the store on every
request, for the person looking.

    >>> str(render(Reply((Text("Hello <b>"),)), Page(csrf_token="t", post_to="/x")))
    '<p class="govuk-body">Hello &lt;b&gt;</p>'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from bot.replies import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Chart,
    Field,
    Form,
    Input,
    InputKind,
    PersonCard,
    Reply,
    Text,
    TextStyle,
)

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_CODE = re.compile(r"`([^`\n]+)`")
_ID_UNSAFE = re.compile(r"[^a-z0-9-]+")

BUTTON_CLASSES: dict[ButtonStyle, str] = {"primary": "govuk-button",
                                          "default": "govuk-button govuk-button--secondary",
                                          "danger": "govuk-button govuk-button--warning"}
INPUT_KINDS: tuple[InputKind, ...] = ("text", "multiline", "choice")
TEXT_STYLES: tuple[TextStyle, ...] = ("plain", "heading", "muted", "error")

# Neutral actions that only draw something which has a page of its own: on the web they are links (GET),
# not presses. Each maps the action's arguments to the page.
PAGE_OF: dict[str, Callable[[list[str]], str | None]] = {
    "profile.view": lambda args: f"/people/{args[0]}" if args and args[0].isdigit() else None,
    "intro.form": lambda args: f"/intros/new?to={args[0]}" if args and args[0].isdigit() else None,
    "intro.view": lambda args: f"/intros/{args[0]}" if args and args[0].isdigit() else None,
    "poll.view": lambda args: f"/polls/{args[0]}" if args and args[0].isdigit() else None,
    "poll.write": lambda args: f"/polls/{args[0]}?write=1#answer" if args and args[0].isdigit() else None,
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
    return _BIDI.sub(" ", text)


def _text(text: str) -> Markup:
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


def _theirs(text: str) -> Markup:
    """Text someone typed (a name, a field, an option): isolated so its direction cannot leak out."""
    return Markup("<bdi>{}</bdi>").format(clean(text))


def text_html(block: Text, page: Page) -> Markup:
    body = _text(block.text)
    if block.style == "heading":
        level = min(max(page.heading_level, 1), 6)
        return Markup('<h{0} class="govuk-heading-m">{1}</h{0}>').format(level, body)
    if block.style == "muted":
        return Markup('<p class="govuk-body govuk-hint">{}</p>').format(body)
    if block.style == "error":
        return Markup('<div class="govuk-warning-text"><span class="govuk-warning-text__icon" '
                      'aria-hidden="true">!</span><strong class="govuk-warning-text__text">'
                      '<span class="govuk-visually-hidden">Warning</span> {}</strong></div>').format(body)
    return Markup('<p class="govuk-body">{}</p>').format(body)


def link_of(button: Button, page: Page) -> str | None:
    """Where a button goes when it is a link: its own url (made relative on our own site), or the page of
    an action that only shows something; None for a press."""
    if button.url:
        site = page.site_url.rstrip("/")
        if site and button.url.startswith(site + "/"):
            return button.url[len(site):]
        return button.url if button.url.startswith(("https://", "http://", "/")) and \
            not button.url.startswith("//") else ""
    name, *args = button.action.split(":")
    to_page = page.pages.get(name)
    return to_page(args) if to_page is not None else None


def _link_button(button: Button, href: str) -> Markup:
    external = not href.startswith("/")
    rel = Markup(' rel="noopener noreferrer"') if external else Markup("")
    return Markup('<a href="{}" role="button" draggable="false" class="{}" data-module="govuk-button"{}>{}'
                  "</a>").format(href, BUTTON_CLASSES.get(button.style, BUTTON_CLASSES["default"]), rel,
                                 clean(button.label))


def buttons_html(buttons: tuple[Button, ...], page: Page) -> Markup:
    """A button group: presses in one POST form (each button names its action), links beside them."""
    if not buttons:
        return Markup("")
    if page.choices and all(b.action and not b.url and b.action.split(":")[0] in page.choices
                            for b in buttons):
        return choice_html(buttons, page)
    pressed: list[Markup] = []
    links: list[Markup] = []
    for button in buttons:
        href = link_of(button, page)
        if href == "":
            continue  # a link to somewhere no page should send anyone (`javascript:`, `data:`): left out
        if href is not None:
            links.append(_link_button(button, href))
        elif button.action:
            pressed.append(Markup('<button type="submit" name="action" value="{}" class="{}" '
                                  'data-module="govuk-button" data-prevent-double-click="true">{}</button>')
                           .format(button.action, BUTTON_CLASSES.get(button.style, BUTTON_CLASSES["default"]),
                                   clean(button.label)))
    out = Markup("")
    if pressed:
        out += Markup('<form method="post" action="{}" novalidate>{}<div class="govuk-button-group">{}'
                      "</div></form>").format(page.post_to, _csrf(page), Markup("").join(pressed))
    if links:
        out += Markup('<div class="govuk-button-group">{}</div>').format(Markup("").join(links))
    return out


def choice_html(buttons: tuple[Button, ...], page: Page, legend: str = "Your answer",
                submit_label: str = "Send answer") -> Markup:
    """One press chosen from several, as radios: each radio's value is a button's own action."""
    ident = _ID_UNSAFE.sub("-", "choice-" + buttons[0].action.split(":")[0].lower()).strip("-")
    radios = Markup("").join(
        Markup('<div class="govuk-radios__item"><input class="govuk-radios__input" id="{0}" name="action" '
               'type="radio" value="{1}"{2}><label class="govuk-label govuk-radios__label" for="{0}">{3}'
               "</label></div>").format(ident if n == 0 else f"{ident}-{n + 1}", button.action,
                                        Markup(" checked") if button.style == "primary" else Markup(""),
                                        _theirs(button.label))
        for n, button in enumerate(buttons))
    return Markup('<form method="post" action="{}" novalidate>{}<div class="govuk-form-group">'
                  '<fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend '
                  'govuk-fieldset__legend--s">{}</legend>'
                  '<div class="govuk-radios" data-module="govuk-radios">{}</div></fieldset></div>'
                  '<button type="submit" class="govuk-button" data-module="govuk-button" '
                  'data-prevent-double-click="true">{}</button></form>').format(
        page.post_to, _csrf(page), legend, radios, submit_label)


def actions_html(block: Actions, page: Page) -> Markup:
    return buttons_html(block.buttons, page)


def _csrf(page: Page) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(page.csrf_token)


def person_html(card: PersonCard, page: Page) -> Markup:
    rows = Markup("").join(
        Markup('<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{}</dt>'
               '<dd class="govuk-summary-list__value">{}</dd></div>').format(
            clean(f.label), Markup("<br>").join(_theirs(line) for line in f.value.split("\n")))
        for f in card.fields)
    content = Markup("")
    if card.headline:
        content += Markup('<p class="govuk-body">{}</p>').format(_theirs(card.headline))
    if rows:
        content += Markup('<dl class="govuk-summary-list">{}</dl>').format(rows)
    if card.verified:
        content += Markup('<p class="govuk-body-s">✓ {}</p>').format(clean(card.verified))
    content += buttons_html(card.buttons, page)
    level = min(max(page.heading_level, 1), 6)
    return Markup('<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper">'
                  '<h{0} class="govuk-summary-card__title">{1}</h{0}></div>'
                  '<div class="govuk-summary-card__content">{2}</div></div>').format(
        level, _theirs(card.name), content)


def field_id(form: Form, name: str) -> str:
    """The HTML id of one input: unique per form, safe in an id and a `#fragment`."""
    return _ID_UNSAFE.sub("-", f"{form.form_id}-{name}".lower()).strip("-") or "field"


def _described(ident: str, item: Input) -> tuple[Markup, Markup, str]:
    """(hint markup, error markup, the aria-describedby ids) of one input."""
    hint = Markup('<div id="{}-hint" class="govuk-hint">{}</div>').format(ident, _text(item.hint)) \
        if item.hint else Markup("")
    error = Markup('<p id="{}-error" class="govuk-error-message"><span class="govuk-visually-hidden">'
                   "Error:</span> {}</p>").format(ident, _text(item.error)) if item.error else Markup("")
    ids = " ".join(i for i, present in ((f"{ident}-hint", item.hint), (f"{ident}-error", item.error))
                   if present)
    return hint, error, ids


def _group(item: Input, inner: Markup) -> Markup:
    modifier = " govuk-form-group--error" if item.error else ""
    return Markup('<div class="govuk-form-group{}">{}</div>').format(modifier, inner)


def input_html(form: Form, item: Input) -> Markup:
    ident = field_id(form, item.name)
    hint, error, ids = _described(ident, item)
    described = Markup(' aria-describedby="{}"').format(ids) if ids else Markup("")
    if item.kind == "choice":
        radios = Markup("").join(
            Markup('<div class="govuk-radios__item"><input class="govuk-radios__input" id="{0}" name="{1}" '
                   'type="radio" value="{2}"{3}><label class="govuk-label govuk-radios__label" for="{0}">{4}'
                   "</label></div>").format(ident if n == 0 else f"{ident}-{n + 1}", item.name, value,
                                            Markup(" checked") if value == item.value else Markup(""),
                                            _theirs(label))
            for n, (value, label) in enumerate(item.options))
        small = Markup(" govuk-radios--small") if len(item.options) > 6 else Markup("")
        return _group(item, Markup(
            '<fieldset class="govuk-fieldset"{}>'
            '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{}</legend>'
            '{}{}<div class="govuk-radios{}" data-module="govuk-radios">{}</div></fieldset>').format(
            described, clean(item.label), hint, error, small, radios))
    label = Markup('<label class="govuk-label govuk-label--s" for="{}">{}</label>').format(ident,
                                                                                           clean(item.label))
    if item.kind == "multiline":
        css = "govuk-textarea govuk-textarea--error" if item.error else "govuk-textarea"
        control = Markup('<textarea class="{}" id="{}" name="{}" rows="5"{}>\n{}</textarea>').format(
            css, ident, item.name, described, item.value)
    else:
        css = "govuk-input govuk-input--error" if item.error else "govuk-input"
        control = Markup('<input class="{}" id="{}" name="{}" type="text" value="{}" spellcheck="false"{}>'
                         ).format(css, ident, item.name, item.value, described)
    return _group(item, label + hint + error + control)


def form_html(form: Form, page: Page) -> Markup:
    """The form as GOV.UK fields, posting its `submit_action` (the same submission chat sends)."""
    hint = Markup('<p class="govuk-body govuk-hint">{}</p>').format(_text(form.hint)) if form.hint \
        else Markup("")
    fields = Markup("").join(input_html(form, item) for item in form.fields)
    level = min(max(page.heading_level, 1), 6)
    return Markup('<form method="post" action="{0}" novalidate id="{1}">{2}'
                  '<input type="hidden" name="submit" value="{3}"><h{4} class="govuk-heading-m">{5}</h{4}>'
                  '{6}{7}<div class="govuk-button-group"><button type="submit" class="govuk-button" '
                  'data-module="govuk-button" data-prevent-double-click="true">{8}</button></div>'
                  '</form>').format(
        page.post_to, field_id(form, "form"), _csrf(page), form.submit_action, level, clean(form.title),
        hint, fields, clean(form.submit_label))


def error_summary(form: Form | None, *problems: str, anchor: str = "") -> Markup:
    """The GOV.UK error summary: each field's error linked to its field, then any other problem (a rule
    such as a limit) linked to the form's first field (or `anchor`, the id of the control it is about).
    Empty when there is nothing to say."""
    items: list[Markup] = []
    first = field_id(form, form.fields[0].name) if form is not None and form.fields else anchor
    if form is not None:
        items += [Markup('<li><a href="#{}">{}</a></li>').format(field_id(form, f.name), _text(f.error))
                  for f in form.fields if f.error]
    for problem in problems:
        items.append(Markup('<li><a href="#{}">{}</a></li>').format(first, _text(problem)) if first
                     else Markup("<li>{}</li>").format(_text(problem)))
    if not items:
        return Markup("")
    return Markup('<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">'
                  '<h2 class="govuk-error-summary__title">There is a problem</h2>'
                  '<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">'
                  "{}</ul></div></div></div>").format(Markup("").join(items))


def chart_html(block: Chart, page: Page) -> Markup:
    """Counts as a sentence, a table and bars: the table is the chart's words, the bars only a picture."""
    total = sum(value for _, value in block.bars)
    level = min(max(page.heading_level, 1), 6)
    title = Markup('<h{0} class="govuk-heading-s">{1}</h{0}>').format(level, clean(block.title)) \
        if block.title else Markup("")
    if not block.bars:
        return title + Markup('<p class="govuk-body">No answers to show.</p>')
    top_label, top = max(block.bars, key=lambda bar: bar[1])
    sentence = (Markup("<p class=\"govuk-body\">{} answers in all; the most chosen: {} ({}).</p>").format(
        f"{total:,}", _theirs(top_label), f"{top:,}") if total else
        Markup('<p class="govuk-body">No answers yet.</p>'))
    rows = Markup("").join(
        Markup('<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>'
               '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
               '<td class="govuk-table__cell govuk-table__cell--numeric">{}%</td>'
               '<td class="govuk-table__cell" aria-hidden="true">'
               '<svg class="app-bar" width="100%" height="16" focusable="false">'
               '<rect width="{}%" height="16" fill="currentColor"></rect></svg></td></tr>'
               ).format(_theirs(label), f"{value:,}", round(100 * value / total) if total else 0,
                        round(100 * value / total) if total else 0)
        for label, value in block.bars)
    return title + sentence + Markup(
        '<table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">{}</caption>'
        '<thead class="govuk-table__head"><tr class="govuk-table__row">'
        '<th scope="col" class="govuk-table__header">Answer</th>'
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Count</th>'
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Share</th>'
        '<th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Bar</span></th>'
        '</tr></thead><tbody class="govuk-table__body">{}</tbody></table>').format(
        clean(block.title) or "Answers", rows)


BlockRenderer = Callable[[Block, Page], Markup]
# One entry per block type of the neutral model; tests/test_web_html_render.py checks it covers
# bot.replies.Block exactly, so a new kind of block cannot be forgotten here.
RENDERERS: dict[type, BlockRenderer] = {
    Text: text_html,  # type: ignore[dict-item]
    PersonCard: person_html,  # type: ignore[dict-item]
    Actions: actions_html,  # type: ignore[dict-item]
    Form: form_html,  # type: ignore[dict-item]
    Chart: chart_html,  # type: ignore[dict-item]
}
# The parts blocks are made of, drawn inside them: with RENDERERS, every dataclass of bot/replies.py.
PARTS = frozenset({Button, Field, Input, Reply})


def render_block(block: Block, page: Page) -> Markup:
    renderer = RENDERERS.get(type(block))
    if renderer is None:  # only reachable if the model grows and this module does not
        raise TypeError(f"no HTML for {type(block).__name__}")
    return renderer(block, page)


def render(reply: Reply, page: Page) -> Markup:
    """The whole reply, block by block, for a page template to place (already escaped: `{{ html }}`)."""
    return Markup("\n").join(render_block(block, page) for block in reply.blocks)


def form_of(reply: Reply) -> Form | None:
    return reply.form


def problems_of(reply: Reply) -> list[str]:
    """The error sentences of a reply (what a use case refused, and why), for the error summary."""
    return [block.text for block in reply.blocks if isinstance(block, Text) and block.style == "error"]
