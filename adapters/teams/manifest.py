"""`leaders teams-package`: the Teams manifest, filled for this deployment, zipped with its icons.

The manifest template is complete and valid with placeholder ids and domains (the all-zero GUID and
leaders.example.gov.uk), so it can be checked against the schema as it is. Packaging replaces those fields
structurally — never by string substitution — from MICROSOFT_APP_ID and LEADERS_PUBLIC_URL (the personal
tab's address and its SSO resource too), and sets the app version when asked (Teams only takes an updated
upload whose version is higher).

The template ships inside the package (adapters/teams/manifest.json, package data), so the command works
from a wheel install as well as from a checkout; the repository's top-level manifest.json is the same
file (tests/test_teams_package_wheel.py keeps the two identical).
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapters.teams.icons import color_icon, outline_icon
from adapters.web.tab_token import TAB_PATH, resource_for

MANIFEST_PATH = Path(__file__).with_name("manifest.json")
_VERSION = re.compile(r"^\d{1,5}\.\d{1,5}\.\d{1,5}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class PackageError(ValueError):
    """A setting needed for the package is missing or wrong; the message names it."""


def load_template(path: Path = MANIFEST_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def fill(template: dict[str, Any], app_id: str, public_url: str,
         version: str | None = None) -> dict[str, Any]:
    if not app_id:
        raise PackageError("MICROSOFT_APP_ID is not set (the bot's Microsoft app id, a GUID)")
    if not _GUID.match(app_id):
        raise PackageError(f"MICROSOFT_APP_ID must be a GUID such as 00000000-0000-0000-0000-000000000000 "
                           f"(got {app_id[:40]!r})")
    if not public_url:
        raise PackageError("LEADERS_PUBLIC_URL is not set (the https address Teams reaches this server at)")
    parts = urlsplit(public_url)
    if parts.scheme != "https" or not parts.hostname:
        raise PackageError(f"LEADERS_PUBLIC_URL must be an https URL (got {public_url[:80]!r})")
    host, base = parts.netloc, f"https://{parts.netloc}{parts.path.rstrip('/')}"
    if version is not None and not _VERSION.match(version):
        raise PackageError(f"the app version must look like 1.0.1 (three numbers; got {version[:40]!r})")
    manifest = copy.deepcopy(template)
    manifest["id"] = app_id
    if version is not None:
        manifest["version"] = version
    for item in (*manifest.get("bots", []), *manifest.get("composeExtensions", [])):
        item["botId"] = app_id
    manifest["developer"].update(websiteUrl=base + "/", privacyUrl=base + "/privacy",
                                 termsOfUseUrl=base + "/terms")
    for tab in manifest.get("staticTabs", []):
        if "contentUrl" in tab:  # our own pages (the reserved "conversations" and "about" tabs have none)
            tab["contentUrl"] = base + TAB_PATH
            tab["websiteUrl"] = base + "/"
    manifest["validDomains"] = [host]
    # The Application ID URI form Microsoft documents for an app whose bot and tab share one Entra app;
    # the tab's SSO tokens carry it (v1) or the app id (v2) as their audience (adapters/web/tab_token.py).
    manifest["webApplicationInfo"] = {"id": app_id, "resource": resource_for(host, app_id)}
    return manifest


def build_package(app_id: str, public_url: str, template: dict[str, Any] | None = None,
                  version: str | None = None) -> bytes:
    """The upload-ready zip: manifest.json, color.png (192×192) and outline.png (32×32) at its root."""
    manifest = fill(template or load_template(), app_id, public_url, version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        archive.writestr(manifest["icons"]["color"], color_icon(192))
        archive.writestr(manifest["icons"]["outline"], outline_icon(32))
    return buffer.getvalue()
