"""Same seed, same machine: bit-identical weights, losses and predictions across processes."""

from __future__ import annotations

import json
import subprocess
import sys

from dropout_lab.core.atomic import sha256_file


def _train(out, seed):
    command = [sys.executable, "-m", "dropout_lab", "train", "--epochs", "60", "--seed",
               str(seed), "--out", str(out), "--json", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    # TF's C++ log noise is silenced; --quiet leaves nothing else
    assert done.stderr == "", done.stderr
    data = json.loads(done.stdout)
    results = json.loads((out / "train" / data["run_dir"].split("/")[-1] / "results.json")
                         .read_text())
    assert results == data  # --json is the run's results.json
    return data, results


def _weights_hash(run_dir):
    import hashlib

    import h5py

    digest = hashlib.sha256()
    with h5py.File(f"{run_dir}/weights.h5") as handle:
        handle.visititems(lambda name, obj: digest.update(name.encode() + obj[()].tobytes())
                          if hasattr(obj, "shape") else None)
    return digest.hexdigest()


def test_two_processes_same_seed_identical(tmp_path):
    first, first_results = _train(tmp_path / "a", 11)
    second, second_results = _train(tmp_path / "b", 11)
    other, _ = _train(tmp_path / "c", 12)
    assert first_results["train/loss"] == second_results["train/loss"]
    assert first["test/predictions"] == second["test/predictions"]
    assert _weights_hash(first["run_dir"]) == _weights_hash(second["run_dir"])
    assert _weights_hash(first["run_dir"]) != _weights_hash(other["run_dir"])
    assert sha256_file(tmp_path / "a" / "train" / first["run_dir"].split("/")[-1] / "config.toml") \
        == sha256_file(tmp_path / "b" / "train" / second["run_dir"].split("/")[-1] / "config.toml")
