"""The HTML renderer of the neutral reply model (adapters/web/html_render.py, html_forms.py,
html_text.py): every element, escaped, with the press a chat button carries — and no element of
bot/replies.py left without its HTML."""

from __future__ import annotations

import dataclasses
import inspect
from html.parser import HTMLParser
from typing import get_args

import pytest

import bot.replies as replies
from adapters.web.html_forms import error_summary, field_id
from adapters.web.html_render import (
    BUTTON_CLASSES,
    INPUT_KINDS,
    PARTS,
    RENDERERS,
    TEXT_STYLES,
    problems_of,
    render,
    render_block,
)
from adapters.web.html_text import Page
from bot.replies import Actions, Button, Chart, Field, Form, Input, PersonCard, Reply, Text

PAGE = Page(csrf_token="tok-123", post_to="/intros/7", site_url="https://leaders.example.gov.uk")
HOSTILE = "<script>alert(1)</script> {{ 7*7 }} \" ' & <img src=x onerror=alert(2)>"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of a fragment (checks it parses as meant)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def html(*blocks: replies.Block, page: Page = PAGE) -> str:
    return str(render(Reply(tuple(blocks)), page))


def test_every_element_of_the_reply_model_has_its_html() -> None:
    """A new block type, text style, button style or input kind in bot/replies.py fails here until the
    web renderer draws it."""
    assert set(RENDERERS) == set(get_args(replies.Block))
    model = {obj for _, obj in inspect.getmembers(replies, inspect.isclass)
             if dataclasses.is_dataclass(obj) and obj.__module__ == replies.__name__}
    assert model == set(RENDERERS) | PARTS
    assert set(TEXT_STYLES) == set(get_args(replies.TextStyle))
    assert set(BUTTON_CLASSES) == set(get_args(replies.ButtonStyle))
    assert set(INPUT_KINDS) == set(get_args(replies.InputKind))
    for style in TEXT_STYLES:
        assert "Said" in html(Text("Said", style))
    for kind in INPUT_KINDS:
        form = Form("f", "T", (Input("x", "Label", "b", kind, (("a", "A"), ("b", "B"))),), "Go", "s.go")
        assert 'name="x"' in html(form)


def test_an_unknown_block_is_refused_loudly_rather_than_dropped() -> None:
    @dataclasses.dataclass(frozen=True)
    class Sticker:
        emoji: str

    with pytest.raises(TypeError, match="Sticker"):
        render_block(Sticker("x"), PAGE)  # type: ignore[arg-type]


@pytest.mark.parametrize(("style", "tag", "css"), [("plain", "p", "govuk-body"),
                                                   ("heading", "h2", "govuk-heading-m"),
                                                   ("muted", "p", "govuk-hint"),
                                                   ("error", "strong", "govuk-warning-text__text")])
def test_text_styles(style: str, tag: str, css: str) -> None:
    tags = Tags(html(Text("Type `intros`\nthen choose", style)))  # type: ignore[arg-type]
    assert any(css in (attrs.get("class") or "") for attrs in tags.named(tag))
    assert tags.named("code") and tags.named("br")  # a command in backticks; lines kept
    assert "`" not in tags.text and "intros" in tags.text


def test_a_heading_sits_under_the_pages_own_level() -> None:
    assert "<h3 " in html(Text("Sent by you", "heading"), page=dataclasses.replace(PAGE, heading_level=3))


def test_hostile_text_anywhere_stays_text() -> None:
    card = PersonCard(1, HOSTILE, HOSTILE, (Field(HOSTILE, HOSTILE),), HOSTILE,
                      (Button(HOSTILE, f"intro.accept:{HOSTILE}"),))
    form = Form(HOSTILE, HOSTILE, (Input(HOSTILE, HOSTILE, HOSTILE, "multiline", hint=HOSTILE, error=HOSTILE),
                                   Input("c", HOSTILE, HOSTILE, "choice", ((HOSTILE, HOSTILE),)),
                                   Input("t", HOSTILE, HOSTILE, hint=HOSTILE)),
                HOSTILE, f"intro.send:{HOSTILE}", HOSTILE)
    out = html(Text(HOSTILE), Text(HOSTILE, "heading"), card, Actions((Button(HOSTILE, HOSTILE),)), form,
               Chart(HOSTILE, ((HOSTILE, 3),)))
    out += str(error_summary(form, HOSTILE))
    tags = Tags(out)
    assert not tags.named("script") and not tags.named("img")
    assert all(not key.startswith("on") for _, attrs in tags.tags for key in attrs)
    assert "<script>" in tags.text and "{{ 7*7 }}" in tags.text  # shown as typed, never run
    assert "49" not in tags.text


