"""The website's public pages: home, the accessibility statement, cookies, and the privacy notice and
terms (whose text lives in legal.py, where the Teams manifest's links have always pointed)."""

from __future__ import annotations

from aiohttp import web

from adapters.web import legal
from adapters.web.site_kit import SERVICES, render
from directory import web_sessions


async def home(request: web.Request) -> web.Response:
    return render(request, "home.html", {})


async def accessibility(request: web.Request) -> web.Response:
    settings = request.app[SERVICES].settings
    return render(request, "accessibility.html", {
        "operator": settings.operator_name or "The Leaders Connect team",
        "contact": settings.support_contact or settings.operator_contact or legal.NOT_SET})


async def cookies(request: web.Request) -> web.Response:
    return render(request, "cookies.html", {
        "idle_hours": int(web_sessions.IDLE.total_seconds() // 3600),
        "absolute_hours": int(web_sessions.ABSOLUTE.total_seconds() // 3600)})


async def privacy(request: web.Request) -> web.Response:
    return render(request, "document.html", {
        "title": "Privacy notice", "sections": legal.privacy_sections(request.app[SERVICES].settings)})


async def terms(request: web.Request) -> web.Response:
    return render(request, "document.html", {
        "title": "Terms of use", "sections": legal.terms_sections(request.app[SERVICES].settings)})


def mount(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/accessibility", accessibility)
    app.router.add_get("/cookies", cookies)
    app.router.add_get("/privacy", privacy)
    app.router.add_get("/terms", terms)
