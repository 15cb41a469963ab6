"""`/r/<token>`: a curated item's link, opened through our own server so the open is counted.

The token is the item's own (one per item, the same in every leader's digest), so the count is per item
and the request says nothing about who opened it; nothing about the request (address, cookies, headers)
is stored or logged. The answer only ever redirects to the item's stored link, checked again to be
https, and only while the item is approved — a retired item's link stops working. An unknown token gets
a plain 404 page, never a redirect somewhere else.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from adapters.web.pages import page
from directory import content
from directory.database import Database

DATABASE: web.AppKey[Database] = web.AppKey("redirect_database", Database)
PATH = "/r/{token}"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _open(database: Database, token: str) -> str | None:
    with database.session() as session:
        item = content.by_token(session, token)
        if item is None or item.status != content.APPROVED:
            return None
        try:
            url = content.check_url(item.url)
        except content.ContentError:
            return None
        content.count(session, item.id, "opens")
        return url


async def open_link(request: web.Request) -> web.StreamResponse:
    url = await asyncio.to_thread(_open, request.app[DATABASE], request.match_info["token"])
    if url is None:
        return page("Link not found", "This link is not (or no longer) in Leaders Connect.", status=404)
    return web.Response(status=302, headers={"Location": url, **NO_STORE})


def mount(app: web.Application, database: Database) -> None:
    app[DATABASE] = database
    app.router.add_get(PATH, open_link)
