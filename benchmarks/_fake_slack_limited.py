"""The rate-limiting fake Slack (tests/delivery_fakes.py) as a process of its own, for benchmarks/fanout.py.

Prints its port on stdout once listening. Arguments: <tokens JSON> <limit count> <window seconds>.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.delivery_fakes import Limit, LimitedSlack


async def main() -> None:
    tokens, count, seconds = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    fake = LimitedSlack(tokens=tokens, workspace_limit=Limit(count, seconds), channel_limit=Limit(1, 1.0))
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)  # type: ignore[union-attr]
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
