"""``sweep``'s executors: the quick rate study with ``--executor local`` and ``--executor ray``.

Both run as whole processes, one after the other (never at the same time:
they would share the cores), on the same config and seeds; the script
prints their wall times, the ratio, Ray's start-up cost (a local instance
started, the version check on its workers, and stopped, in a process of
its own), whether every unit came out bit-identical, and from the same
numbers how the Ray executor scales with nodes: units per node, the
driver's rate of writing unit folders, and the object-store traffic per
unit. Target here (2 cores): Ray >= 1.3x faster, as a 256-wide net's
steps use two cores poorly from one process.

Usage::

    python benchmarks/bench_sweep.py                 # the quick rate study, 30 units
    python benchmarks/bench_sweep.py --seeds 1       # 10 units, a shorter check
    python benchmarks/bench_sweep.py --out DIR       # keep both runs (results/sweep/...)
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.3


def run_sweep(executor: str, out: Path, seeds: int | None) -> tuple[float, dict]:
    """Wall seconds of one ``dropout-lab sweep rate`` process, and its JSON."""
    command = [sys.executable, "-m", "dropout_lab", "sweep", "rate", "--executor", executor,
               "--out", str(out), "--json", "--quiet"]
    command += ["--seeds", str(seeds)] if seeds else []
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, json.loads(done.stdout)


def ray_startup() -> float:
    """Seconds a process takes to start a local Ray instance, check its workers and stop it,
    less the same process without Ray (Python and dropout-lab's import)."""
    code = ("from dropout_lab.executors.ray_executor import RayExecutor\n"
            "with RayExecutor().connected(): pass\n")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    with_ray = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import dropout_lab.executors.ray_executor"],
                   check=True, capture_output=True)
    return with_ray - (time.perf_counter() - start)


def unit_numbers(run_dir: str) -> dict:
    """Each unit's unit.json without timings, and its weights file's arrays."""
    import h5py
    import numpy as np

    found = {}
    for unit in sorted((Path(run_dir) / "units").iterdir()):
        data = json.loads((unit / "unit.json").read_text())
        for key in ("train_seconds", "eval_seconds", "trace_seconds", "wall_seconds"):
            data.pop(key)
        arrays: dict[str, bytes] = {}

        def keep(name: str, item: object, arrays: dict[str, bytes] = arrays) -> None:
            if isinstance(item, h5py.Dataset):
                arrays[name] = np.asarray(item).tobytes()

        with h5py.File(unit / "weights.h5") as handle:
            handle.visititems(keep)
        found[unit.name] = (data, arrays)
    return found


def driver_write_rate(run_dir: str, folder: Path) -> tuple[float, int]:
    """(seconds to write one unit folder from its payload, the payload's pickled bytes)."""
    import h5py
    import numpy as np

    from dropout_lab.core.unitdirs import save_unit_dir

    unit = sorted((Path(run_dir) / "units").iterdir())[0]
    data = json.loads((unit / "unit.json").read_text())
    arrays, classes = {}, {}
    with h5py.File(unit / "weights.h5") as handle:
        for layer in handle:
            classes[layer] = handle[layer].attrs.get("class_name", "Dense")
            for name in handle[layer]:
                arrays[f"{layer}/{name}"] = np.asarray(handle[layer][name])
    payload = {"unit": data, "weights": {"arrays": arrays, "classes": classes},
               "versions": {}}
    repeats, start = 20, time.perf_counter()
    for index in range(repeats):
        save_unit_dir(folder, f"unit{index}", data, payload["weights"], {"seed": 0})
    return (time.perf_counter() - start) / repeats, len(pickle.dumps(payload))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, help="seeds per point [the profile's 3]")
    parser.add_argument("--out", type=Path, help="keep the two runs here [a temporary folder]")
    args = parser.parse_args()
    cores = os.cpu_count()
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.out or Path(scratch)
        local_s, local = run_sweep("local", tmp / "local", args.seeds)
        load.append(os.getloadavg()[0])
        ray_s, ray = run_sweep("ray", tmp / "ray", args.seeds)
        load.append(os.getloadavg()[0])
        startup = ray_startup()
        same = unit_numbers(local["run_dir"]) == unit_numbers(ray["run_dir"])
        write_s, payload = driver_write_rate(ray["run_dir"], tmp / "writes")
    units = len(local["units"])
    unit_s = sum(u["wall_seconds"] for u in local["units"]) / units
    ratio = local_s / ray_s
    print(f"quick rate study: {units} units ({len(local['points'])} keep_probs x "
          f"{units // len(local['points'])} seeds), {cores} CPUs, whole processes")
    print(f"  --executor local        {local_s:8.1f} s")
    print(f"  --executor ray          {ray_s:8.1f} s   ({ray['executor']['nodes']} node, "
          f"{ray['executor']['cpus']} CPUs, {ray['executor']['threads_per_unit']} TF thread "
          "per unit)")
    print(f"  local / ray             {ratio:8.2f} x   (target >= {TARGET}x: "
          f"{'met' if ratio >= TARGET else 'NOT met'})")
    print(f"  Ray start-up            {startup:8.1f} s   (local instance up, workers checked, "
          "down)")
    print(f"  unit results identical  {'yes' if same else 'NO'} ({units} unit folders: "
          "numbers and weights)")
    print(f"  one unit, local         {unit_s:8.2f} s   (mean wall time, trace and evaluation "
          "included)")
    print("scaling with nodes (from these numbers):")
    print(f"  units per node at once: its CPUs / threads_per_unit (here {cores} on 1 node)")
    print(f"  driver write rate:      {1 / write_s:8.0f} unit folders/s ({write_s * 1000:.1f} ms "
          "each: weights.h5 + unit.json)")
    print(f"  object-store traffic:   {payload / 1024:8.0f} KiB back per unit (weights + "
          "numbers), ~1 KiB of arguments out; MNIST (55 MB) once per node")
    nodes_bound = unit_s / write_s / cores
    print(f"  the driver keeps up with about {nodes_bound:.0f} nodes of {cores} CPUs at "
          f"{unit_s:.1f} s per unit; past that its writes bound the study, not the cluster")
    print("1-minute load average before/between/after: " + ", ".join(f"{v:.2f}" for v in load)
          + " (other work on the machine slows both sides, Ray's start-up less)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
