"""One turn worker process: `python -m adapters.turn_worker`, started by adapters/turn_processes.py.

It reads frames from stdin — first (settings, nice, verbose), then one turn at a time as (method,
identity, args, kwargs) — runs each on its own engine (`Bot` over its own database connections), and
writes ("reply", Reply) or ("error", exception type) to stdout. Log lines go to stderr, which is the
server's, through the same one-line formatter (adapters/logs.py). It exits when stdin ends: the server
closed it (shutdown) or the server itself is gone — a worker never outlives its server for long.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from typing import Any, BinaryIO

from adapters.turn_processes import HEADER, METHODS, frame

log = logging.getLogger("adapters.turns")


def read(stream: BinaryIO) -> Any:
    """The next frame, or None at the end of stdin."""
    import pickle

    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # written by the server that started us, nobody else


def write(stream: BinaryIO, value: Any) -> None:
    stream.write(frame(value))
    stream.flush()


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    from adapters.logs import configure
    from bot.engine import Bot
    from directory.database import Database

    start = read(requests)
    if start is None:
        return
    settings, nice, verbose = start
    configure(verbose)
    if nice:
        os.nice(nice)
    database = Database(settings.database_url)
    bot = Bot(database, settings)
    write(answers, "ready")
    try:
        while (turn := read(requests)) is not None:
            method, identity, args, kwargs = turn
            if method not in METHODS:
                write(answers, ("error", "UnknownMethod"))
                continue
            try:
                reply = getattr(bot, method)(identity, *args, **kwargs)
            except Exception as error:
                log.exception("the engine failed on a turn in worker %d", os.getpid())
                write(answers, ("error", type(error).__name__))
                continue
            write(answers, ("reply", reply))
    finally:
        database.dispose()


def main() -> None:
    # The server stops its workers by closing their stdin, after the turns it owes people are done; a
    # SIGTERM or Ctrl-C sent to the whole group (systemd does, by default) must not cut those short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Frames travel on the real stdout; anything else that prints (a library, a stray print) goes to
    # stderr, so it can never corrupt a frame.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with contextlib.suppress(BrokenPipeError):  # the server went away
        serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
