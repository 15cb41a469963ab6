"""Finding 6: `/metrics` is not open to anyone, and names no organisation. Real `leaders serve` and
`leaders worker` processes, scraped over HTTP as Prometheus would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from directory.database import Database
from scheduler.delivery_metrics import lane_label
from tests.delivery_helpers import make_accounts, queue
from tests.test_delivery_cli import METRICS_TOKEN
from tests.test_serve import free_port, get, stop
from tests.test_serve import serve as serve  # the fixture: `leaders serve` as a process

TENANT = "6f1c2d3e-aaaa-bbbb-cccc-000000000001"


def scrape(url: str, authorization: str | None = None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Authorization": authorization} if authorization else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_without_a_token_the_public_port_serves_no_metrics(serve, db: Database) -> None:  # type: ignore[no-untyped-def]
    queue(db, make_accounts(db, "teams", TENANT, 1))
    process, base = serve()
    status, body, _ = scrape(base + "/metrics")
    assert status == 404 and "LEADERS_METRICS_TOKEN" in body and "leaders_outbox" not in body
    assert get(base + "/healthz")[0] == 200  # health stays open: load balancers need it
    assert "/metrics is not served on port" in stop(process)


def test_with_a_token_metrics_need_it_and_lanes_are_opaque(serve, db: Database) -> None:  # type: ignore[no-untyped-def]
    queue(db, make_accounts(db, "teams", TENANT, 2))
    metrics_port = free_port()
    process, base = serve("--metrics-port", str(metrics_port), LEADERS_METRICS_TOKEN=METRICS_TOKEN,
                          LEADERS_DELIVERY_POLL_SECONDS="0.1")
    for authorization in (None, "Bearer wrong-token-wrong-token-wrong", f"Basic {METRICS_TOKEN}",
                          f"Bearer {METRICS_TOKEN}x"):
        status, body, headers = scrape(base + "/metrics", authorization)
        assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer") and "leaders_" not in body
    deadline = time.monotonic() + 30
    while lane_label(f"teams:{TENANT}") not in \
            (health := get(base + "/healthz", METRICS_TOKEN)[1])["delivery"]["lanes"]:
        assert time.monotonic() < deadline, health  # the in-process worker takes the tenant's lane
        time.sleep(0.1)
    status, body, _ = scrape(base + "/metrics", f"Bearer {METRICS_TOKEN}")
    assert status == 200 and f'lane="{lane_label("teams:" + TENANT)}"' in body
    assert TENANT not in body and TENANT not in json.dumps(health)
    # The private port honours the token too once one is configured.
    assert scrape(f"http://127.0.0.1:{metrics_port}/metrics")[0] == 401
    assert scrape(f"http://127.0.0.1:{metrics_port}/metrics", f"Bearer {METRICS_TOKEN}")[0] == 200
    stop(process)


def test_a_private_metrics_port_without_a_token(serve) -> None:  # type: ignore[no-untyped-def]
    metrics_port = free_port()
    process, base = serve("--metrics-port", str(metrics_port), "--no-scheduler", "--no-workers")
    assert scrape(base + "/metrics")[0] == 404
    status, body, _ = scrape(f"http://127.0.0.1:{metrics_port}/metrics")
    assert status == 200 and "leaders_database_up 1" in body
    stop(process)


def test_a_weak_token_is_refused_at_start(database_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env.update(LEADERS_DATABASE_URL=database_url, LEADERS_METRICS_TOKEN="secret")
    done = subprocess.run([sys.executable, "-m", "adapters.cli", "serve"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "LEADERS_METRICS_TOKEN" in done.stderr and "24" in done.stderr


def test_outbox_names_each_lane_beside_its_metrics_label(leaders, db: Database) -> None:  # type: ignore[no-untyped-def]
    queue(db, make_accounts(db, "teams", TENANT, 1))
    data = json.loads(leaders("outbox", "--json").stdout)
    assert [(c["lane"], c["metrics_lane"]) for c in data["counts"]] == \
        [(f"teams:{TENANT}", lane_label(f"teams:{TENANT}"))]


def test_public_health_names_no_lane_host_or_version(serve, db: Database) -> None:  # type: ignore[no-untyped-def]
    """`/healthz` on the public port is open (load balancers need it), so it must not carry what `/metrics`
    is protected for: a lane's label is a plain digest of the tenant id, and a tenant id is public (any
    organisation's is in its OpenID metadata), so anyone could confirm which organisations use the
    service. Nor the host name, process id or schema revision. The states stay; the details need the
    metrics token (or the private metrics port)."""
    queue(db, make_accounts(db, "teams", TENANT, 1))
    metrics_port = free_port()
    process, base = serve("--metrics-port", str(metrics_port), LEADERS_METRICS_TOKEN=METRICS_TOKEN,
                          LEADERS_DELIVERY_POLL_SECONDS="0.1")
    label = lane_label(f"teams:{TENANT}")
    deadline = time.monotonic() + 30
    while label not in (detail := scrape(base + "/healthz", f"Bearer {METRICS_TOKEN}")[1]):
        assert time.monotonic() < deadline, detail  # the in-process worker takes the tenant's lane
        time.sleep(0.1)
    assert label in scrape(f"http://127.0.0.1:{metrics_port}/healthz")[1]  # the private port: details
    status, public, _ = scrape(base + "/healthz")
    health = json.loads(public)
    assert status == 200 and health == {"status": "ok", "database": {"state": "ok"},
                                        "scheduler": {"state": "running"}, "delivery": {"state": "running"}}
    import socket
    for secret in (label, socket.gethostname(), str(process.pid), Database("sqlite://").head_revision()):
        assert secret not in public
    stop(process)
