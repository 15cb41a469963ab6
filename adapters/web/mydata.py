"""`/mydata`: the one-time download of everything held about a leader (their `mydata` command's link).

GET shows a button, POST spends the link and returns the JSON as a file. The export is built at that
moment, so it is current, and the audit log records that it was handed out.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from adapters.web.pages import page, posted_token
from directory import links
from directory.data_rights import export
from directory.database import Database
from directory.models import Leader

PATH = "/mydata"
DATABASE: web.AppKey[Database] = web.AppKey("mydata_database", Database)


async def download_page(request: web.Request) -> web.Response:
    token = request.query.get("token", "")
    try:
        await asyncio.to_thread(_peek, request.app[DATABASE], token)
    except links.LinkError as error:
        return page("Link not usable", str(error), status=400)
    return page("Your Leaders Connect data", "Download a JSON file with everything Leaders Connect holds "
                "about you. The link works once.", form_action=PATH, token=token, button="Download my data")


def _peek(database: Database, token: str) -> None:
    with database.session(commit=False) as session:
        links.peek(session, "mydata", token)


def _export(database: Database, token: str) -> dict:
    with database.session() as session:
        link = links.spend(session, "mydata", token)
        leader = session.get(Leader, link.leader_id) if link.leader_id else None
        if leader is None:
            raise links.LinkError("This profile is no longer in the directory.")
        return export(session, leader)


async def download(request: web.Request) -> web.Response:
    try:
        data = await asyncio.to_thread(_export, request.app[DATABASE], await posted_token(request))
    except links.LinkError as error:
        return page("Link not usable", str(error), status=400)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return web.Response(body=body, content_type="application/json", charset="utf-8", headers={
        "Content-Disposition": 'attachment; filename="leaders-connect-my-data.json"',
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def mount(app: web.Application, database: Database) -> None:
    app[DATABASE] = database
    app.router.add_get(PATH, download_page)
    app.router.add_post(PATH, download)
