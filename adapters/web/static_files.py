"""`/static/…`: the website's built CSS and JS, by content-hashed names, cached for a year.

The files are built by adapters/web/assets/ (`npm ci && npm run build`) and committed, so a deployment
serves them without Node. `manifest.json` maps each logical name (`leaders.css`) to its hashed file; a new
build is a new name, so browsers may keep every file forever (`immutable`). Only files the manifest
names are served: nothing else in the folder, and no path from the URL ever reaches the file system.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("static")
PREFIX = "/static/"
_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png"}
_LONG_CACHE = "public, max-age=31536000, immutable"


@cache
def manifest() -> dict[str, str]:
    """Logical name -> hashed file name, as the last asset build wrote it."""
    return dict(json.loads((STATIC_DIR / "manifest.json").read_text("utf-8")))


def asset_url(logical: str) -> str:
    """The URL of a built asset, e.g. asset_url("leaders.css") -> /static/leaders-<hash>.css."""
    return PREFIX + manifest()[logical]


@cache
def _served() -> dict[str, tuple[bytes, str]]:
    files = {}
    for hashed in manifest().values():
        files[hashed] = ((STATIC_DIR / hashed).read_bytes(), _TYPES[Path(hashed).suffix])
    return files


async def static_file(request: web.Request) -> web.Response:
    found = _served().get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    body, content_type = found
    return web.Response(body=body, content_type=content_type, charset="utf-8" if content_type.startswith(
        "text/") else None, headers={"Cache-Control": _LONG_CACHE, "X-Content-Type-Options": "nosniff"})


def mount(app: web.Application) -> None:
    app.router.add_get(PREFIX + "{name}", static_file)
