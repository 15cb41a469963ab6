"""How every `leaders` process logs: one line per record that hostile text cannot break, and no personal
data at any level, `-v` included.

Lines cannot be forged. Log messages carry text people control — a button's action id, a request path,
a header. A newline in one would start a line that looks like a record of its own ("… WARNING
leaders.serve: staff role granted"), and terminal escapes could rewrite what an operator sees. The
formatter escapes every control character in the message (`\\n` becomes the two characters `\\n`), and
indents the lines of a traceback, so the only lines that start at the margin are real records.

No personal data. Our own loggers never log names, emails, phones or message text, at any level. Some
libraries do at DEBUG or INFO: slack_sdk logs every Web API request and response body (a profile card
with a phone number, `users.info` with an email), SQLAlchemy logs statements with their parameters and
result rows, urllib3 and msal log what they fetch. So `-v` turns on DEBUG for our own loggers only; every
other library is held at WARNING (APScheduler and Alembic, which log only job and revision names, at INFO
with `-v`). Engines also hide SQL parameters from exception messages (`hide_parameters`, in
directory/database.py), so a failed statement's traceback does not carry the row it was writing. And a
request aiohttp cannot parse is not logged: its ERROR quotes the offending header line. PostgreSQL's
errors carry a `DETAIL:` line that quotes values (`Key (email_key)=(…) already exists`, `Failing row
contains (…)`), which `hide_parameters` does not reach, so the formatter withholds those lines.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from aiohttp.http_exceptions import HttpProcessingError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OUR_LOGGERS = ("adapters", "bot", "directory", "scheduler", "leaders")
NAMES_ONLY_LOGGERS = ("apscheduler", "alembic")  # job ids and revisions: INFO with -v

# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators, as visible escapes.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7f, 0xa0))}
_ESCAPES.update({0x09: "\\t", 0x0a: "\\n", 0x0d: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})
_KEEP_NEWLINES = {code: text for code, text in _ESCAPES.items() if code != 0x0a}
_CONTINUATION = "    | "
# PostgreSQL's error detail (psycopg puts it in the exception's message): it may quote row values.
_PG_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)


def withhold_details(text: str) -> str:
    return _PG_DETAIL.sub(r"\1 (withheld: it may quote row values)", text)


def one_line(text: str) -> str:
    """`text` with every control character written out, so it cannot end a log line or move the cursor."""
    return text.translate(_ESCAPES)


class OneLineFormatter(logging.Formatter):
    """A record is one line; a traceback follows it on lines that are visibly its continuation.

    The traceback is formatted afresh rather than taken from `record.exc_text`, which another handler's
    formatter may already have filled in without these precautions.
    """

    def format(self, record: logging.LogRecord) -> str:
        record.message = one_line(withhold_details(record.getMessage()))
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        if record.exc_info:
            line += "\n" + _indent(withhold_details(self.formatException(record.exc_info)))
        elif record.exc_text:
            line += "\n" + _indent(withhold_details(record.exc_text))
        if record.stack_info:
            line += "\n" + _indent(self.formatStack(record.stack_info))
        return line


def _indent(text: str) -> str:
    return "\n".join(_CONTINUATION + line.translate(_KEEP_NEWLINES) for line in text.splitlines())


class LibraryFloor(logging.Filter):
    """Drops library records below their floor even if a library lowered its own logger's level."""

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.names_only_floor = logging.INFO if verbose else logging.WARNING

    def filter(self, record: logging.LogRecord) -> bool:
        top = record.name.split(".", 1)[0]
        if top in OUR_LOGGERS:
            return True
        if _malformed_request(record):
            return False
        return record.levelno >= (self.names_only_floor if top in NAMES_ONLY_LOGGERS else logging.WARNING)


def _malformed_request(record: logging.LogRecord) -> bool:
    """aiohttp's ERROR for a request it could not parse (a 400 it has already sent): its traceback quotes
    the offending line — an over-long Cookie header with someone's session in it — and any stranger can
    cause one per request, so it is not logged at all."""
    error = record.exc_info[1] if record.exc_info else None
    return record.name == "aiohttp.server" and isinstance(error, HttpProcessingError) \
        and 400 <= (error.code or 0) < 500


_installed: logging.Handler | None = None


def configure(verbose: bool = False, stream: TextIO | None = None) -> logging.Handler:
    """Log to `stream` (stderr): INFO from our own loggers, DEBUG with `verbose`; libraries at WARNING.

    Called once per process by the CLI; calling it again replaces the handler it installed before.
    """
    global _installed
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    handler.addFilter(LibraryFloor(verbose))
    root.addHandler(handler)
    _installed = handler
    root.setLevel(logging.WARNING)  # every library logger not named below inherits this
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in NAMES_ONLY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    return handler
