"""The committed website assets are the build of the committed sources (adapters/web/assets/).

Deployment serves adapters/web/static/ without Node, so a change to the Sass, the build script or the
pinned packages must come with a rebuild (`npm ci && npm run build`, docs/WEB.md): the build writes the
SHA-256 of each source into build-stamp.json, and this test recomputes them.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "adapters" / "web" / "assets"
STATIC = ASSETS.parent / "static"
# govuk-frontend-jinja release -> the govuk-frontend release it is a port of (its README's table).
JINJA_TRACKS = {"4.1.0": "6.3.0"}


def stamp() -> dict:
    return json.loads((STATIC / "build-stamp.json").read_text("utf-8"))


def test_the_build_is_up_to_date_with_its_sources() -> None:
    recorded = stamp()["sources"]
    assert set(recorded) == {"build.mjs", "package.json", "package-lock.json", "src/leaders.scss",
                             "src/tab.js"}
    for source, digest in recorded.items():
        assert hashlib.sha256((ASSETS / source).read_bytes()).hexdigest() == digest, (
            f"{source} changed since the last build: cd adapters/web/assets && npm ci && npm run build")


def test_every_built_file_is_named_for_its_content() -> None:
    manifest = json.loads((STATIC / "manifest.json").read_text("utf-8"))
    assert set(manifest) == {"leaders.css", "govuk-frontend.min.js", "microsoft-teams.min.js", "tab.js"}
    for logical, hashed in manifest.items():
        body = (STATIC / hashed).read_bytes()
        stem = logical.split(".", 1)[0]
        assert hashed == f"{stem}-{hashlib.sha256(body).hexdigest()[:12]}.{logical.split('.', 1)[1]}"
    built = {p.name for p in STATIC.iterdir()} - {"manifest.json", "build-stamp.json"}
    assert built == set(manifest.values())  # nothing stale left behind


def test_govuk_frontend_is_the_release_the_jinja_port_tracks() -> None:
    package = json.loads((ASSETS / "package.json").read_text("utf-8"))
    lock = json.loads((ASSETS / "package-lock.json").read_text("utf-8"))
    tracked = JINJA_TRACKS[version("govuk-frontend-jinja")]
    assert package["devDependencies"]["govuk-frontend"] == tracked  # pinned exactly, not a range
    assert lock["packages"]["node_modules/govuk-frontend"]["version"] == tracked
    assert stamp()["govuk-frontend"] == tracked


def test_the_stylesheet_uses_helvetica_and_arial_not_gds_transport() -> None:
    css = (STATIC / json.loads((STATIC / "manifest.json").read_text("utf-8"))["leaders.css"]).read_text()
    assert "helvetica,arial,sans-serif" in css.replace(", ", ",")
    assert "GDS Transport" not in css and "@font-face" not in css


def test_the_teams_library_is_pinned_and_is_the_one_served() -> None:
    """The tab loads @microsoft/teams-js from our /static/ (no CDN): exactly the pinned release."""
    package = json.loads((ASSETS / "package.json").read_text("utf-8"))
    lock = json.loads((ASSETS / "package-lock.json").read_text("utf-8"))
    pinned = package["devDependencies"]["@microsoft/teams-js"]
    assert pinned[0].isdigit() and lock["packages"]["node_modules/@microsoft/teams-js"]["version"] == pinned
    assert stamp()["@microsoft/teams-js"] == pinned
