"""The background half of a process: the scheduler (if it may run here) and the delivery workers.

`serve` runs it beside the web server, `worker` and `scheduler` run only it. Both parts stop on the same
event (SIGTERM/SIGINT): the scheduler stops its jobs and lets go of its lock, the workers finish what is
in flight and give back every message they claimed but did not send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from adapters.bootstrap import Services

log = logging.getLogger("leaders.background")


class Background:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start both parts; the first scheduler lock attempt happens before this returns."""
        services = self.services
        if services.leadership is not None:
            await services.leadership.step()
            self.tasks.append(asyncio.create_task(services.leadership.run(self.stop), name="scheduler"))
        if services.delivery is not None:
            worker = services.delivery
            self.tasks.append(asyncio.create_task(worker.run(), name="delivery"))

    async def close(self) -> None:
        self.stop.set()
        if self.services.delivery is not None:
            self.services.delivery.stop()
        for task in self.tasks:
            with contextlib.suppress(Exception):
                await task
        sender = getattr(self.services.delivery, "sender", None)
        close = getattr(sender, "close", None)
        if close is not None:
            await close()


def stop_on_signals(event: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, event.set)


async def run_until_signalled(services: Services, metrics_port: int | None = None) -> None:
    """`leaders worker` / `leaders scheduler`: the background parts alone, until SIGTERM or Ctrl-C.

    With `metrics_port`, `/metrics` and `/healthz` are served on it (this process's send counters are
    only visible there), on `LEADERS_HOST`.
    """
    from aiohttp import web

    from adapters.server import build_status_app

    background = Background(services)
    stop = asyncio.Event()
    stop_on_signals(stop)
    runner = None
    if metrics_port is not None:
        runner = web.AppRunner(build_status_app(services), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, services.settings.host, metrics_port).start()
        log.info("metrics on http://%s:%d/metrics", services.settings.host, metrics_port)
    await background.start()
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await background.close()
        if runner is not None:
            await runner.cleanup()
        services.database.dispose()
