"""Folding text to the form both search backends index: lower case, no accents, no apostrophes.

Folding happens once, in Python, so SQLite and PostgreSQL index exactly the same tokens and a query means
the same thing on both ("Áine Ní Bhriain" → "aine ni bhriain", "O'Brien" → "obrien").
"""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus an accent.
_SPECIAL = str.maketrans({
    "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "Þ": "th",
    "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i",
})
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and apostrophes, and collapse everything else to single spaces."""
    if text.isascii():  # the common case, and on the search hot path: skip Unicode decomposition
        return _NON_WORD.sub(" ", _APOSTROPHES.sub("", text.lower())).strip()
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text.casefold())
    return _NON_WORD.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """Folded words of a text, in order."""
    return fold(text).split()


def index_tokens(text: str) -> list[str]:
    """Words to index for a field: the folded words plus each hyphenated compound joined up.

    "Smith-Jones" is indexed as "smith", "jones" and "smithjones", so a searcher who types either the
    parts or the run-together form finds it.
    """
    words = tokens(text)
    if "-" not in text:
        return words
    for compound in re.findall(r"[^\s]+-[^\s]+", text):
        joined = "".join(tokens(compound))
        if joined and joined not in words:
            words.append(joined)
    return words
