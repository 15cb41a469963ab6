"""`leaders teams-package` from a wheel install, not an editable checkout: the manifest template is
package data. Builds the project's wheel, installs it (no dependencies: they come from this test's own
environment, read-only) into a fresh virtualenv, and runs that virtualenv's `leaders teams-package` in an
empty directory with no MICROSOFT_APP_PASSWORD."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

from adapters.teams.manifest import MANIFEST_PATH

REPO = Path(__file__).resolve().parents[1]
APP_ID = "6f1c2a3b-1111-2222-3333-444455556666"


def test_the_packaged_template_is_the_repositorys_manifest() -> None:
    assert json.loads((REPO / "manifest.json").read_text()) == json.loads(MANIFEST_PATH.read_text())


def test_teams_package_works_from_a_wheel_install(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a clean copy, so the build leaves nothing in the checkout
    files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "-z"],
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((REPO / name).read_bytes())
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--quiet", "-w", str(wheels), str(source)], capture_output=True, text=True,
                           timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("leaders_connect-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "adapters/teams/manifest.json" in archive.namelist()

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # The dependencies, from this environment's site-packages (a plain path: its .pth files, such as the
    # editable install of this checkout, are not run from there).
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--no-index", "--quiet", str(wheel)], capture_output=True, text=True,
                               timeout=300)
    assert installed.returncode == 0, installed.stderr

    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "MICROSOFT_", "SLACK_"))}
    env.pop("PYTHONPATH", None)
    env.update(MICROSOFT_APP_ID=APP_ID, LEADERS_PUBLIC_URL="https://leaders.digital.gov.uk")
    where = subprocess.run([str(python), "-c", "import adapters; print(adapters.__file__)"], cwd=run_dir,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(purelib), where  # the wheel's copy, not this checkout
    result = subprocess.run([str(env_dir / "bin" / "leaders"), "teams-package", "--app-version", "1.2.0"],
                            cwd=run_dir, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(run_dir / "leaders-connect-teams.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == APP_ID and manifest["version"] == "1.2.0"
    assert manifest["developer"]["privacyUrl"] == "https://leaders.digital.gov.uk/privacy"
