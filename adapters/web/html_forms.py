"""GOV.UK form fields for the neutral reply model's forms and choices, and the GOV.UK error summary.

A `Form` posts `submit=<its submit_action>` and each input under its name — the very submission chat
sends — to the page, whose handler runs it through the engine. Each field shows its hint and error
(`govuk-form-group--error`, `aria-describedby`); `error_summary` links each error to its field.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from adapters.web.html_text import Page, clean, csrf_field, heading_level, text_markup, theirs
from bot.replies import Button, Form, Input

_ID_UNSAFE = re.compile(r"[^a-z0-9-]+")


def field_id(form: Form, name: str) -> str:
    """The HTML id of one input: unique per form, safe in an id and a `#fragment`."""
    return _ID_UNSAFE.sub("-", f"{form.form_id}-{name}".lower()).strip("-") or "field"


def _described(ident: str, item: Input) -> tuple[Markup, Markup, str]:
    """(hint markup, error markup, the aria-describedby ids) of one input."""
    hint = Markup('<div id="{}-hint" class="govuk-hint">{}</div>').format(ident, text_markup(item.hint)) \
        if item.hint else Markup("")
    error = Markup('<p id="{}-error" class="govuk-error-message"><span class="govuk-visually-hidden">'
                   "Error:</span> {}</p>").format(ident, text_markup(item.error)) if item.error \
        else Markup("")
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
                                            theirs(label))
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
    hint = Markup('<p class="govuk-body govuk-hint">{}</p>').format(text_markup(form.hint)) if form.hint \
        else Markup("")
    fields = Markup("").join(input_html(form, item) for item in form.fields)
    level = heading_level(page)
    return Markup('<form method="post" action="{0}" novalidate id="{1}">{2}'
                  '<input type="hidden" name="submit" value="{3}"><h{4} class="govuk-heading-m">{5}</h{4}>'
                  '{6}{7}<div class="govuk-button-group"><button type="submit" class="govuk-button" '
                  'data-module="govuk-button" data-prevent-double-click="true">{8}</button></div>'
                  '</form>').format(
        page.post_to, field_id(form, "form"), csrf_field(page), form.submit_action, level, clean(form.title),
        hint, fields, clean(form.submit_label))


def error_summary(form: Form | None, *problems: str, anchor: str = "") -> Markup:
    """The GOV.UK error summary: each field's error linked to its field, then any other problem (a rule
    such as a limit) linked to the form's first field (or `anchor`, the id of the control it is about).
    Empty when there is nothing to say."""
    items: list[Markup] = []
    first = field_id(form, form.fields[0].name) if form is not None and form.fields else anchor
    if form is not None:
        items += [Markup('<li><a href="#{}">{}</a></li>').format(field_id(form, f.name), text_markup(f.error))
                  for f in form.fields if f.error]
    for problem in problems:
        items.append(Markup('<li><a href="#{}">{}</a></li>').format(first, text_markup(problem)) if first
                     else Markup("<li>{}</li>").format(text_markup(problem)))
    if not items:
        return Markup("")
    return Markup('<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">'
                  '<h2 class="govuk-error-summary__title">There is a problem</h2>'
                  '<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">'
                  "{}</ul></div></div></div>").format(Markup("").join(items))


def choice_html(buttons: tuple[Button, ...], page: Page, legend: str = "Your answer",
                submit_label: str = "Send answer") -> Markup:
    """One press chosen from several, as radios: each radio's value is a button's own action."""
    ident = _ID_UNSAFE.sub("-", "choice-" + buttons[0].action.split(":")[0].lower()).strip("-")
    radios = Markup("").join(
        Markup('<div class="govuk-radios__item"><input class="govuk-radios__input" id="{0}" name="action" '
               'type="radio" value="{1}"{2}><label class="govuk-label govuk-radios__label" for="{0}">{3}'
               "</label></div>").format(ident if n == 0 else f"{ident}-{n + 1}", button.action,
                                        Markup(" checked") if button.style == "primary" else Markup(""),
                                        theirs(button.label))
        for n, button in enumerate(buttons))
    return Markup('<form method="post" action="{}" novalidate>{}<div class="govuk-form-group">'
                  '<fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend '
                  'govuk-fieldset__legend--s">{}</legend>'
                  '<div class="govuk-radios" data-module="govuk-radios">{}</div></fieldset></div>'
                  '<button type="submit" class="govuk-button" data-module="govuk-button" '
                  'data-prevent-double-click="true">{}</button></form>').format(
        page.post_to, csrf_field(page), legend, radios, submit_label)
