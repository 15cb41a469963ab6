"""`/mydata`: the one-time download of everything held about a leader (their `mydata` command's link).

GET shows a button, POST spends the link and returns the JSON as a file. The export is built at that
moment, so it is current, and the audit log records that it was handed out.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from adapters.web.pages import BadForm, page, posted_token, same_origin
from directory import links
from directory.accounts import linked_leader
from directory.data_rights import export
from directory.database import Database
from directory.models import Leader
from directory.settings import Settings

PATH = "/mydata"
DATABASE: web.AppKey[Database] = web.AppKey("mydata_database", Database)
SETTINGS: web.AppKey[Settings] = web.AppKey("mydata_settings", Settings)


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
        # The account the link was given to must still be linked to that leader: removing a compromised
        # account's link also stops an export link it had already been handed.
        if leader is None or linked_leader(session, links.identity_of(link)) is not leader:
            session.commit()  # the link stays spent
            raise links.LinkError("This link belongs to a chat account that is no longer linked to a "
                                  "profile.")
        return export(session, leader)


async def download(request: web.Request) -> web.Response:
    if not same_origin(request, request.app[SETTINGS].base_url):
        return page("Link not usable", "This download was requested from another website, so it was "
                    "refused. Open the link the bot gave you directly.", status=403)
    try:
        data = await asyncio.to_thread(_export, request.app[DATABASE], await posted_token(request))
    except BadForm:
        return page("Link not usable", "That request could not be read.", status=400)
    except links.LinkError as error:
        return page("Link not usable", str(error), status=400)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return web.Response(body=body, content_type="application/json", charset="utf-8", headers={
        "Content-Disposition": 'attachment; filename="leaders-connect-my-data.json"',
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def mount(app: web.Application, database: Database, settings: Settings) -> None:
    app[DATABASE] = database
    app[SETTINGS] = settings
    app.router.add_get(PATH, download_page)
    app.router.add_post(PATH, download)
