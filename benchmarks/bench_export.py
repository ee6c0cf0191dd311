"""Time ``dropout-lab export`` against the import floors of the runtimes it starts.

Everything is timed as whole processes in one run of this script (same
machine, same load):

- one floor per process kind the matrix starts: ``import tensorflow`` (+
  ``tf2onnx``: the Keras exporter), ``import torch`` (+ ``onnxscript``: the
  PyTorch exporter), ``import jax, flax``, ``import onnxruntime, onnx`` and
  ``from ai_edge_litert import interpreter``: the least any tool that exports
  or serves with that runtime can take;
- the processes' floors: the sum over the processes the matrix starts
  (exporters once each; the runtimes of TensorFlow, PyTorch and JAX once
  each, onnxruntime twice, LiteRT once): what running them one after the
  other, doing nothing else, would cost;
- export: ``dropout-lab export --quiet`` (15 routes x 3 nets, 2 processes at a time).

Target (issue 19): export <= 90 s here on 2 cores with dropout-lab[all].
Usage: ``python benchmarks/bench_export.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from timing import print_medians, wall

FLOORS = {  # name -> (environment, code, processes of the matrix that pay it)
    "tf+tf2onnx": ({}, "import tensorflow, tf2onnx", 1),  # the Keras exporter
    "tensorflow": ({}, "import tensorflow", 1),  # the SavedModel runtime
    "torch+onnx": ({}, "import torch, onnxscript", 1),  # the PyTorch exporter
    "torch": ({}, "import torch", 1),  # the torch.export / TorchScript runtime
    "jax": ({"JAX_PLATFORMS": "cpu"}, "import jax, flax", 2),  # exporter and runtime
    "onnxruntime": ({}, "import onnxruntime, onnx", 2),  # Keras's and PyTorch's ONNX files
    "litert": ({}, "from ai_edge_litert import interpreter", 1),
}


def measure(repeats: int, work: str) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in [*FLOORS, "export"]}
    for env, code, _ in FLOORS.values():
        wall([sys.executable, "-c", code], env)  # warm the file cache once
    for _ in range(repeats):
        for name, (env, code, _) in FLOORS.items():
            times[name].append(wall([sys.executable, "-c", code], env))
        times["export"].append(wall([sys.executable, "-m", "dropout_lab", "export", "--quiet",
                                     "--out", work]))
    return times


def report(times: dict[str, list[float]]) -> None:
    med = print_medians(times, key_width=12, value_width=6)
    floors = sum(med[k] * FLOORS[k][2] for k in FLOORS)
    print(f"sum of the processes' floors = {floors:.2f} s (9 processes, one after the other)")
    print(f"export / floors              = {med['export'] / floors:.2f}x")
    print(f"export                       = {med['export']:.1f} s   (target <= 90 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with tempfile.TemporaryDirectory() as work:
        report(measure(args.repeats, work))


if __name__ == "__main__":
    main()
