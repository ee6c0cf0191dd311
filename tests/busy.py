"""A synthetic load for the timing tests: a busy-loop process pinned to one core."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys


@contextlib.contextmanager
def busy_core(core: int = 0):
    """A process spinning on ``core`` for the duration of the block, stopped by its pid."""
    loop = subprocess.Popen([sys.executable, "-c", "while True: pass"],
                            preexec_fn=lambda: os.sched_setaffinity(0, {core}))
    try:
        yield loop
    finally:
        loop.kill()
        loop.wait(timeout=10)
