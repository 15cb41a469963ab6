"""A job for the scheduler tests: appends "<pid> <time>" to a file, so a test can count runs and see
which process ran each one. Imported by reference (`tests.scheduler_probe:record`) from the job store."""

from __future__ import annotations

import os
import time


def record(path: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {time.time():.3f}\n")
