"""Run folders: atomic, hashed, never overwritten, nothing left looking complete."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest

from dropout_lab.core.atomic import sha256_file
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.reading import open_run
from dropout_lab.core.resume import resumable_run
from dropout_lab.core.runs import MANIFEST, new_run, prepare_out


def _write_run(out, kind="toy"):
    with new_run(out, kind, {"rate": 0.5}, 7, "dropout-lab test") as run:
        run.write_json("results.json", {"x": 1})
        run.write_text("config.toml", "rate = 0.5\n")
    return run.path


def test_complete_run_has_manifest_with_hashes_times_and_versions(out):
    path = _write_run(out)
    manifest = json.loads((path / MANIFEST).read_text())
    assert path.parent == out / "toy" and not path.name.startswith(".")
    assert manifest["files"] == {name: sha256_file(path / name)
                                 for name in ("config.toml", "results.json")}
    assert manifest["seed"] == 7 and manifest["command"] == "dropout-lab test"
    assert manifest["config"] == {"rate": 0.5}
    assert {"python", "numpy", "h5py"} <= set(manifest["versions"])
    assert manifest["started_at"] < manifest["finished_at"]
    assert sorted(p.name for p in path.iterdir()) == ["config.toml", MANIFEST, "results.json"]


def test_manifest_records_installed_tensorflow_and_keras_without_importing_them(tmp_path):
    # a run that never imports TensorFlow (numpy-demo) still names the versions installed,
    # and says that TensorFlow did not run in it
    code = ("import json, sys; from pathlib import Path\n"
            "from dropout_lab.core.runs import new_run\n"
            f"with new_run(Path({str(tmp_path)!r}), 'toy', {{}}, 0, 'x') as run: pass\n"
            "manifest = json.loads((run.final_path / 'manifest.json').read_text())\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
            "print(json.dumps(manifest))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["versions"]["tensorflow"] == importlib.metadata.version("tensorflow")
    assert manifest["versions"]["keras"] == importlib.metadata.version("keras")
    assert manifest["frameworks_imported"] == []


def test_manifest_says_when_tensorflow_ran(out):
    import tensorflow as tf

    path = _write_run(out)
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["frameworks_imported"] == ["tensorflow", "keras"]
    assert manifest["versions"]["tensorflow"] == tf.__version__


def test_failed_run_leaves_no_folder(out):
    with pytest.raises(KeyboardInterrupt), new_run(out, "toy", {}, 0, "x") as run:
        run.write_json("results.json", {})
        raise KeyboardInterrupt
    assert list((out / "toy").iterdir()) == []


def test_resumable_run_keeps_its_partial_folder(out):
    with pytest.raises(RuntimeError), resumable_run(out, "sweep", {}, 0, "x") as run:
        run.write_json("unit/results.json", {})
        raise RuntimeError("boom")
    (partial,) = (out / "sweep").iterdir()
    assert partial.name.endswith(".partial") and not (partial / MANIFEST).exists()


def test_two_runs_never_share_a_folder(out):
    assert _write_run(out) != _write_run(out)


def test_open_run_checks_kind_and_hashes(out):
    path = _write_run(out)
    run = open_run(path, ("toy",))
    assert run.read_json("results.json") == {"x": 1}
    (path / "results.json").write_text('{"x": 2}')
    with pytest.raises(ExperimentError, match="was changed after the run wrote it: sha256"):
        run.read_json("results.json")
    with pytest.raises(ConfigError) as info:
        open_run(path, ("mnist",))
    assert str(info.value) == (f"Invalid value for `RUN`: expected a mnist run folder. "
                               f"Received: RUN={str(path)!r}, a 'toy' run.")


def test_open_run_rejects_folders_without_manifest(out):
    with pytest.raises(ConfigError, match="which has no manifest.json"):
        open_run(out, ("toy",))
    (out / "f").write_text("")
    with pytest.raises(ConfigError, match="which is not a folder"):
        open_run(out / "f", ("toy",))


def test_prepare_out_rejects_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError) as info:
        prepare_out(blocker / "results")
    assert str(info.value) == ("Invalid value for `--out`: expected a writable folder. "
                               f"Received: out={str(blocker / 'results')!r} "
                               f"({blocker} is not a folder)")


def test_prepare_out_writes_nothing(tmp_path):
    assert prepare_out(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert list(tmp_path.iterdir()) == []


def test_open_run_reads_a_kind_written_by_version_0_1(out):
    path = _write_run(out, kind="toy")  # 0.1 wrote training runs under toy/
    assert open_run(path, ("train",)).manifest["kind"] == "toy"
    with pytest.raises(ConfigError, match="a 'toy' run"):
        open_run(path, ("compare",))
