"""Finding 6: log lines cannot be forged, no personal data reaches the log at any level (`-v` included),
and the files that hold the directory are readable by their owner only.

The logging tests run real turns through the real server with the logging the `leaders` command installs
(adapters/logs.py), captured from its handler."""

from __future__ import annotations

import io
import logging
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.logs import NAMES_ONLY_LOGGERS, OUR_LOGGERS, configure, one_line
from directory.database import Database
from tests.slack_fakes import FakeSlack, RunningServer
from tests.test_serve import serve as serve  # the fixture: `leaders serve` as a process

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk", "+44 7700 900101")
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+: ")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """What `leaders -v …` would write to stderr, with the logging configuration put back afterwards."""
    root = logging.getLogger()
    names = {*logging.root.manager.loggerDict, *OUR_LOGGERS, *NAMES_ONLY_LOGGERS}
    saved = (root.level, list(root.handlers), {name: logging.getLogger(name).level for name in names})
    out = io.StringIO()
    configure(verbose=True, stream=out)
    yield out
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


async def home_and_dm(server: RunningServer, fake_slack: FakeSlack) -> None:
    """Áine opens her Home tab and asks for her profile in a DM: her email and phone go to Slack through
    slack_sdk (`views.publish`, `chat.postMessage`), and `users.info` tells us her email."""
    await server.event({"type": "app_home_opened", "user": AINE[0], "channel": "D0AINE", "tab": "home",
                        "event_ts": "1700000000.000300"}, "Ev0LOGHOME")
    await server.event({"type": "message", "channel_type": "im", "channel": "D0AINE", "user": AINE[0],
                        "text": "profile", "ts": "1700000000.000400"}, "Ev0LOGDM")
    posted = await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage")
                                       and fake_slack.called("views.publish"))
    assert AINE[2] in str(fake_slack.called("chat.postMessage")[0].body)  # the phone really was sent
    assert posted


async def test_no_personal_data_in_the_log_even_with_verbose(server: RunningServer, fake_slack: FakeSlack,
                                                             captured: io.StringIO) -> None:
    await home_and_dm(server, fake_slack)
    log = captured.getvalue()
    assert "command profile on slack" in log  # -v really is on: our own debug lines are there
    assert AINE[1] not in log and AINE[2] not in log and "Áine" not in log
    assert "xoxb-" not in log


async def test_the_same_turn_under_plain_debug_logging_would_leak(server: RunningServer,
                                                                  fake_slack: FakeSlack) -> None:
    """The control for the test above: what `logging.basicConfig(level=DEBUG)` — the old `-v` — wrote."""
    root = logging.getLogger()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        await home_and_dm(server, fake_slack)
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)
    assert AINE[2] in out.getvalue()  # slack_sdk's request bodies


async def test_a_newline_in_an_action_id_cannot_forge_a_log_line(server: RunningServer, fake_slack: FakeSlack,
                                                                 captured: io.StringIO) -> None:
    forged = "2026-12-01 09:00:00,000 WARNING leaders.serve: staff role granted to mallory"
    await server.press(f"nosuch:x\n{forged}\x1b[2J", AINE[0], response_url=fake_slack.response_url("p"))
    await fake_slack.wait_for(lambda: fake_slack.responses)
    log = captured.getvalue()
    assert "unknown action or form" in log
    for line in log.splitlines():
        assert RECORD_START.match(line) or line.startswith("    | "), line
        assert not line.startswith(forged)
    assert "\x1b" not in log


def test_tracebacks_and_messages_stay_inside_their_record(captured: io.StringIO) -> None:
    log = logging.getLogger("adapters.test")
    try:
        raise ValueError("bad value\n2026-12-01 09:00:00,000 INFO leaders.serve: forged")
    except ValueError:
        log.exception("failed on %s", "a path\r\nwith a break\u2028and a separator")
    lines = captured.getvalue().splitlines()
    assert RECORD_START.match(lines[0]) and lines[0].endswith(
        "failed on a path\\r\\nwith a break\\u2028and a separator")
    assert len(lines) > 2 and all(line.startswith("    | ") for line in lines[1:])
    assert one_line("tab\there\x00") == "tab\\there\\x00"


def test_a_failed_statement_logs_no_row_values(db: Database, captured: io.StringIO) -> None:
    """PostgreSQL puts the offending values in its error's DETAIL line (`Key (email_key)=(…) already
    exists`, `Failing row contains (…)`), which `hide_parameters` does not reach. A traceback of such a
    failure must not carry them; on SQLite the message names only the constraint."""
    from sqlalchemy.exc import IntegrityError

    from directory.models import Leader
    from tests.helpers import load_sample

    load_sample(db)
    try:
        with db.session() as session:
            session.add(Leader(email=AINE[1], email_key=AINE[1], full_name="Áine Again", role="r",
                               organisation="o", sector="health", phone=AINE[2]))
            session.flush()
    except IntegrityError:
        logging.getLogger("bot.engine").exception("the turn failed")
    written = captured.getvalue()
    assert "the turn failed" in written and "IntegrityError" in written
    assert AINE[1] not in written and AINE[2] not in written and "Áine Again" not in written


def test_libraries_stay_at_warning_unless_named(captured: io.StringIO) -> None:
    for name, level in (("slack_sdk.web.async_base_client", logging.DEBUG),
                        ("sqlalchemy.engine", logging.INFO), ("urllib3.connectionpool", logging.DEBUG),
                        ("msal.application", logging.INFO)):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)  # even a library that turns itself up is held back by the handler
        logger.log(level, "body: %s", AINE[1])
    logging.getLogger("apscheduler.scheduler").info("Added job %s", "digest")
    logging.getLogger("slack_sdk").warning("a library warning is kept")
    log = captured.getvalue()
    assert AINE[1] not in log and "Added job digest" in log and "a library warning is kept" in log


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, under which files are world-readable
    try:
        database = Database(f"sqlite:///{tmp_path / 'leaders.db'}")
        database.ensure_ready()
        with database.engine.connect() as connection:  # the WAL and shared-memory files exist while open
            connection.execute(text("SELECT count(*) FROM leader"))
            files = sorted(p.name for p in tmp_path.iterdir())
            assert files == ["leaders.db", "leaders.db-shm", "leaders.db-wal"]
            assert {mode_of(tmp_path / name) for name in files} == {0o600}
        database.dispose()
    finally:
        os.umask(old)


def test_leaders_creates_its_database_and_exports_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    run = [sys.executable, "-m", "adapters.cli"]
    done = subprocess.run([*run, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert mode_of(tmp_path / "leaders.db") == 0o600  # the default sqlite:///leaders.db
    done = subprocess.run([*run, "export", "-o", "directory.csv"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert mode_of(tmp_path / "directory.csv") == 0o600


def test_an_export_over_an_older_readable_file_is_private_too(leaders, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Today's export written over last week's `directory.csv`, made before exports were private (or by
    `touch` under the usual umask): opening an existing file keeps its mode, so it must be set."""
    old = tmp_path / "directory.csv"
    old.write_text("last week's export\n")
    old.chmod(0o644)
    done = leaders("export", "-o", str(old))
    assert done.returncode == 0, done.stderr
    assert mode_of(old) == 0o600 and old.read_text().startswith("email,")


def test_an_existing_readable_database_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "old.db"
    path.touch()
    path.chmod(0o644)
    Database(f"sqlite:///{path}").dispose()
    assert "can be read by other users (mode 0644)" in caplog.text
    assert mode_of(path) == 0o644  # the operator's file: reported, not changed behind their back


def test_malformed_http_is_not_logged_with_its_bytes(serve) -> None:  # type: ignore[no-untyped-def]
    """aiohttp logs every request it cannot parse at ERROR, with a traceback quoting the offending line:
    a browser's over-long Cookie header (a sign-in secret, a sibling site's session) or a header
    naming someone lands in the log, and any stranger can write a dozen ERROR lines per request."""
    import socket
    from urllib.parse import urlsplit

    from tests.test_serve import stop

    process, base = serve("--no-scheduler", "--no-workers")
    address = urlsplit(base)
    secret = "__Host-leaders-signin-0123456789abcdef=S3cretS3cretS3cret"
    for raw in (f"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: {secret}; {'a=b; ' * 2000}\r\n\r\n",
                f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: {AINE[1]}\x01\r\n\r\n"):
        with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
            connection.sendall(raw.encode())
            assert connection.recv(100).startswith(b"HTTP/1.")  # refused with a 400, not hung
    stderr = stop(process)
    assert "S3cret" not in stderr and AINE[1] not in stderr and "Traceback" not in stderr


async def test_leaders_v_serve_logs_no_personal_data_and_no_forged_line(
        db: Database, database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> None:
    """The two logging findings through the command itself, not a configuration the test installs:
    `leaders -v serve` answers Áine's DM (her phone goes to Slack through slack_sdk, which logs request
    bodies at DEBUG) and a button whose action id carries a newline and a whole forged record."""
    import asyncio
    import signal
    import time

    from aiohttp import ClientError, ClientSession

    from tests.helpers import load_sample
    from tests.slack_fakes import BOT_TOKEN, SIGNING_SECRET, block_actions, event_callback, post_signed
    from tests.test_serve import free_port

    load_sample(db)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env.update(LEADERS_DATABASE_URL=database_url, LEADERS_PORT=str(port), SLACK_SIGNING_SECRET=SIGNING_SECRET,
               SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.api_url, PYTHONUNBUFFERED="1")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", "-v", "serve", "--no-scheduler", "--no-workers", cwd=tmp_path,
        env=env, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    stderr = asyncio.create_task(process.stderr.read())  # read all along: -v writes a lot
    base = f"http://127.0.0.1:{port}"
    forged = "2026-12-01 09:00:00,000 WARNING leaders.serve: staff role granted to mallory"
    try:
        async with ClientSession() as session:
            deadline = time.monotonic() + 60
            while True:
                assert time.monotonic() < deadline and process.returncode is None, "serve did not start"
                try:
                    async with session.get(base + "/healthz") as response:
                        if response.status == 200:
                            break
                except ClientError:
                    pass
                await asyncio.sleep(0.2)
            dm = event_callback({"type": "message", "channel_type": "im", "channel": "D0AINE",
                                 "user": AINE[0], "text": "profile", "ts": "1700000000.000400"},
                                event_id="Ev0CLILOG")
            await post_signed(session, base + "/slack/events", dm, content_type="application/json")
            await post_signed(session, base + "/slack/events",
                              block_actions(f"nosuch:x\n{forged}", user_id=AINE[0],
                                            response_url=fake_slack.response_url("p")),
                              content_type="application/x-www-form-urlencoded")
            await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage") and fake_slack.responses,
                                      timeout=30)
        assert AINE[2] in str(fake_slack.called("chat.postMessage")[0].body)  # the phone was sent
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await process.wait()
    log = (await stderr).decode()
    assert AINE[1] not in log and AINE[2] not in log and "xoxb-" not in log
    assert not any(line.startswith(forged) for line in log.splitlines())
    assert "command profile on slack" in log and "unknown action or form" in log  # -v really is on
