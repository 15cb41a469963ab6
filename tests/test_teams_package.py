"""`leaders teams-package`: the manifest validates against the official 1.29 schema, before and after
packaging, and the icons have the sizes Teams requires."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from adapters.teams.manifest import MANIFEST_PATH, PackageError, fill, load_template

SCHEMAS = Path(__file__).with_name("schemas")  # vendored copies of ../shared/schemas
SCHEMA = json.loads((SCHEMAS / "teams-manifest-1.29.schema.json").read_text())
APP_ID = "6f1c2a3b-1111-2222-3333-444455556666"


def validate(manifest: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(manifest)  # no check_schema: see the schemas' README


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)  # 8-bit RGBA
    idat, offset = b"", 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            idat += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    pixels = [raw[i + 1:i + stride] for i in range(0, len(raw), stride)]
    return width, height, [row[i:i + 4] for row in pixels for i in range(0, len(row), 4)]


def test_the_manifest_in_the_repository_validates() -> None:
    manifest = load_template()
    validate(manifest)
    assert manifest["manifestVersion"] == "1.29"
    bot = manifest["bots"][0]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    commands = {c["title"] for c in bot["commandLists"][0]["commands"]}
    assert {"help", "find", "profile"} <= commands
    (search,) = manifest["composeExtensions"][0]["commands"]
    assert search["id"] == "searchPeople" and search["type"] == "query"
    assert search["parameters"][0]["name"] == "query"


def run_package(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "MICROSOFT_", "SLACK_"))}
    clean["MICROSOFT_APP_TENANT_ID"] = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # SingleTenant, the default
    return subprocess.run([sys.executable, "-m", "adapters.cli", "teams-package", "--output", "app.zip",
                           "--manifest", str(MANIFEST_PATH), *args], cwd=tmp_path, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def test_packaging_needs_no_secret_and_can_raise_the_app_version(tmp_path: Path) -> None:
    """As docs/TEAMS.md writes it: the app id and the public URL, no MICROSOFT_APP_PASSWORD."""
    result = run_package(tmp_path, "--app-version", "1.0.3", MICROSOFT_APP_ID=APP_ID,
                         LEADERS_PUBLIC_URL="https://leaders.digital.gov.uk")
    assert result.returncode == 0, result.stderr
    assert "app version 1.0.3" in result.stdout
    with zipfile.ZipFile(tmp_path / "app.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    validate(manifest)
    assert manifest["version"] == "1.0.3"
    bad = run_package(tmp_path, "--app-version", "next", MICROSOFT_APP_ID=APP_ID,
                      LEADERS_PUBLIC_URL="https://leaders.digital.gov.uk")
    assert bad.returncode == 2 and "the app version must look like 1.0.1" in bad.stderr


def test_teams_package_writes_an_upload_ready_zip(tmp_path: Path) -> None:
    result = run_package(tmp_path, MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="secret",
                         LEADERS_PUBLIC_URL="https://leaders.digital.gov.uk")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "app.zip") as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = read_png(archive.read("color.png"))
        outline = read_png(archive.read("outline.png"))
    validate(manifest)
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["composeExtensions"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["leaders.digital.gov.uk"]
    assert manifest["webApplicationInfo"] == {"id": APP_ID,
                                              "resource": f"api://leaders.digital.gov.uk/botid-{APP_ID}"}
    tab = next(tab for tab in manifest["staticTabs"] if tab["entityId"] == "directory")
    assert tab["contentUrl"] == "https://leaders.digital.gov.uk/tab" and tab["scopes"] == ["personal"]
    assert tab["websiteUrl"] == "https://leaders.digital.gov.uk/"
    assert "00000000-0000" not in json.dumps(manifest) and "example.gov.uk" not in json.dumps(manifest)
    assert color[:2] == (192, 192) and all(px[3] == 255 for px in color[2])  # opaque
    assert outline[:2] == (32, 32)
    alphas = {px[3] for px in outline[2]}
    assert alphas == {0, 255}  # transparent background …
    assert all(px[:3] == b"\xff\xff\xff" for px in outline[2] if px[3])  # … and a white mark


@pytest.mark.parametrize(("env", "message"), [
    ({"LEADERS_PUBLIC_URL": "https://leaders.digital.gov.uk"}, "MICROSOFT_APP_ID is not set"),
    ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "s"}, "LEADERS_PUBLIC_URL is not set"),
    ({"MICROSOFT_APP_ID": "not-a-guid", "MICROSOFT_APP_PASSWORD": "s",
      "LEADERS_PUBLIC_URL": "https://x.gov.uk"}, "MICROSOFT_APP_ID must be a GUID"),
    ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "s", "LEADERS_PUBLIC_URL": "http://x.gov.uk"},
     "must be an https URL"),
])
def test_missing_settings_are_a_clear_error(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = run_package(tmp_path, **env)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "app.zip").exists()


def test_fill_keeps_a_path_prefix_in_urls() -> None:
    manifest = fill(load_template(), APP_ID, "https://gov.example.org/leaders/")
    assert manifest["developer"]["privacyUrl"] == "https://gov.example.org/leaders/privacy"
    assert manifest["staticTabs"][1]["contentUrl"] == "https://gov.example.org/leaders/tab"
    assert manifest["webApplicationInfo"]["resource"] == f"api://gov.example.org/botid-{APP_ID}"
    validate(manifest)
    with pytest.raises(PackageError):
        fill(load_template(), "", "https://gov.example.org")
