"""Big bodies on POST /api/messages beside health checks (issue 10, finding 4): is the event loop free?

Run from the repository root with the project installed:

    python benchmarks/teams_bodies.py                 # 10 rounds of each attack
    python benchmarks/teams_bodies.py --rounds 3

The real server runs in its own process (benchmarks/_teams_server.py) with Teams authentication on,
against a local OpenID/JWKS server, token endpoint and Bot Connector in this process. While one client
polls `GET /healthz` back to back, eight others send, all at once, round after round:

- `unsigned`: a 1,000,000-byte chunked activity (no Content-Length; under aiohttp's own 1 MiB cap) with
  no `Authorization` header — what a stranger can make the server do;
- `signed`: a 250 KB genuine activity (padded `channelData`) with a valid token — the most a real caller
  can make the server parse (JSON decode and the SDK's Activity).

Printed: each attack request's latency and status, and `/healthz` latency during the attack (p50, p99,
max) beside `/healthz` alone. Slack must be acknowledged within 3 s, and its acks share the event loop
with `/healthz`, so the `/healthz` maximum under attack is the figure that matters. Note the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from directory.database import Database
from tests import fakes_teams as teams
from tests.fakes_teams import FakeConnector, FakeIdentityServer, FakeTokenServer, Member, ThreadedServer

SERVER = Path(__file__).resolve().parent / "_teams_server.py"
KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


async def chunks(data: bytes, size: int = 64 * 1024):  # type: ignore[no-untyped-def]
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def one(session: ClientSession, url: str, body: bytes, token: str | None) -> tuple[int, float]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    try:
        async with session.post(url, data=chunks(body), headers=headers) as response:
            await response.read()
            status = response.status
    except Exception:  # the server may close the connection once it has answered
        status = -1
    return status, time.perf_counter() - started


async def health(session: ClientSession, base: str, stop: asyncio.Event, into: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        async with session.get(base + "/healthz") as response:
            await response.read()
        into.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)


async def attack(base: str, body: bytes, token_for: object, rounds: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    during: list[float] = []
    stop = asyncio.Event()
    async with ClientSession() as session, ClientSession() as probe:
        poller = asyncio.create_task(health(probe, base, stop, during))
        for _ in range(rounds):
            results = await asyncio.gather(*(one(session, base + "/api/messages", body,
                                                 token_for() if callable(token_for) else None)
                                             for _ in range(8)))
            for status, seconds in results:
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append(seconds)
        stop.set()
        await poller
    return {"requests": len(latencies), "statuses": statuses,
            "request_p50_ms": percentile(latencies, 50) * 1e3, "request_max_ms": max(latencies) * 1e3,
            "healthz_n": len(during),
            "healthz_p50_ms": percentile(during, 50) * 1e3, "healthz_p99_ms": percentile(during, 99) * 1e3,
            "healthz_max_ms": max(during) * 1e3 if during else 0.0}


async def idle_health(base: str, n: int = 100) -> dict:
    samples: list[float] = []
    async with ClientSession() as session:
        for _ in range(n):
            started = time.perf_counter()
            async with session.get(base + "/healthz") as response:
                await response.read()
            samples.append(time.perf_counter() - started)
    return {"healthz_p50_ms": percentile(samples, 50) * 1e3, "healthz_max_ms": max(samples) * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="teams-bodies-"))
    url = f"sqlite:///{workdir / 'leaders.db'}"
    Database(url).upgrade()
    identity, tokens, connector = FakeIdentityServer(), FakeTokenServer(workdir), FakeConnector()
    identity.server.start()
    tokens.server.start()
    connector_server = ThreadedServer(connector.app()).start()
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))},
           "REQUESTS_CA_BUNDLE": tokens.cert_path}
    server = subprocess.Popen([sys.executable, str(SERVER), url, str(port), identity.metadata_url,
                               identity.issuer, tokens.login_url], env=env, stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        stranger = teams.message(connector_server.url, KIM, "help")
        stranger["channelData"]["pad"] = [{"k": "v" * 20} for _ in range(1_000_000 // 34)]
        unsigned = json.dumps(stranger).encode()
        activity = teams.message(connector_server.url, KIM, "help")
        activity["channelData"]["pad"] = [{"k": "v" * 20} for _ in range(250_000 // 34)]
        signed = json.dumps(activity).encode()
        results = {"idle": asyncio.run(idle_health(base)),
                   f"unsigned {len(unsigned) // 1000} kB": asyncio.run(
                       attack(base, unsigned, None, args.rounds)),
                   f"signed {len(signed) // 1024} KB": asyncio.run(
                       attack(base, signed, lambda: identity.mint(connector_server.url), args.rounds))}
    finally:
        server.terminate()
        server.wait(10)
        connector_server.stop()
        identity.server.stop()
        tokens.server.stop()
    print(f"load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    for name, figures in results.items():
        print(f"{name}: " + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                      for k, v in figures.items()))


if __name__ == "__main__":
    main()
