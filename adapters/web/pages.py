"""Minimal, self-contained HTML pages for the browser side of sign-in and data export.

No templates or assets: a few escaped paragraphs and at most one form. Every page says what happened and
what to do next, because the person arrives from a chat app and goes back to it.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
          "line-height:1.5;color:#1b1b1b}button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.3rem;"
          "border:0;background:#2f5496;color:#fff;cursor:pointer}")
# The pages hold one-time tokens in forms: never cache them, never send them on as a referrer.
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"}


def page(title: str, *paragraphs: str, status: int = 200, form_action: str = "", token: str = "",
         button: str = "") -> web.Response:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if form_action:
        body += (f'<form method="post" action="{escape(form_action)}">'
                 f'<input type="hidden" name="token" value="{escape(token)}">'
                 f"<button type=\"submit\">{escape(button)}</button></form>")
    html = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)} — Leaders Connect</title>"
            f"<meta name=\"viewport\" content=\"width=device-width\"><style>{_STYLE}</style>"
            f"</head><body><h1>{escape(title)}</h1>{body}</body></html>")
    return web.Response(text=html, content_type="text/html", status=status, headers=_HEADERS)


async def posted_token(request: web.Request) -> str:
    """The token from a POSTed form (or the query string), bounded so a huge body cannot cost us."""
    if request.method == "POST":
        form = await request.post()
        value = form.get("token", "")
        return value if isinstance(value, str) else ""
    return request.query.get("token", "")
