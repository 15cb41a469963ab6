"""A turn worker process that misbehaves on cue, for test_slack_turn_processes.py: run as a script
(`python tests/crashing_turn_worker.py`) in place of `python -m adapters.turn_worker`.

`find crash-the-worker` kills the process in the middle of the turn (as the kernel's OOM killer or a
crash in a C extension would); `find raise-in-the-engine` makes the engine raise. Anything else is an
ordinary turn.
"""

from __future__ import annotations

import os
from typing import Any

from adapters import turn_worker
from bot.engine import Bot
from bot.replies import Reply
from directory.accounts import ChatIdentity

_ordinary = Bot.handle_text


def handle_text(self: Bot, identity: ChatIdentity, text: str, **kwargs: Any) -> Reply:
    if "crash-the-worker" in text:
        os._exit(3)
    if "raise-in-the-engine" in text:
        raise RuntimeError("a bug in a use case")
    return _ordinary(self, identity, text, **kwargs)


Bot.handle_text = handle_text  # type: ignore[method-assign]

if __name__ == "__main__":
    turn_worker.main()
