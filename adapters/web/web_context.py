"""What every website page knows about its request — who is looking, the CSP nonce — and rendering.

Pages use these through adapters/web/site_kit.py; the security middleware (web_security.py) fills them
in before a handler runs. Templates are Jinja with autoescape on for every template: a value from the
database or a form is text, never markup, unless a renderer marks it safe on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup, escape

from adapters.server import SERVICES
from adapters.web.static_files import asset_url
from directory.web_sessions import ActiveSession

TEMPLATES = Path(__file__).with_name("templates")
# Request keys, set by web_security.site_security before a handler runs.
NONCE: web.RequestKey[str] = web.RequestKey("leaders_csp_nonce", str)
ACTIVE: web.RequestKey[ActiveSession] = web.RequestKey("leaders_active_session", ActiveSession)
CSRF_FIELD = "csrf_token"

# The sections of the service navigation: (section, label, path). Staff only for staff.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("find", "Find people", "/find"),
    ("profile", "Your profile", "/profile"),
    ("intros", "Introductions", "/intros"),
    ("polls", "Polls", "/polls"),
    ("library", "Library", "/library"),
    ("settings", "Settings", "/settings"),
)
STAFF_SECTION = ("staff", "Staff console", "/staff")


@dataclass(frozen=True)
class WebViewer:
    """Who is looking; built from the session on every request."""

    leader_id: int
    full_name: str
    is_staff: bool
    in_tab: bool  # the page is inside the Teams tab
    session_id: str  # opaque; never shown


VIEWER: web.RequestKey[WebViewer] = web.RequestKey("leaders_viewer", WebViewer)


def viewer(request: web.Request) -> WebViewer | None:
    """The signed-in leader looking at this page, or None."""
    return request.get(VIEWER)


def active_session(request: web.Request) -> ActiveSession | None:
    return request.get(ACTIVE)


def csp_nonce(request: web.Request) -> str:
    return str(request.get(NONCE, ""))


def csrf_token(request: web.Request) -> str:
    """The token every form of a signed-in page carries (empty when signed out: nothing to protect)."""
    active = active_session(request)
    return active.csrf_secret if active else ""


def navigation(request: web.Request) -> list[tuple[str, str, str]]:
    """The sections this viewer may use (signed out: none)."""
    who = viewer(request)
    if who is None:
        return []
    return [*SECTIONS, STAFF_SECTION] if who.is_staff else list(SECTIONS)


def setup(app: web.Application) -> None:
    """Jinja for the site: our templates, then govuk-frontend-jinja's under their own prefix."""
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(TEMPLATES)),
        jinja2.PrefixLoader({"govuk_frontend_jinja":
                             jinja2.PackageLoader("govuk_frontend_jinja", "templates")}),
    ])
    env = aiohttp_jinja2.setup(app, loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                               undefined=jinja2.ChainableUndefined)
    env.globals["asset"] = asset_url


def context_for(request: web.Request, context: dict[str, Any]) -> dict[str, Any]:
    token = csrf_token(request)
    return {
        "viewer": viewer(request),
        "csrf_token": token,
        "csrf_input": Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'),
        "csp_nonce": csp_nonce(request),
        "nav": navigation(request),
        "services": request.app[SERVICES],
        "current_path": request.path,
        **context,
    }


def render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    """A page from `adapters/web/templates/`, with viewer, csrf_token, csp_nonce, nav and services added."""
    return aiohttp_jinja2.render_template(template, request, context_for(request, context), status=status)
