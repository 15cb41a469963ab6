"""`leaders serve`: the README's run command on a fresh database, health, clean errors, clean shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from directory.database import Database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str | None = None) -> tuple[int, dict]:
    """GET a JSON endpoint; `token`: sent as the metrics bearer token (which /healthz's details need)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def serve(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    processes: list[subprocess.Popen[str]] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env.update(LEADERS_DATABASE_URL=database_url, PYTHONUNBUFFERED="1")

    def start(*args: str, **more_env: str) -> tuple[subprocess.Popen[str], str]:
        port = free_port()
        command = [sys.executable, "-m", "adapters.cli", "serve", "--port", str(port), *args]
        process = subprocess.Popen(command, cwd=tmp_path, env={**env, **more_env}, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"serve exited early: {process.stderr.read()}")
            try:
                get(base + "/healthz")
                return process, base
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        raise AssertionError("serve did not start within 60 s")

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    return stderr


def test_demo_serve_on_an_empty_database_then_never_reseeds(serve) -> None:  # type: ignore[no-untyped-def]
    token = "health-details-token-0123456789"
    process, base = serve("--demo", LEADERS_METRICS_TOKEN=token)
    status, body = get(base + "/healthz", token)
    assert status == 200
    assert body["status"] == "ok" and body["database"]["state"] == "ok"
    assert body["database"]["revision"] == Database("sqlite://").head_revision()
    assert body["scheduler"]["state"] == "running"
    stderr = stop(process)
    assert "Demo ready. In another terminal, in this directory, try:  " in stderr
    assert " -m adapters.cli chat --as " in stderr  # how this test started it; see test_the_chat_hint_…
    assert "shutting down" in stderr

    process, base = serve("--demo")
    stderr = stop(process)
    assert "already holds 500 leaders; not adding demo data" in stderr


def test_unknown_paths_get_json_404_and_wrong_method_405(serve) -> None:  # type: ignore[no-untyped-def]
    """API paths answer JSON; any other path is the website's, which answers with an HTML page."""
    process, base = serve("--no-scheduler")
    assert get(base + "/api/nope") == (404, {"error": "Not Found"})
    try:
        urllib.request.urlopen(base + "/nope", timeout=5)
        raise AssertionError("/nope should be a 404")
    except urllib.error.HTTPError as error:
        assert error.code == 404 and error.headers.get_content_type() == "text/html"
        assert b"Page not found" in error.read()
    request = urllib.request.Request(base + "/healthz", method="POST", data=b"x")
    try:
        urllib.request.urlopen(request, timeout=5)
        raise AssertionError("POST /healthz should be refused")
    except urllib.error.HTTPError as error:
        assert error.code == 405
    _, body = get(base + "/healthz")
    assert body["scheduler"] == {"state": "disabled"}
    stop(process)


def test_port_in_use_is_a_clear_error(database_url: str, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "LEADERS_DATABASE_URL": database_url}
        result = subprocess.run([sys.executable, "-m", "adapters.cli", "serve", "--no-scheduler",
                                 "--port", str(port)], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_the_chat_hint_gives_the_command_that_works(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After the README's install `leaders` is in .venv/bin, not on PATH: the hint says .venv/bin/leaders."""
    import adapters.cli.main  # noqa: F401 (the CLI registers its commands; run_commands is one of them)
    from adapters.cli.run_commands import chat_hint

    script = tmp_path / ".venv" / "bin" / "leaders"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [str(script), "serve", "--demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert chat_hint("a@b.gov.uk") == ".venv/bin/leaders chat --as a@b.gov.uk"
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert chat_hint("a@b.gov.uk") == "leaders chat --as a@b.gov.uk"  # on PATH: the short form works
