"""The website (issue 17): templates, static files, and every page module's routes, on the one server.

`build_app` calls `mount_site`; the security middleware (web_security.site_security) is in the app's
middleware list from the start. Each page module has a `mount(app)`; a module still being written on
another branch is simply absent, so it is mounted only when it exists.
"""

from __future__ import annotations

import importlib.util
import logging
from importlib import import_module

from aiohttp import web

from adapters.bootstrap import Services
from adapters.web import home, static_files, web_context, web_signin

log = logging.getLogger(__name__)
# The page modules of issue 17, by owner (docs/WEB.md). Order does not matter: their paths do not overlap.
PAGE_MODULES = (
    "adapters.web.leader_pages",  # /find, /people/<id>, /profile
    "adapters.web.engagement_pages",  # /intros, /polls, /library, /settings
    "adapters.web.staff",  # /staff…
    "adapters.web.tab",  # /tab…
)


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def mount_site(app: web.Application, services: Services) -> None:
    web_context.setup(app)
    static_files.mount(app)
    home.mount(app)
    web_signin.mount(app)
    for name in PAGE_MODULES:
        if _present(name):
            import_module(name).mount(app)
