"""Tiny sweeps for the sweep and executor tests: a config file, a CLI run in its own process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np

TINY = """\
hidden_units = [32, 32, 32]
train_subset = 400
train_eval_size = 400
steps = {steps}
eval_every = {eval_every}
seeds = {seeds}
keep_probs = [{keeps}]
sizes = [100, 400]
"""


def tiny_config(folder: Path, steps: int = 30, seeds: int = 2, keeps: str = "0.5, 1.0",
                eval_every: int | None = None) -> Path:
    """A TOML config of a tiny study (a 32-wide net, 400 images, a few steps)."""
    path = folder / f"tiny-{steps}-{seeds}.toml"
    path.write_text(TINY.format(steps=steps, seeds=seeds, keeps=keeps,
                                eval_every=eval_every or steps))
    return path


def ray_env(**extra: str) -> dict[str, str]:
    """The environment of a process that starts Ray: a short temp dir of its own (Unix sockets)."""
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
            "RAY_TMPDIR": tempfile.mkdtemp(prefix="r", dir="/tmp"), **extra}


def sweep(*args: str, env: dict | None = None, expect: int = 0, timeout: float = 600,
          cwd: Path | None = None) -> dict:
    """``dropout-lab sweep ARGS --json --quiet`` in a process of its own; its JSON object."""
    done = subprocess.run([sys.executable, "-m", "dropout_lab", "sweep", *map(str, args),
                           "--json", "--quiet"], capture_output=True, text=True,
                          env=env or ray_env(), timeout=timeout, cwd=cwd)
    assert done.returncode == expect, (done.returncode, done.stdout[-2000:], done.stderr[-3000:])
    return json.loads(done.stdout) if done.stdout.strip() else {"stderr": done.stderr}


def dataset_bytes(handle: h5py.File) -> dict[str, bytes]:
    """Every dataset of an open HDF5 file, by its path, as raw bytes."""
    arrays: dict[str, bytes] = {}

    def keep(name: str, item: object) -> None:
        if isinstance(item, h5py.Dataset):
            arrays[name] = np.asarray(item).tobytes()

    handle.visititems(keep)
    return arrays


def unit_numbers(run_dir: str | Path) -> dict[str, tuple]:
    """Every unit folder's numbers (unit.json without timings) and weights (arrays, attributes)."""
    found = {}
    for unit in sorted((Path(run_dir) / "units").iterdir()):
        data = json.loads((unit / "unit.json").read_text())
        for key in ("train_seconds", "eval_seconds", "trace_seconds", "wall_seconds"):
            data.pop(key)
        with h5py.File(unit / "weights.h5") as handle:
            arrays = dataset_bytes(handle)
            attrs = {k: str(v) for k, v in handle.attrs.items()}
        found[unit.name] = (json.dumps(data, sort_keys=True), arrays, attrs)
    return found


def cleanup(path: str | Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
