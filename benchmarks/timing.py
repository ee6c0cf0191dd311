"""Whole-process timing shared by the benchmarks (run as ``python benchmarks/bench_*.py``)."""

from __future__ import annotations

import os
import statistics
import subprocess
import time


def wall(command: list[str], env: dict[str, str] | None = None) -> float:
    """Seconds one process takes, start to exit (fails loudly if it fails).

    Args:
        env: variables set on top of this process's environment.
    """
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **(env or {})})
    return time.perf_counter() - start


def print_medians(times: dict[str, list[float]], key_width: int,
                  value_width: int) -> dict[str, float]:
    """One line per timed thing: its median, range and count; returns the medians."""
    medians = {key: statistics.median(values) for key, values in times.items()}
    for key, values in times.items():
        print(f"{key:{key_width}s} median {medians[key]:{value_width}.2f} s   (range "
              f"{min(values):.2f}-{max(values):.2f} s, n={len(values)})")
    return medians
