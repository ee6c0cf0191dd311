"""Time ``dropout-lab compare --runs 10`` against the import floor and plain Keras.

Everything is timed as whole processes, in one run of this script, so the
ratios compare like with like on the same machine and load:

- floor:    ``python -c "import tensorflow"``
- compare:  ``dropout-lab compare --runs 10`` (train 1000 epochs, save, reload,
            three checks with 2000 training-mode passes)
- baseline: seed 000's two scripts in plain Keras (``fit`` 1000 epochs + save;
            then rate-0 net + load + predict 10x), see plain_keras_s000.py
- help:     ``dropout-lab --help`` and ``--version`` (must not import TF)

Targets (issue 2): compare <= 1.3x the floor, >= 8x faster than the baseline,
--help and --version <= 0.5 s. Usage: ``python benchmarks/bench_compare.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

from timing import print_medians, wall

HERE = os.path.dirname(os.path.abspath(__file__))


def measure(repeats: int, work: str) -> dict[str, list[float]]:
    py, lab = sys.executable, [sys.executable, "-m", "dropout_lab"]
    plain = os.path.join(HERE, "plain_keras_s000.py")
    times: dict[str, list[float]] = {k: [] for k in ("floor", "compare", "baseline", "help",
                                                      "version")}
    wall([py, "-c", "import tensorflow"])  # warm the file cache once
    for _ in range(repeats):
        times["floor"].append(wall([py, "-c", "import tensorflow"]))
        times["compare"].append(wall([*lab, "compare", "--runs", "10", "--quiet",
                                      "--out", work]))
        times["baseline"].append(wall([py, plain, "train", work]) +
                                 wall([py, plain, "reload", work]))
        times["help"].append(wall([*lab, "--help"]))
        times["version"].append(wall([*lab, "--version"]))
    return times


def report(times: dict[str, list[float]]) -> None:
    med = print_medians(times, key_width=9, value_width=7)
    print(f"compare / floor     = {med['compare'] / med['floor']:.2f}x   (target <= 1.3x)")
    print(f"baseline / compare  = {med['baseline'] / med['compare']:.1f}x   (target >= 8x)")
    print(f"--help {med['help']:.2f} s, --version {med['version']:.2f} s   (target <= 0.5 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    work = tempfile.mkdtemp(prefix="bench-compare-")
    try:
        report(measure(args.repeats, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
