"""Reading request bodies with a cap on the bytes actually read, whatever the client says they are.

aiohttp's `client_max_size` (1 MiB here) bounds `request.read()` and `request.post()`; each endpoint
needs far less, and a body announced with `Transfer-Encoding: chunked` has no length to check up front.
`read_capped` refuses a declared `Content-Length` over the limit without reading a byte, and otherwise
reads chunk by chunk and stops with 413 the moment one byte too many has arrived — it never waits for a
body that will not end, and never holds more than the limit.

Limits, and why (each is several times the largest body the sender really produces):

- `SLACK_EVENTS`: Slack's slash commands and events are a few KB; the largest interaction payloads carry
  the message or view the button was on, and ours are kept well inside Block Kit's limits (a profile card
  with a 4,000-character bio, percent-encoded, is under 40 KB).
- `PAGE_FORM`: the sign-in and data-download buttons post one 43-character token.
- `SIGNIN_CALLBACK`: Microsoft's form_post answer — code, state, session state, or an error and its
  description — is a few KB.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web

SLACK_EVENTS = 256 * 1024
PAGE_FORM = 4 * 1024
SITE_FORM = 64 * 1024  # a website form (adapters/web/site_kit.posted): an announcement's text fits
SIGNIN_CALLBACK = 64 * 1024
MAX_FORM_FIELDS = 50


class UnreadableForm(ValueError):
    """A body that is not a URL-encoded form we can read: answered with a 400, never a 500."""


async def read_capped(request: web.Request, limit: int) -> bytes:
    """The whole body, or HTTP 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=declared)
    body = bytearray()
    while chunk := await request.content.readany():
        body += chunk
        if len(body) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)


async def read_form(request: web.Request, limit: int) -> dict[str, str]:
    """A URL-encoded form (what browsers post and Microsoft's form_post sends), read within `limit`; a
    repeated field keeps its last value (read_form_pairs keeps them all)."""
    return dict(await read_form_pairs(request, limit))


async def read_form_pairs(request: web.Request, limit: int) -> list[tuple[str, str]]:
    """A URL-encoded form's (name, value) pairs in order, read within `limit`.

    Other encodings are refused rather than parsed: none of our forms is multipart, and aiohttp's
    multipart reader would spool what it reads to disk.
    """
    if request.content_type != "application/x-www-form-urlencoded":
        raise UnreadableForm(f"not a form ({request.content_type[:40]})")
    raw = await read_capped(request, limit)
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError) as error:
        raise UnreadableForm(type(error).__name__) from None
    return pairs
