"""Hostile chat text: what a message full of mentions costs the grammar, and the engine's refusal of it.

Run from the repository root with the project installed:

    python benchmarks/hostile_input.py                  # 200,000 mentions, as in issue 10's finding
    python benchmarks/hostile_input.py --mentions 20000 --skip-old

Three timings, each the best of `--repeat` runs on one core:
- the grammar as it is (`bot.grammar.parse`: every leading mention removed by one match);
- the grammar before issue 10 (one mention removed per pass, the string rebuilt each time), reimplemented
  here from that version so the two can be compared on the same machine in the same run;
- `Bot.handle_text` on the same text, which refuses anything over `MAX_TEXT_LENGTH` before parsing.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.engine import MAX_TEXT_LENGTH, Bot
from bot.grammar import parse
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.settings import Settings

_OLD_MENTION = re.compile(r"^\s*(?:<at>[^<]*</at>|<@[A-Z0-9]+(?:\|[^>]*)?>)\s*")


def old_strip(text: str) -> str:
    """bot/grammar.py before issue 10."""
    while (stripped := _OLD_MENTION.sub("", text, count=1)) != text:
        text = stripped
    return text


def best(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-old", action="store_true", help="do not time the old grammar (slow)")
    args = parser.parse_args()
    text = "<@U012ABCDEF> " * args.mentions + "help"
    print(f"{args.mentions:,} mentions, {len(text):,} characters")
    print(f"grammar now:            {best(args.repeat, lambda: parse(text)) * 1000:9.1f} ms")
    if not args.skip_old:
        print(f"grammar before issue 10: {best(1, lambda: old_strip(text)) * 1000:9.1f} ms (one run)")
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/leaders.db")
        database.ensure_ready()
        bot = Bot(database, Settings(LEADERS_DATABASE_URL=database.url, _env_file=None))  # type: ignore[call-arg]
        who = ChatIdentity("console", "local", "bench")
        refused = best(args.repeat, lambda: bot.handle_text(who, text))
        print(f"engine (refuses > {MAX_TEXT_LENGTH:,} characters before parsing): {refused * 1000:.3f} ms")
        database.dispose()


if __name__ == "__main__":
    main()
