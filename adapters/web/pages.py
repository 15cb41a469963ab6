"""Minimal, self-contained HTML pages for the browser side of sign-in and data export.

No templates or assets: a few escaped paragraphs and at most one form. Every page says what happened and
what to do next, because the person arrives from a chat app and goes back to it.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from adapters.request_bodies import PAGE_FORM, UnreadableForm, read_form

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
          "line-height:1.5;color:#1b1b1b}button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.3rem;"
          "border:0;background:#2f5496;color:#fff;cursor:pointer}")
# The pages hold one-time tokens in forms: never cache them, never send them on as a referrer, never
# frame them (a framed "Continue" button could be clicked by a trick).
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'"


class BadForm(Exception):
    """A POST body that is not a readable form: answered with a 400 page, never a 500."""


def page(title: str, *paragraphs: str, status: int = 200, form_action: str = "", token: str = "",
         button: str = "", redirect_origins: tuple[str, ...] = ()) -> web.Response:
    """`redirect_origins`: where the form's POST may redirect to. Chrome and Safari apply CSP
    form-action to the redirect after a form POST, so the sign-in start page must name Microsoft's."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if form_action:
        body += (f'<form method="post" action="{escape(form_action)}">'
                 f'<input type="hidden" name="token" value="{escape(token)}">'
                 f"<button type=\"submit\">{escape(button)}</button></form>")
    html = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)} — Leaders Connect</title>"
            f"<meta name=\"viewport\" content=\"width=device-width\"><style>{_STYLE}</style>"
            f"</head><body><h1>{escape(title)}</h1>{body}</body></html>")
    csp = " ".join((_CSP, *redirect_origins))
    return web.Response(text=html, content_type="text/html", status=status,
                        headers={**_HEADERS, "Content-Security-Policy": csp})


async def posted_form(request: web.Request, limit: int = PAGE_FORM) -> dict[str, str]:
    """The fields of a POSTed URL-encoded form of at most `limit` bytes (413 beyond); BadForm for a body
    that is not one (e.g. multipart, or not UTF-8)."""
    try:
        return await read_form(request, limit)
    except UnreadableForm as error:
        raise BadForm(str(error)) from None


def same_origin(request: web.Request, base_url: str) -> bool:
    """False for a cross-site form POST (a page elsewhere submitting to us on the person's behalf).

    Browsers send Origin on every POST; a request without one is not from a browser form, and what it
    carries (a one-time token) is checked anyway.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    public_origin = "/".join(base_url.split("/", 3)[:3])  # scheme://host[:port] of LEADERS_PUBLIC_URL
    return origin in {f"{request.scheme}://{request.host}", public_origin}


async def posted_token(request: web.Request) -> str:
    """The token from a POSTed form (or the query string); the form is a few bytes, capped at 4 KiB."""
    if request.method == "POST":
        return (await posted_form(request)).get("token", "")
    return request.query.get("token", "")
