"""The real server with Teams authentication on, pointed at a local OpenID/JWKS and token server.

Started by benchmarks/teams_bodies.py in its own process (the load must not share this server's event
loop or GIL). Arguments: database URL, port, OpenID metadata URL, token issuer, login URL. Prints the
port when listening; stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.bootstrap import build_services
from adapters.server import build_app
from adapters.teams.config import BotFrameworkEndpoints
from directory.settings import Settings
from tests.fakes_teams import APP_ID, TENANT


async def main(url: str, port: int, metadata: str, issuer: str, login: str) -> None:
    settings = Settings(LEADERS_DATABASE_URL=url, MICROSOFT_APP_ID=APP_ID,  # type: ignore[call-arg]
                        MICROSOFT_APP_PASSWORD="app-secret", MICROSOFT_APP_TENANT_ID=TENANT,
                        LEADERS_ALLOWED_TENANTS=TENANT,
                        LEADERS_TEAMS_SERVICE_URL_HOSTS="127.0.0.1", _env_file=None)
    services = build_services(settings, teams_endpoints=BotFrameworkEndpoints(metadata, issuer, login))
    runner = web.AppRunner(build_app(services), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(port, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]))