def test_direction_controls_become_spaces_and_names_are_isolated() -> None:
    """A right-to-left override would make `moc.evil` read `live.com`; as in chat's reasons it becomes a
    space, and a name a person typed sits in <bdi> so its direction cannot spill into the sentence."""
    sneaky = "Rosa \u202eeel\u202c \u2067Lee\u2069"
    out = html(PersonCard(1, sneaky, "", (Field("Why", "see moc.evil\u202e"),)), Text(sneaky))
    assert not any(c in out for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert "<bdi>Rosa  eel   Lee </bdi>" in out


def test_a_person_card_is_a_govuk_summary_card() -> None:
    card = PersonCard(5, "Rosa Lee", "Chief Executive, NWAS", (Field("Region", "North West"),
                                                               Field("About", "One\nTwo")),
                      "Verified by staff import", (Button("View profile", "profile.view:5"),
                                                  Button("Request introduction", "intro.form:5", "primary")))
    tags = Tags(html(card))
    classes = [attrs.get("class") for _, attrs in tags.tags]
    for css in ("govuk-summary-card", "govuk-summary-card__title", "govuk-summary-list",
                "govuk-summary-list__key", "govuk-summary-list__value"):
        assert css in classes
    assert "Rosa Lee" in tags.text and "North West" in tags.text and "Verified by staff import" in tags.text
    links = {attrs["href"] for attrs in tags.named("a")}
    assert links == {"/people/5", "/intros/new?to=5"}  # showing actions are pages, not presses
    assert not tags.named("form")


def test_a_press_is_a_post_of_the_chat_buttons_own_action_with_the_csrf_token() -> None:
    buttons = Actions((Button("Accept", "intro.accept:7~3", "primary"), Button("Not now", "intro.notnow:7~3"),
                       Button("Decline", "intro.decline:7~3", "danger")))
    tags = Tags(html(buttons))
    (form,) = tags.named("form")
    assert form["method"] == "post" and form["action"] == "/intros/7"
    (csrf,) = [a for a in tags.named("input") if a.get("name") == "csrf_token"]
    assert csrf["type"] == "hidden" and csrf["value"] == "tok-123"
    pressed = tags.named("button")
    assert [(b["name"], b["value"]) for b in pressed] == [("action", "intro.accept:7~3"),
                                                          ("action", "intro.notnow:7~3"),
                                                          ("action", "intro.decline:7~3")]
    assert [b["class"] for b in pressed] == ["govuk-button", "govuk-button govuk-button--secondary",
                                             "govuk-button govuk-button--warning"]
    assert all(b["data-prevent-double-click"] == "true" for b in pressed)


def test_links_go_where_they_say_and_our_own_become_relative() -> None:
    out = Tags(html(Actions((Button("Open", url="https://leaders.example.gov.uk/r/abc123", style="primary"),
                             Button("Elsewhere", url="https://www.gov.uk/guidance"),
                             Button("Sneaky", url="javascript:alert(1)"),
                             Button("Also sneaky", url="//evil.example/x"),
                             Button("Back to results", "find.page:abc:2")))))
    links = {a["href"]: a.get("rel") for a in out.named("a")}
    assert links == {"/r/abc123": None, "https://www.gov.uk/guidance": "noopener noreferrer"}
    assert "Sneaky" not in out.text
    assert [b["value"] for b in out.named("button")] == ["find.page:abc:2"]  # not a page: still a press


def test_a_form_is_govuk_fields_posting_the_chat_submission() -> None:
    form = Form("settings", "Your digest settings",
                (Input("cadence", "How often", "weekly", "choice",
                       (("daily", "Daily"), ("weekly", "Weekly"))),
                 Input("time", "Time (24-hour)", "25:00", hint="e.g. 07:30", error="give a time like 07:30"),
                 Input("note", "Note", "Some\nlines", "multiline")),
                "Save", "settings.save", "Changes apply to your next digest.")
    tags = Tags(html(form))
    (element,) = tags.named("form")
    assert element["action"] == "/intros/7" and element["method"] == "post"
    hidden = {a["name"]: a["value"] for a in tags.named("input") if a.get("type") == "hidden"}
    assert hidden == {"csrf_token": "tok-123", "submit": "settings.save"}
    radios = [a for a in tags.named("input") if a.get("type") == "radio"]
    assert [(r["name"], r["value"], "checked" in r) for r in radios] == [("cadence", "daily", False),
                                                                         ("cadence", "weekly", True)]
    assert radios[0]["id"] == field_id(form, "cadence")  # the error summary's link lands on the first
    (time,) = [a for a in tags.named("input") if a.get("name") == "time"]
    assert time["value"] == "25:00" and "govuk-input--error" in (time["class"] or "")
    assert time["aria-describedby"] == "settings-time-hint settings-time-error"
    assert tags.named("legend") and tags.named("textarea")[0]["name"] == "note"
    assert "Some\nlines" in tags.text and "Error:" in tags.text
    assert any("govuk-form-group--error" in (a.get("class") or "") for a in tags.named("div"))


def test_the_error_summary_links_each_problem_to_its_field() -> None:
    form = Form("intro", "Request introduction", (Input("reason", "Why?", "hi", "multiline",
                                                        error="Please say in a sentence why"),),
                "Send request", "intro.send:4")
    tags = Tags(str(error_summary(form, "You have 3 requests waiting for an answer")))
    assert [a["href"] for a in tags.named("a")] == ["#intro-reason", "#intro-reason"]
    assert "There is a problem" in tags.text and "Please say in a sentence why" in tags.text
    assert str(error_summary(None)) == "" and str(error_summary(dataclasses.replace(
        form, fields=(Input("reason", "Why?"),)))) == ""
    assert problems_of(Reply((Text("No", "error"), Text("fine")))) == ["No"]


def test_a_chart_has_its_sentence_and_table_and_no_inline_style() -> None:
    out = html(Chart("Answers", (("Very", 6), ("Somewhat", 3), ("Not at all", 1))))
    tags = Tags(out)
    assert "10 answers in all; the most chosen: Very (6)." in tags.text
    assert all(f"<td class=\"govuk-table__cell govuk-table__cell--numeric\">{share}%</td>" in out
               for share in (60, 30, 10))
    assert tags.named("table") and tags.named("caption") and "style=" not in out
    assert "No answers yet." in html(Chart("Answers", (("Very", 0),)))


def test_reply_flags_for_chat_change_nothing_on_a_page() -> None:
    plain = Reply((Text("Hello"),))
    assert render(dataclasses.replace(plain, replace=True, refresh="intro.view:3", private=False),
                  PAGE) == render(plain, PAGE)


def test_a_pages_choice_buttons_are_radios_that_post_the_chosen_buttons_action() -> None:
    votes = Actions((Button("Very", "poll.vote:3:1"), Button("Somewhat", "poll.vote:3:2", "primary"),
                     Button("Not at all", "poll.vote:3:3")))
    tags = Tags(html(votes, page=dataclasses.replace(PAGE, choices=frozenset({"poll.vote"}))))
    radios = [a for a in tags.named("input") if a.get("type") == "radio"]
    assert [(r["value"], "checked" in r) for r in radios] == [
        ("poll.vote:3:1", False), ("poll.vote:3:2", True), ("poll.vote:3:3", False)]
    assert {r["name"] for r in radios} == {"action"}
    assert tags.named("legend") and [b.get("type") for b in tags.named("button")] == ["submit"]
    assert [a["value"] for a in tags.named("input") if a.get("name") == "csrf_token"] == ["tok-123"]
    mixed = Actions((Button("Very", "poll.vote:3:1"), Button("Done", "poll.view:3")))
    page = dataclasses.replace(PAGE, choices=frozenset({"poll.vote"}))
    assert not Tags(html(mixed, page=page)).named("fieldset")  # not all one choice: buttons as ever


ALLOWED_TAGS = {"p", "h2", "h3", "code", "br", "div", "span", "strong", "bdi", "dl", "dt", "dd", "form",
                "input", "button", "a", "label", "fieldset", "legend", "textarea", "table", "caption",
                "thead", "tbody", "tr", "th", "td", "svg", "rect"}


def _replies():  # type: ignore[no-untyped-def]
    from hypothesis import strategies as st

    words = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
        [HOSTILE, "</textarea><script>x</script>", "\" onmouseover=\"alert(1)", "`code`", "\u202e", "\n"])
    style = st.sampled_from(list(get_args(replies.ButtonStyle)))
    button = st.builds(Button, words, words, style, st.sampled_from(["", "https://x.example/a",
                                                                     "javascript:alert(1)", "/r/abc"]))
    text = st.builds(Text, words, st.sampled_from(list(get_args(replies.TextStyle))))
    card = st.builds(PersonCard, st.integers(0, 10**6), words, words,
                     st.lists(st.builds(Field, words, words), max_size=3).map(tuple), words,
                     st.lists(button, max_size=3).map(tuple))
    actions = st.builds(Actions, st.lists(button, min_size=1, max_size=4).map(tuple))
    field = st.builds(Input, words, words, words, st.sampled_from(list(get_args(replies.InputKind))),
                      st.lists(st.tuples(words, words), max_size=3).map(tuple), st.just(0), words, words)
    form = st.builds(Form, words, words, st.lists(field, max_size=3).map(tuple), words, words, words)
    chart = st.builds(Chart, words, st.lists(st.tuples(words, st.integers(0, 10**6)), max_size=4).map(tuple))
    return st.lists(text | card | actions | form | chart, max_size=6).map(lambda b: Reply(tuple(b)))


def test_no_reply_whatever_its_text_can_add_markup_to_a_page() -> None:
    """Any reply, any text: only the renderer's own tags, no event-handler attributes, links only to
    http(s) or our own paths, and every form posts to the page with its CSRF token."""
    from hypothesis import given, settings

    @settings(max_examples=300, deadline=None)
    @given(_replies())
    def check(reply: Reply) -> None:
        tags = Tags(str(render(reply, PAGE)))
        assert {name for name, _ in tags.tags} <= ALLOWED_TAGS
        for name, attrs in tags.tags:
            assert not any(key.startswith("on") or key == "style" for key in attrs), (name, attrs)
            if name == "a":
                assert (attrs["href"] or "").startswith(("https://", "http://", "/")), attrs
                assert not (attrs["href"] or "").startswith("//")
            if name == "form":
                assert attrs["action"] == "/intros/7" and attrs["method"] == "post"
        forms = len(tags.named("form"))
        tokens = [a for a in tags.named("input")
                  if a.get("name") == "csrf_token" and a.get("value") == "tok-123"]
        assert len(tokens) == forms

    check()
