"""The staff console under `/staff`: polls, content, announcements, outbox, audit log, directory health
and staff members. Every handler is wrapped in `site_kit.staff_page` (signed out: to sign-in; not staff:
a 403 that says nothing of what is here), and every change is audited as its CLI command audits it."""

from __future__ import annotations

from aiohttp import web


def mount(app: web.Application) -> None:
    from adapters.web.staff import announcements, content, members, operations, polls

    for part in (operations, polls, content, announcements, members):
        part.mount(app)
