"""Row ids as people and buttons hand them to us: digits that fit the database, or nothing.

Button ids (`profile.view:42`, `accounts.unlink:7`), typed numbers and CLI arguments arrive as text. A
30-digit "id" is valid to Python's `int` but not to SQLite's 64-bit INTEGER (OverflowError), PostgreSQL
refuses anything past 2³¹ − 1 for our INTEGER keys ("integer out of range"), and `str.isdigit` also
accepts characters such as "²" that `int` refuses.
Parsing every id here means an absurd one is simply an id nobody has: the button has expired, the CLI
says no such message.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # our primary keys are INTEGER: 32 bits on PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(text: str) -> int | None:
    """A positive id that any of our tables could hold, or None."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
