"""The command grammar: every way people type a command reaches the same command."""

from __future__ import annotations

import pytest

from bot.commands import REGISTRY
from bot.grammar import expects_form, parse


@pytest.mark.parametrize("text", ["find nurse", "/leaders find nurse", "leaders find nurse",
                                  "FIND nurse", "  find   nurse ", "<at>Leaders</at> find nurse",
                                  "<@U012ABCDEF> find nurse", "<@U012ABCDEF|leaders> find nurse",
                                  "search nurse", "f nurse", "leaders: find nurse"])
def test_spellings_of_find(text: str) -> None:
    parsed = parse(text)
    assert parsed.command is REGISTRY["find"]
    assert parsed.args.split() == ["nurse"]


def test_empty_text_is_help() -> None:
    for text in ("", "   ", "/leaders", "<at>Leaders</at>"):
        assert parse(text).command is REGISTRY["help"]


def test_arguments_keep_quotes_and_case() -> None:
    assert parse('find chief nurse region:"North West"').args == 'chief nurse region:"North West"'


@pytest.mark.parametrize(("typed", "suggested"), [("fnd", "find"), ("profle", "profile"), ("halp", "help"),
                                                  ("intros2", "intros")])
def test_unknown_word_suggests_the_closest_command(typed: str, suggested: str) -> None:
    parsed = parse(f"{typed} something")
    assert parsed.command is None and parsed.word == typed and parsed.suggestion == suggested


def test_nonsense_has_no_suggestion() -> None:
    parsed = parse("xyzzy")
    assert parsed.command is None and parsed.suggestion is None


def test_every_design_command_is_understood() -> None:
    for word in ("help", "find", "profile", "me", "intro", "intros", "polls", "digest", "settings",
                 "poll", "content", "staff"):
        assert parse(word).command is REGISTRY[word]


def test_hostile_text_parses() -> None:
    for text in ("\x00find x", "find " + "x" * 10_000, "😀😀", "<at>", "<@", "/leaders/leaders"):
        parse(text)  # never raises


def test_only_a_bare_form_command_expects_a_form() -> None:
    assert expects_form("me") and expects_form("/leaders me") and expects_form("<@U012ABCDEF> me")
    assert not expects_form("me set role Chief Executive") and not expects_form("find nurse")
    # Asked on the event loop before the engine's cap: long text is never parsed there, even when what
    # it amounts to is `me` (the engine then answers it, or refuses it as too long, as any other text).
    assert not expects_form(" " * 10_000 + "me") and not expects_form("<@U1> " * 5_000 + "me")
