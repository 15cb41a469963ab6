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

from collections.abc import Callable

from markupsafe import Markup

from adapters.web.html_forms import choice_html, form_html
from adapters.web.html_text import Page, clean, csrf_field, heading_level, text_markup, theirs
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

BUTTON_CLASSES: dict[ButtonStyle, str] = {"primary": "govuk-button",
                                          "default": "govuk-button govuk-button--secondary",
                                          "danger": "govuk-button govuk-button--warning"}
INPUT_KINDS: tuple[InputKind, ...] = ("text", "multiline", "choice")
TEXT_STYLES: tuple[TextStyle, ...] = ("plain", "heading", "muted", "error")



def text_html(block: Text, page: Page) -> Markup:
    body = text_markup(block.text)
    if block.style == "heading":
        level = heading_level(page)
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
                      "</div></form>").format(page.post_to, csrf_field(page), Markup("").join(pressed))
    if links:
        out += Markup('<div class="govuk-button-group">{}</div>').format(Markup("").join(links))
    return out


def actions_html(block: Actions, page: Page) -> Markup:
    return buttons_html(block.buttons, page)


def person_html(card: PersonCard, page: Page) -> Markup:
    rows = Markup("").join(
        Markup('<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{}</dt>'
               '<dd class="govuk-summary-list__value">{}</dd></div>').format(
            clean(f.label), Markup("<br>").join(theirs(line) for line in f.value.split("\n")))
        for f in card.fields)
    content = Markup("")
    if card.headline:
        content += Markup('<p class="govuk-body">{}</p>').format(theirs(card.headline))
    if rows:
        content += Markup('<dl class="govuk-summary-list">{}</dl>').format(rows)
    if card.verified:
        content += Markup('<p class="govuk-body-s">✓ {}</p>').format(clean(card.verified))
    content += buttons_html(card.buttons, page)
    level = heading_level(page)
    return Markup('<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper">'
                  '<h{0} class="govuk-summary-card__title">{1}</h{0}></div>'
                  '<div class="govuk-summary-card__content">{2}</div></div>').format(
        level, theirs(card.name), content)


def chart_html(block: Chart, page: Page) -> Markup:
    """Counts as a sentence, a table and bars: the table is the chart's words, the bars only a picture."""
    total = sum(value for _, value in block.bars)
    level = heading_level(page)
    title = Markup('<h{0} class="govuk-heading-s">{1}</h{0}>').format(level, clean(block.title)) \
        if block.title else Markup("")
    if not block.bars:
        return title + Markup('<p class="govuk-body">No answers to show.</p>')
    top_label, top = max(block.bars, key=lambda bar: bar[1])
    sentence = (Markup("<p class=\"govuk-body\">{} answers in all; the most chosen: {} ({}).</p>").format(
        f"{total:,}", theirs(top_label), f"{top:,}") if total else
        Markup('<p class="govuk-body">No answers yet.</p>'))
    rows = Markup("").join(
        Markup('<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>'
               '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
               '<td class="govuk-table__cell govuk-table__cell--numeric">{}%</td>'
               '<td class="govuk-table__cell" aria-hidden="true">'
               '<svg class="app-bar" width="100%" height="16" focusable="false">'
               '<rect width="{}%" height="16" fill="currentColor"></rect></svg></td></tr>'
               ).format(theirs(label), f"{value:,}", round(100 * value / total) if total else 0,
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
