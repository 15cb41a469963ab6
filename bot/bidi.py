"""The bidirectional controls that people's text must not carry onto a screen, defined once.

Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) run on into the text after them and can
make "moc.live" read as "evil.com" or a reason read differently from what it says; escaping (HTML, Block
Kit, Adaptive Cards) leaves them alone, and right-to-left names need none of them to display correctly.
Introduction reasons, the web renderer and the web's leader pages all strip the same set.
"""

from __future__ import annotations

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REMOVE = dict.fromkeys(map(ord, BIDI_CONTROLS))
_SPACE = dict.fromkeys(map(ord, BIDI_CONTROLS), " ")


def without_bidi(text: str, *, as_space: bool = False) -> str:
    """`text` with every bidirectional control removed, or (`as_space`) each turned into a space."""
    return text.translate(_SPACE if as_space else _REMOVE)
