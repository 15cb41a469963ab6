"""CSV cells a spreadsheet shows as text, and read back exactly.

Excel, LibreOffice Calc and Google Sheets run a cell that begins with `=`, `+`, `-` or `@` (or a tab, a
carriage return or a NUL before one) as a formula when a CSV file is opened. Leaders edit their own role,
organisation and bio, so without care a self-edited role such as `=HYPERLINK("https://…","Open")` would
run in the staff member's spreadsheet. Following OWASP's CSV-injection guidance (and ASVS 5.0 §1.2.10),
such a cell is written with a single quote in front, which spreadsheets treat as "this is text".

The rule is a bijection, so `leaders import` reads `leaders export` back unchanged:

- writing: a value that begins with `= + - @`, tab, CR, NUL **or a single quote** gets one `'` in front;
- reading: one leading `'` is removed when the character after it is one of those.

A phone number `+44 7700 900123` is therefore exported as `'+44 7700 900123` and imported as
`+44 7700 900123`; a value that really begins with a quote, such as `'Tis`, is exported as `''Tis` and read
back as `'Tis`. In a file typed by hand, a leading quote before one of those characters is taken as this
escape (a spreadsheet's own text marker is never saved into the CSV, so this is what staff would type to
mean "text").
"""

from __future__ import annotations

FORMULA_STARTS = frozenset("=+-@\t\r\0")
QUOTE = "'"
_ESCAPED_STARTS = FORMULA_STARTS | {QUOTE}


def to_cell(value: str) -> str:
    """`value` as written into an exported CSV cell: never the start of a formula."""
    return QUOTE + value if value[:1] in _ESCAPED_STARTS else value


def from_cell(text: str) -> str:
    """The value behind a CSV cell written by `to_cell` (or typed by hand)."""
    return text[1:] if text[:1] == QUOTE and text[1:2] in _ESCAPED_STARTS else text
