"""Run folders and weights files from a stranger: damaged, unsafe or planted with code.

Reading a run folder must never run code from it, never read outside it, never
allocate what a header declares before checking it, and fail with one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from dropout_lab.core.atomic import sha256_file


def _error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    return lines[0]


@pytest.fixture
def trained(cli, out):
    return Path(cli.json("train", "--epochs", "3", "--out", out)["run_dir"])


def _rewrite_manifest(run: Path, **changes) -> None:
    manifest = json.loads((run / "manifest.json").read_text())
    manifest.update(changes)
    (run / "manifest.json").write_text(json.dumps(manifest))


def _rehash(run: Path, name: str) -> None:
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["files"][name] = sha256_file(run / name)
    (run / "manifest.json").write_text(json.dumps(manifest))


def _link_out(run: Path, name: str) -> None:
    """Replace ``name`` by a link to a copy outside the run (its hash still matches)."""
    outside = run.parent.parent / f"outside-{name}"
    outside.write_bytes((run / name).read_bytes())
    (run / name).unlink()
    (run / name).symlink_to(outside)


EVIL = ("import pathlib\n"
        "pathlib.Path(__file__).with_name('IMPORTED').write_text('ran')\n"
        "import keras\n"
        "class X(keras.layers.Dropout):\n"
        "    pass\n")


def _plant(run: Path) -> None:
    """A manifest naming evilmod:X, with evilmod.py inside the run folder."""
    (run / "evilmod.py").write_text(EVIL)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["config"]["layer"] = "evilmod:X"
    (run / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("command", ["reload", "compare"])
def test_a_run_naming_a_module_in_its_folder_does_not_import_it(cli, out, trained, command):
    _plant(trained)
    line = _error_line(cli(command, trained, "--out", out, expect=2))
    assert "whose layer is 'evilmod:X', a module of someone's own; importing it runs its " \
           "code. Pass --trust-layer if you trust this run folder." in line
    assert not (trained / "IMPORTED").exists() and "evilmod" not in sys.modules


def test_from_inside_the_run_folder_the_folder_is_not_on_the_import_path(cli, out, trained):
    _plant(trained)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    for extra in ([], ["--trust-layer"]):  # trusted or not, the folder is not searched
        done = subprocess.run([sys.executable, "-m", "dropout_lab", "reload", ".", "--out",
                               str(out), *extra], cwd=trained, capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert not (trained / "IMPORTED").exists()
    assert "No module named 'evilmod'" in done.stderr


def test_trust_layer_imports_a_module_the_user_can_import(cli, out, trained, tmp_path,
                                                          monkeypatch):
    (tmp_path / "mine.py").write_text("import keras\nclass D(keras.layers.Dropout):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    run = Path(cli.json("train", "--epochs", "3", "--layer", "mine:D", "--out", out)["run_dir"])
    assert "--trust-layer" in _error_line(cli("reload", run, "--out", out, expect=2))
    data = cli.json("reload", run, "--trust-layer", "--out", out)
    assert data["layer"] == "mine:D" and data["config"]["trust_layer"] is True


@pytest.mark.parametrize("damage, message", [
    (lambda run: _rewrite_manifest(run, files=["results.json"]),
     "manifest.json is damaged: `files` is a list, not an object."),
    (lambda run: _rewrite_manifest(run, config="rate = 0.5"),
     "manifest.json is damaged: `config` is a str, not an object."),
    (lambda run: _link_out(run, "results.json"), "results.json: "),
    (lambda run: (run / "manifest.json").write_text("[1, 2"), "manifest.json: not valid JSON"),
    (lambda run: (run / "manifest.json").write_text('{"kind": "train", "x": NaN}'),
     "not valid JSON (the non-standard number NaN)"),
    (lambda run: ((run / "results.json").write_text('{"inputs": []}'),
                  _rehash(run, "results.json")),
     "results.json is damaged: expected `test/predictions`, a list of 3 numbers. Received: "
     "None."),
    (lambda run: ((run / "results.json").write_text("[]"), _rehash(run, "results.json")),
     "results.json is damaged: expected `test/predictions`"),
    (lambda run: ((run / "results.json").write_text('{"test/predictions": [1.0, 2.0]}'),
                  _rehash(run, "results.json")),
     "Received: [1.0, 2.0]."),
    (lambda run: ((run / "results.json").write_text('{"test/predictions": [1, null, 2]}'),
                  _rehash(run, "results.json")),
     "Received: [1, None, 2]."),
    (lambda run: (run / "weights.h5").unlink(), "Cannot read weights file"),
])
@pytest.mark.parametrize("command", ["reload", "compare"])
def test_damaged_run_folders_fail_with_one_line_and_leave_nothing(cli, out, trained, damage,
                                                                   message, command):
    damage(trained)
    line = _error_line(cli(command, trained, "--out", out, expect=1))
    assert message in line
    assert not (out / command).exists() or list((out / command).iterdir()) == []


def test_a_missing_weights_file_is_called_missing(cli, out, trained):
    (trained / "weights.h5").unlink()
    line = _error_line(cli("reload", trained, "--out", out, expect=1))
    assert line.endswith("weights.h5: the file is missing.")


def _edit_h5(run: Path, edit) -> None:
    with h5py.File(run / "weights.h5", "a") as handle:
        edit(handle)
    _rehash(run, "weights.h5")


def _external_storage(handle, target: Path) -> None:
    target.write_bytes(np.arange(100, dtype=np.float32).tobytes())
    del handle["dense_in/bias"]
    handle.create_dataset("dense_in/bias", shape=(100,), dtype="f4",
                          external=[(str(target), 0, 400)])


def _virtual(handle, source: Path) -> None:
    with h5py.File(source, "w") as other:
        other.create_dataset("x", data=np.zeros(100, np.float32))
    layout = h5py.VirtualLayout(shape=(100,), dtype="f4")
    layout[:] = h5py.VirtualSource(str(source), "x", shape=(100,))
    del handle["dense_in/bias"]
    handle.create_virtual_dataset("dense_in/bias", layout)


@pytest.mark.parametrize("edit, message", [
    (lambda h, tmp: _external_storage(h, tmp / "secret.bin"),
     "dataset `dense_in/bias` keeps its data in external files; refused."),
    (lambda h, tmp: (h.__delitem__("dense_in/bias"),
                     h.__setitem__("dense_in/bias", h5py.ExternalLink(str(tmp / "o.h5"), "/x"))),
     "`dense_in/bias` is a ExternalLink; a weights file holds its data itself, never a link."),
    (lambda h, tmp: (h.__delitem__("dense_in/bias"),
                     h.__setitem__("dense_in/bias", h5py.SoftLink("/dense_out/bias"))),
     "`dense_in/bias` is a SoftLink"),
    (lambda h, tmp: _virtual(h, tmp / "v.h5"),
     "dataset `dense_in/bias` is virtual (its data lives in other files); refused."),
    (lambda h, tmp: (h.__delitem__("dense_hidden/kernel"),
                     h.create_dataset("dense_hidden/kernel", shape=(100000, 100000), dtype="f8")),
     "`dense_hidden/kernel` has shape (100000, 100000) in the file but (100, 100) in the model"),
    (lambda h, tmp: h.attrs.__setitem__("format", np.arange(3)),
     "is not a dropout-lab weights file (its `format` attribute is '[0 1 2]'"),
])
def test_unsafe_weights_files_are_refused_before_any_data_is_read(cli, out, trained, tmp_path,
                                                                  edit, message):
    _edit_h5(trained, lambda handle: edit(handle, tmp_path))
    assert message in _error_line(cli("reload", trained, "--out", out, expect=1))
    assert (trained / "weights.h5").stat().st_size < 1 << 20  # the 74.5 GiB dataset is a header


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_or_a_link_out_of_the_folder_as_weights_never_hangs(cli, out, trained, tmp_path):
    (trained / "weights.h5").unlink()
    os.mkfifo(trained / "weights.h5")
    line = _error_line(cli("reload", trained, "--out", out, expect=1))
    assert "is a FIFO (named pipe), not a regular file" in line
    (trained / "weights.h5").unlink()
    outside = tmp_path / "elsewhere.h5"
    outside.write_bytes(b"\x89HDF")
    (trained / "weights.h5").symlink_to(outside)
    line = _error_line(cli("reload", trained, "--out", out, expect=1))
    assert "leads outside" in line
