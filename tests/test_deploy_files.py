"""The container file and systemd units docs/DEPLOY.md shows are the files in the repository, and they are
linted: every unit passes `systemd-analyze verify` (when the machine has it) with the service's real
command line, every command they run parses with the real CLI, and the Containerfile copies what exists,
installs the package and runs the `leaders` entry point on the port the server listens on."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest

from adapters.cli.main import cli
from directory.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DEPLOY = (REPO / "docs" / "DEPLOY.md").read_text()
UNITS = sorted((REPO / "docs" / "systemd").glob("*.service"))
CONTAINERFILE = REPO / "Containerfile"
INSTRUCTIONS = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
                "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}


def doc_blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DEPLOY, re.S)


def test_the_docs_show_exactly_the_files_in_the_repository() -> None:
    assert [u.name for u in UNITS] == ["leaders-scheduler.service", "leaders-web@.service",
                                       "leaders-worker@.service"]
    assert sorted(doc_blocks("ini")) == sorted(u.read_text() for u in UNITS)
    assert doc_blocks("dockerfile") == [CONTAINERFILE.read_text()]


def leaders_args(command: str) -> list[str]:
    argv = shlex.split(command)
    assert argv[0].endswith("/leaders") or argv[0] == "leaders", command
    return argv[1:]


def parses(args: list[str]) -> None:
    """The real CLI accepts these arguments (a typo'd command or flag fails here, as it would at start)."""
    assert isinstance(cli, click.Group)
    context = click.Context(cli, info_name="leaders")
    name, command, rest = cli.resolve_command(context, list(args))
    assert command is not None, args
    command.make_context(name or "", list(rest), parent=context)


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_is_valid_and_runs_a_real_command(unit: Path, tmp_path: Path) -> None:
    text = unit.read_text()
    sections = re.findall(r"^\[(\w+)\]$", text, re.M)
    assert sections == ["Unit", "Service", "Install"]
    (exec_start,) = re.findall(r"^ExecStart=(.+)$", text, re.M)
    assert exec_start.startswith("/opt/leaders/.venv/bin/leaders ")
    parses(leaders_args(exec_start))
    assert "EnvironmentFile=/etc/leaders/leaders.env" in text and "User=leaders" in text
    assert "KillSignal=SIGTERM" in text  # what the service drains on
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here; the structure was checked")
    # The same unit, pointing at this environment's real `leaders`, instantiated if it is a template.
    here = str(Path(sys.executable).with_name("leaders"))
    copy = tmp_path / unit.name.replace("@.", "@1.")
    copy.write_text(text.replace("/opt/leaders/.venv/bin/leaders", here)
                    .replace("User=leaders", "User=root")
                    .replace("WorkingDirectory=/var/lib/leaders", f"WorkingDirectory={tmp_path}"))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if copy.name in line or "Unknown" in line or "bad" in line]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr


def instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", CONTAINERFILE.read_text())
    found = []
    for line in joined.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword, rest.strip()))
    return found


def test_the_containerfile_builds_what_the_package_needs() -> None:
    steps = instructions()
    assert all(keyword in INSTRUCTIONS for keyword, _ in steps), steps
    assert steps[0][0] == "FROM" and steps[0][1].startswith("python:3.11")
    for keyword, rest in steps:
        if keyword == "COPY":
            *sources, _ = rest.split()
            for source in sources:
                assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    copied = {s for k, r in steps if k == "COPY" for s in r.split()[:-1]}
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert {p.rstrip("*") for p in packages["include"]} | {"pyproject.toml"} <= copied
    assert any(k == "RUN" and "pip install" in r and " ." in r for k, r in steps)
    users = [r for k, r in steps if k == "USER"]
    assert users and users[-1] not in ("root", "0")  # the service does not run as root
    (entry,) = [r for k, r in steps if k == "ENTRYPOINT"]
    assert entry == '["leaders"]'
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert "leaders" in scripts
    (cmd,) = [r for k, r in steps if k == "CMD"]
    parses(json.loads(cmd))
    (expose,) = [r for k, r in steps if k == "EXPOSE"]
    env = dict(item.split("=", 1) for k, r in steps if k == "ENV" for item in shlex.split(r))
    assert env["LEADERS_PORT"] == expose == str(Settings(_env_file=None).port)  # type: ignore[call-arg]
    (health,) = [r for k, r in steps if k == "HEALTHCHECK"]
    assert f"127.0.0.1:{expose}/healthz" in health


def test_the_run_commands_in_the_docs_parse() -> None:
    (block,) = [b for b in re.findall(r"```sh\n(.*?)```", DEPLOY, re.S) if "podman run" in b]
    for line in block.splitlines():
        if line.startswith("podman run"):
            command = line.split("#", 1)[0].split("leaders-connect", 1)[1]
            parses(shlex.split(command))


def test_a_bad_command_would_be_caught() -> None:
    with pytest.raises(click.UsageError):
        parses(["serve", "--no-such-flag"])
