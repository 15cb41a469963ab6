"""Where chat turns run: a few worker processes of their own, so acknowledging Slack never waits on them.

A turn (`Bot.handle_text` / `handle_action` / `handle_submit`: the search, the privacy rules, the unit of
work) is synchronous Python. Run on threads of the server process, it shared that process's one GIL with
the event loop, and every ack — Slack's 3-second clock, DESIGN's p99 ≤ 150 ms — had to win the GIL back
from a running search (docs/PERFORMANCE.md, "Slack slash command over HTTP"). In a process of its own a
turn competes with the acks only for a core, which the operating system hands promptly to a process that
wakes with work. `LEADERS_TURN_NICE` can lower the workers' priority as well (`os.nice`), so a busy core
runs the ack first — worth it on a machine that runs nothing else; on a shared one the turns would also
yield to everything else there (measured: docs/PERFORMANCE.md).

The server sends each worker one turn at a time — (method, identity, arguments), pickled, length-prefixed,
over the worker's stdin — and reads the Reply back from its stdout (adapters/turn_worker.py). Turns that
arrive while every worker is busy wait here, in the server, in order; one that must answer inside an ack
(a modal's submission) or may need a fresh `trigger_id` (a button press) waits at the front (`urgent`).

Nothing is lost silently when a worker dies (killed, out of memory, a crash in a C extension): the turns
still waiting here go to the other workers or to its replacement; the one turn it was running raises
`TurnLostError`, so the adapter tells that person their request was interrupted and may not have
finished (a turn commits in one unit of work, so it either happened or not; only the worker knew which).
A turn is never re-run on its own: a repeated introduction request or vote must not be sent twice.

`LEADERS_TURN_PROCESSES=0` runs turns on the server's own turn threads instead (`ThreadTurns`), as before
— for a machine with one core, for development, and for tests that install a fake clock in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import struct
import sys
from collections import deque
from concurrent.futures import Executor
from functools import partial
from typing import Any, Protocol

from bot.engine import Bot
from bot.replies import Reply
from directory.accounts import ChatIdentity
from directory.settings import Settings

log = logging.getLogger("adapters.turns")
METHODS = frozenset({"handle_text", "handle_action", "handle_submit"})  # what a worker will run
HEADER = struct.Struct(">I")  # every frame: its length, then a pickle
START_SECONDS = 60.0  # a worker imports the engine (SQLAlchemy, the use cases) before it says ready
RESTART_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # after a worker dies; the last repeats
STOP_SECONDS = 5.0
WORKER_COMMAND = (sys.executable, "-m", "adapters.turn_worker")  # this interpreter: the same install


class TurnLostError(RuntimeError):
    """The worker process running this turn died before answering: it may or may not have happened."""


class TurnWorkersDidNotStartError(RuntimeError):
    """`serve` cannot answer chat without its turn workers: it stops at start-up, saying why."""


class EngineFailedError(RuntimeError):
    """The engine raised inside a worker (its traceback is in the worker's log lines)."""


class TurnRunner(Protocol):
    async def run(self, method: str, identity: ChatIdentity, *args: Any, urgent: bool = False,
                  **kwargs: Any) -> Reply:
        """Run `Bot.<method>(identity, *args, **kwargs)` off the event loop and return its Reply."""
        ...


class ThreadTurns:
    """Turns on the server process's own turn threads (adapters/bootstrap.turn_pool)."""

    def __init__(self, bot: Bot, threads: Executor) -> None:
        self.bot = bot
        self.threads = threads

    async def start(self) -> None:
        """Nothing to start: the threads exist already."""

    async def close(self) -> None:
        """Nothing to stop: `serve` shuts the turn threads down with the process."""

    async def run(self, method: str, identity: ChatIdentity, *args: Any, urgent: bool = False,
                  **kwargs: Any) -> Reply:
        if method not in METHODS:
            raise ValueError(f"not an engine turn: {method!r}")
        call = partial(getattr(self.bot, method), identity, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self.threads, call)


def frame(value: Any) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


async def read_frame(stream: asyncio.StreamReader) -> Any:
    """One frame from a worker; raises asyncio.IncompleteReadError at its end (the worker is gone)."""
    (size,) = HEADER.unpack(await stream.readexactly(HEADER.size))
    return pickle.loads(await stream.readexactly(size))  # our own child's output, nobody else's


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pending: asyncio.Future[Reply] | None = None  # the one turn it is running, if any
        self.reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid


class TurnProcesses:
    """A fixed number of worker processes running turns; `start()` before the first, `close()` at the end.

    `nice`: how much lower than the server a worker's CPU priority is (0–19; see the module docstring).
    `argv`: the worker's command line (default `WORKER_COMMAND`; tests swap in one that misbehaves).
    """

    def __init__(self, settings: Settings, size: int, nice: int = 0,
                 argv: tuple[str, ...] | None = None) -> None:
        if size < 1:
            raise ValueError("a turn process pool needs at least one process")
        self.settings = settings
        self.size = size
        self.nice = nice
        self.argv = argv or WORKER_COMMAND
        self.workers: set[_Worker] = set()
        self._idle: list[_Worker] = []
        self._waiting: deque[asyncio.Future[_Worker]] = deque()
        self._restarts: set[asyncio.Task[None]] = set()
        self._closing = False
        self.lost = 0  # turns whose worker died under them (for tests and the log)

    async def start(self) -> None:
        """Start every worker and wait until each has loaded the engine; raises if one cannot start."""
        started = await asyncio.gather(*(self._spawn() for _ in range(self.size)), return_exceptions=True)
        failures = [s for s in started if isinstance(s, BaseException)]
        for worker in (s for s in started if isinstance(s, _Worker)):
            self._release(worker)
        if failures:
            await self.close()
            raise TurnWorkersDidNotStartError(f"a turn worker process did not start: {failures[0]} — "
                                              "or set LEADERS_TURN_PROCESSES=0 to run turns on threads") \
                from failures[0]
        log.info("chat turns run in %d worker processes (pids %s)", self.size,
                 ", ".join(str(w.pid) for w in self.workers))

    async def run(self, method: str, identity: ChatIdentity, *args: Any, urgent: bool = False,
                  **kwargs: Any) -> Reply:
        if method not in METHODS:
            raise ValueError(f"not an engine turn: {method!r}")
        worker = await self._acquire(urgent)
        answer: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        worker.pending = answer
        stdin = worker.process.stdin
        assert stdin is not None
        try:
            stdin.write(frame((method, identity, args, kwargs)))
            await stdin.drain()
        except (ConnectionError, RuntimeError):  # the pipe broke: the reader sees the exit and fails `answer`
            pass
        return await answer

    async def close(self) -> None:
        """Stop every worker: stdin closed (a worker finishes its turn and exits), then killed if slow."""
        self._closing = True
        for task in list(self._restarts):
            task.cancel()
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_exception(TurnLostError("the server is stopping"))
        self._waiting.clear()
        workers = list(self.workers)
        for worker in workers:
            if worker.process.stdin is not None:
                worker.process.stdin.close()
        for worker in workers:
            try:
                await asyncio.wait_for(worker.process.wait(), STOP_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()
                await worker.process.wait()
            if worker.reader is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker.reader

    # -- inside the pool ------------------------------------------------------------------------------

    async def _spawn(self) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)  # stderr: ours
        try:
            assert process.stdin is not None and process.stdout is not None
            verbose = logging.getLogger("adapters").getEffectiveLevel() <= logging.DEBUG
            process.stdin.write(frame((self.settings, self.nice, verbose)))
            await process.stdin.drain()
            hello = await asyncio.wait_for(read_frame(process.stdout), START_SECONDS)
            if hello != "ready":
                raise RuntimeError(f"unexpected first frame {str(hello)[:40]!r}")
        except BaseException as error:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            code = await process.wait()
            if isinstance(error, asyncio.IncompleteReadError):
                raise RuntimeError(f"it exited with code {code} while starting (see its log lines)") from None
            raise
        worker = _Worker(process)
        self.workers.add(worker)
        worker.reader = asyncio.create_task(self._read(worker), name=f"turn-worker-{process.pid}")
        return worker

    async def _read(self, worker: _Worker) -> None:
        """Hand each answer to its turn, until the worker's stdout ends (it exited or died)."""
        stdout = worker.process.stdout
        assert stdout is not None
        try:
            while True:
                outcome, value = await read_frame(stdout)
                answer, worker.pending = worker.pending, None
                if answer is not None and not answer.done():  # done: its caller was cancelled
                    if outcome == "reply":
                        answer.set_result(value)
                    else:
                        answer.set_exception(EngineFailedError(str(value)))
                self._release(worker)
        except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError, ValueError):
            pass
        code = await worker.process.wait()
        self._forget(worker)
        answer, worker.pending = worker.pending, None
        if answer is not None and not answer.done():
            self.lost += 1
            answer.set_exception(TurnLostError(f"turn worker {worker.pid} exited with code {code}"))
        if self._closing:
            return
        log.error("turn worker process %d exited with code %s%s; starting another", worker.pid, code,
                  " while running a turn (that person is told it was interrupted)" if answer else "")
        task = asyncio.create_task(self._replace())
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    async def _replace(self) -> None:
        """A new worker in a dead one's place; retried with growing pauses while starting fails."""
        for attempt in range(sys.maxsize):
            await asyncio.sleep(RESTART_DELAYS[min(attempt, len(RESTART_DELAYS) - 1)])
            try:
                worker = await self._spawn()
            except (OSError, RuntimeError, TimeoutError) as error:
                log.error("could not start a turn worker process (attempt %d): %s", attempt + 1, error)
                continue
            if self._closing:
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()
                return
            self._release(worker)
            return

    def _forget(self, worker: _Worker) -> None:
        self.workers.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)

    async def _acquire(self, urgent: bool) -> _Worker:
        if self._closing:
            raise TurnLostError("the server is stopping")
        if self._idle:
            return self._idle.pop()
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        if urgent:
            self._waiting.appendleft(waiter)
        else:
            self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # given a worker just as it was cancelled
                self._release(waiter.result())
            raise

    def _release(self, worker: _Worker) -> None:
        """A free worker: to the turn waiting longest (urgent ones first), else idle."""
        if worker not in self.workers:
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)


def build_turn_runner(settings: Settings, bot: Bot, threads: Executor) -> ThreadTurns | TurnProcesses:
    """`LEADERS_TURN_PROCESSES` worker processes, or (0) the turn threads of this process."""
    if settings.turn_processes == 0:
        return ThreadTurns(bot, threads)
    return TurnProcesses(settings, settings.turn_processes, settings.turn_nice)

