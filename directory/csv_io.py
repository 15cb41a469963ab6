"""The directory's CSV format: strict validation on the way in, the same format on the way out.

Import is all-or-nothing. Every row is checked before anything is written, and every problem is reported
as `line N: reason`, so a staff member fixes the whole spreadsheet in one pass instead of one error per
attempt. Export writes exactly what import reads, so export → edit → import is safe, and no exported cell
can run as a formula in a spreadsheet (csv_cells.py).
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from directory.csv_cells import from_cell, to_cell
from directory.models import Leader
from directory.people import PROFILE_FIELDS, LeaderInput
from directory.profile_rules import CONTROL as _CONTROL
from directory.profile_rules import EMAIL as _EMAIL
from directory.profile_rules import MAX_LENGTH
from directory.profile_rules import PHONE as _PHONE
from directory.sectors import UnknownSectorError, normalise_sector

COLUMNS: tuple[str, ...] = PROFILE_FIELDS
REQUIRED: tuple[str, ...] = ("email", "full_name", "role", "organisation", "sector")


@dataclass
class ParsedFile:
    rows: list[LeaderInput] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the file line each row came from (for reports)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_csv(data: bytes) -> ParsedFile:
    """Validate a whole CSV file; `errors` holds one `line N: reason` per problem, in file order."""
    result = ParsedFile()
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        result.errors.append(f"line {line}: not valid UTF-8 (save the file as 'CSV UTF-8')")
        return result
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        result.errors.append(f"line 1: {error}")
        return result
    if header is None or not any(h.strip() for h in header):
        result.errors.append("line 1: the file is empty; the first row must name the columns")
        return result
    columns = _header(header, result.errors)
    if result.errors:
        return result
    seen: dict[str, int] = {}
    end_of_previous = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            result.errors.append(f"line {reader.line_num}: {_csv_problem(error)}")
            break  # the parser cannot resynchronise reliably after a broken quote
        line, end_of_previous = end_of_previous + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            result.errors.append(f"line {line}: {len(values)} values but the header has {len(columns)} "
                                 "columns (a stray comma? quote values that contain commas)")
            continue
        row = _row(dict(zip(columns, values, strict=True)), line, seen, result.errors)
        if row is not None:
            result.rows.append(row)
            result.lines.append(line)
    if not result.rows and not result.errors:
        result.errors.append("line 2: the file has a header but no leaders")
    return result


def _csv_problem(error: csv.Error) -> str:
    text = str(error)
    if "NUL" in text:
        return "contains a NUL byte (the file is damaged or not a CSV)"
    return f"cannot be read as CSV ({text})"


def _header(header: list[str], errors: list[str]) -> list[str]:
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    for name in columns:
        if name not in COLUMNS:
            guess = difflib.get_close_matches(name, COLUMNS, n=1)
            hint = f" (did you mean '{guess[0]}'?)" if guess else f" (known columns: {', '.join(COLUMNS)})"
            errors.append(f"line 1: unknown column '{name}'{hint}")
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        errors.append(f"line 1: column(s) named twice: {', '.join(duplicates)}")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        errors.append(f"line 1: missing required column(s): {', '.join(missing)}")
    return columns


def _row(raw: dict[str, str], line: int, seen: dict[str, int], errors: list[str]) -> LeaderInput | None:
    values = {name: from_cell(" ".join(raw.get(name, "").split())) for name in COLUMNS}
    values["bio"] = from_cell(raw.get("bio", "").strip())
    problems: list[str] = []
    for name in REQUIRED:
        if not values[name]:
            problems.append(f"{name} is empty")
    for name, value in values.items():
        if _CONTROL.search(value):
            problems.append(f"{name} contains control characters")
        if len(value) > MAX_LENGTH.get(name, 10_000):
            problems.append(f"{name} is longer than {MAX_LENGTH[name]} characters")
    email = values["email"]
    if email and not _EMAIL.match(email):
        problems.append(f"email '{email}' is not a valid address")
    elif email:
        first = seen.setdefault(email.lower(), line)
        if first != line:
            problems.append(f"email '{email}' already appears on line {first}")
    if values["sector"]:
        try:
            values["sector"] = normalise_sector(values["sector"]).key
        except UnknownSectorError as error:
            problems.append(str(error))
    if values["phone"] and not _PHONE.match(values["phone"]):
        problems.append(f"phone '{values['phone']}' is not a phone number")
    values["expertise"] = ";".join(t.strip() for t in values["expertise"].split(";") if t.strip())
    if problems:
        errors.append(f"line {line}: " + "; ".join(problems))
        return None
    return LeaderInput(**values)


def write_csv(leaders: Iterable[Leader], out: TextIO) -> int:
    """Write leaders in the import format, spreadsheet-safe (csv_cells.py); returns how many rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    written = 0
    for leader in leaders:
        writer.writerow([to_cell(getattr(leader, name) or "") for name in COLUMNS])
        written += 1
    return written


def rows_to_csv(rows: Iterable[dict[str, str]]) -> Iterator[str]:
    """CSV text lines for plain dict rows (demo data), header first, spreadsheet-safe like an export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([to_cell(str(row.get(name) or "")) for name in COLUMNS])
        yield buffer.getvalue()
