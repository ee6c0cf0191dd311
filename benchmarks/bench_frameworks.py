"""Time ``dropout-lab frameworks`` against each framework's import floor.

Everything is timed as whole processes in one run of this script (same
machine, same load):

- one floor per worker: ``python -c "import tensorflow"``, ``import torch``,
  ``import jax, flax, equinox``, and ``import keras`` under KERAS_BACKEND=jax
  and =torch: the least any tool that touches that framework can take;
- sequential floors: their sum, what a user's five probe scripts (one per
  framework, as Keras fixes its backend per process) pay before doing anything;
- frameworks: ``dropout-lab frameworks --quiet`` (30 implementations, every
  worker twice for the seeding check, 2 workers at a time).

Target (issue 10): frameworks <= 60 s here on 2 cores with dropout-lab[all].
Usage: ``python benchmarks/bench_frameworks.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from timing import print_medians, wall

FLOORS = {
    "tensorflow": ({}, "import tensorflow"),
    "torch": ({}, "import torch"),
    "jax": ({"JAX_PLATFORMS": "cpu"}, "import jax, flax, equinox"),
    "keras-jax": ({"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}, "import keras"),
    "keras-torch": ({"KERAS_BACKEND": "torch"}, "import keras"),
}


def measure(repeats: int, work: str) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in [*FLOORS, "frameworks"]}
    for env, code in FLOORS.values():
        wall([sys.executable, "-c", code], env)  # warm the file cache once
    for _ in range(repeats):
        for name, (env, code) in FLOORS.items():
            times[name].append(wall([sys.executable, "-c", code], env))
        times["frameworks"].append(wall([sys.executable, "-m", "dropout_lab", "frameworks",
                                         "--quiet", "--out", work]))
    return times


def report(times: dict[str, list[float]]) -> None:
    med = print_medians(times, key_width=12, value_width=6)
    floors = sum(med[k] for k in FLOORS)
    print(f"sum of import floors       = {floors:.2f} s (one process per framework, in turn)")
    print(f"frameworks / floors        = {med['frameworks'] / floors:.2f}x")
    print(f"frameworks                 = {med['frameworks']:.1f} s   (target <= 60 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with tempfile.TemporaryDirectory() as work:
        report(measure(args.repeats, work))


if __name__ == "__main__":
    main()
