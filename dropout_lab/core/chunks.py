"""Long compiled loops cut into short calls, so Ctrl-C is honoured within about a second.

A compiled TensorFlow loop never looks at SIGINT: Python raises
KeyboardInterrupt only when the call returns. ``in_chunks`` runs the work in
calls sized to take about ``CHUNK_SECONDS`` each, measured as it goes (the
first call, which may include tracing, starts small), so an interrupt waits
at most for one chunk; the calls are few enough that their overhead does not
show (a 1000-step toy run: a handful of calls).
"""

from __future__ import annotations

import time
from collections.abc import Callable

CHUNK_SECONDS = 0.25
FIRST_CHUNK = 64
MAX_GROWTH = 8  # a chunk is at most this many times the last one


def in_chunks(total: int, run: Callable[[int, int], None],
              progress: Callable[[int, int], None] | None = None,
              first: int = FIRST_CHUNK, seconds: float = CHUNK_SECONDS,
              clock: Callable[[], float] = time.monotonic) -> None:
    """Call ``run(done, size)`` until ``total`` units of work are done.

    Args:
        total: units of work (steps, passes).
        run: does ``size`` units, the first of which is unit number ``done``.
        progress: ``progress(done, total)`` after each call.
        first: the size of the first call.
        seconds: the target duration of one call.
        clock: the time source (tests pass a fake one).
    """
    done, size = 0, max(1, min(first, total))
    while done < total:
        size = min(size, total - done)
        start = clock()
        run(done, size)
        elapsed = clock() - start
        done += size
        if progress:
            progress(done, total)
        rate = size / max(elapsed, 1e-6)
        size = max(1, min(int(rate * seconds), size * MAX_GROWTH))
