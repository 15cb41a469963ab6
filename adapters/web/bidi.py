"""Bidirectional controls out of text people typed, before a page shows it.

Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) in a name or a bio run on into the
text after them and can make "moc.live" read as "evil.com". HTML escaping leaves them alone, so the
pages take them out of what they show; right-to-left names need none of them to display correctly.
Form fields keep the stored value as it is (the leader's own text, edited by the leader).
"""

from __future__ import annotations

from bot.bidi import without_bidi


def shown_text(value: str) -> str:
    return without_bidi(value)
