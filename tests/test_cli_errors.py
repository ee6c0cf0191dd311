"""Bad input: one clear line, the right exit code, no traceback, nothing written."""

from __future__ import annotations

import json

import pytest

from dropout_lab.core.runs import RunContext
from dropout_lab.toy import train
from dropout_lab.toy.config import TrainConfig


def _nothing_written(out):
    return [p for p in out.rglob("*") if p.is_file()] == []


def _error_line(result):
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("args, message", [
    (("train", "--rate", "1.5"), "Invalid value for `rate`: expected a drop probability below 1 "
                                 "(rate 1 keeps nothing, so keep = 1 - rate = 0). "
                                 "Received: rate=1.5"),
    (("train", "--rate", "nan"), "Received: rate=nan"),
    (("train", "--epochs", "0"), "Invalid value for `epochs`: expected an integer in "
                                 "[1, 2147483647] (a 32-bit count). Received: epochs=0"),
    (("compare", "--runs", "0"), "Invalid value for `runs`: expected an integer in [1, 1000000] "
                                 "(repeated predictions are kept in memory). Received: runs=0"),
    (("compare", "--mc-samples", "0"), "Invalid value for `mc_samples`: expected an integer in "
                                       "[100, 2147483647] (the consistency bound relies on the "
                                       "central limit theorem)"),
    (("reload", ".", "--runs", "-1"), "Invalid value for `runs`: expected an integer in "
                                      "[1, 1000000] (repeated predictions are kept in memory)."),
    (("train", "--layer", "torch"), "Invalid value for `layer`: expected one of keras, "
                                    "keras.layers.Dropout, keras.random.dropout, tf.nn.dropout"),
    (("train", "--layer", "torch"), "vanilla, uniform or MODULE:CLASS (a Keras layer of yours). "
                                    "Received: layer='torch'"),
    (("train", "--layer", "numpy-inverted"), "Received: layer='numpy-inverted' (numpy-inverted "
     "cannot be the toy net's dropout layer: a NumPy reference is not a Keras layer"),
    (("compare", "--layer", "keras.layers.SpatialDropout2D"), "(keras.layers.SpatialDropout2D "
     "cannot be the toy net's dropout layer: it needs rank-4 input"),
    (("compare", "--z", "0"), "Invalid value for `z`: expected a finite number > 0. Received: "
                              "z=0.0"),
    (("train", "--rate", "-0.1"), "Invalid value for `rate`: keras.layers.Dropout rejects it "
                                  "(Invalid value received for argument `rate`. Expected a float "
                                  "value between 0 and 1. Received: rate=-0.1). "
                                  "Received: rate=-0.1"),
    (("compare", "--rate", "0"), "Invalid value for `rate`: expected a rate in (0, 1): at rate 0 "
                                 "inverted and vanilla dropout are the same function."),
    (("train", "--layer", "no_such_module:Drop"), "expected MODULE:CLASS naming a Keras layer "
     "importable from PYTHONPATH (the current folder is searched only when it is on PYTHONPATH, "
     "e.g. PYTHONPATH=.). Received: layer='no_such_module:Drop' "
     "(ModuleNotFoundError: No module named 'no_such_module')"),
    (("train", "--layer", "toy_layers:Missing"), "(AttributeError: module 'toy_layers' has no "
                                                 "attribute 'Missing')"),
    (("train", "--layer", "toy_layers:NOT_A_LAYER"), "which is 3, not a keras.layers.Layer "
                                                     "subclass"),
    (("train", "--layer", "toy_layers:RejectsEverything"), "toy_layers.RejectsEverything rejects "
                                                           "it (this layer accepts no rate at all"),
])
def test_bad_values_exit_2(cli, out, args, message):
    result = cli(*args, "--out", out, expect=2)
    assert message in _error_line(result)
    assert _nothing_written(out)


def test_bad_config_files_exit_2(cli, out, tmp_path):
    unknown, wrong = tmp_path / "unknown.toml", tmp_path / "wrong.toml"
    unknown.write_text("rate = 0.5\nepoch = 10\n")
    wrong.write_text('epochs = "many"\n')
    line = _error_line(cli("train", "--config", unknown, "--out", out, expect=2))
    assert f"Unknown key `epoch` in {unknown}: accepted keys are rate, epochs" in line
    line = _error_line(cli("compare", "--config", wrong, "--out", out, expect=2))
    assert f"Invalid value for `epochs` in {wrong}: expected an integer. " \
           "Received: epochs='many'" in line
    assert _nothing_written(out)


def test_missing_and_foreign_run_folders_exit_2(cli, out, tmp_path):
    line = _error_line(cli("reload", tmp_path / "nope", "--out", out, expect=2))
    assert "does not exist" in line
    line = _error_line(cli("compare", tmp_path, "--out", out, expect=2))
    assert f"Invalid value for `RUN`: expected a train run folder. Received: " \
           f"RUN={str(tmp_path)!r}, which has no manifest.json." in line
    assert _nothing_written(out)


def test_training_options_are_rejected_with_a_run(cli, out):
    run = cli.json("train", "--epochs", "3", "--out", out)["run_dir"]
    line = _error_line(cli("compare", run, "--rate", "0.3", "--epochs", "9", expect=2))
    assert "--rate, --epochs cannot be combined with RUN" in line


def test_unwritable_out_exit_2(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    line = _error_line(cli("train", "--out", blocker / "results", expect=2))
    assert "Invalid value for `--out`: expected a writable folder." in line


@pytest.fixture
def trained(cli, out):
    return cli.json("train", "--epochs", "3", "--out", out)["run_dir"]


def test_damaged_weights_exit_1(cli, out, trained, tmp_path):
    from pathlib import Path

    weights = Path(trained) / "weights.h5"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 3])
    line = _error_line(cli("reload", trained, "--out", out, expect=1))
    assert f"Cannot read weights file {weights}: not a readable HDF5 file" in line
    weights.write_text("plain text")
    assert "not a readable HDF5 file" in _error_line(cli("compare", trained, expect=1))


def test_weights_from_another_architecture_exit_1(cli, out, trained):
    from pathlib import Path

    import h5py
    import numpy as np

    with h5py.File(Path(trained) / "weights.h5", "a") as handle:
        del handle["dense_hidden/kernel"]
        handle.create_dataset("dense_hidden/kernel", data=np.zeros((100, 64), np.float32))
    line = _error_line(cli("reload", trained, "--out", out, expect=1))
    assert "does not match the model: `dense_hidden/kernel` has shape (100, 64) in the file " \
           "but (100, 100) in the model." in line


def test_tampered_weights_exit_1(cli, out, trained):
    from pathlib import Path

    import h5py

    with h5py.File(Path(trained) / "weights.h5", "a") as handle:
        handle["dense_out/bias"][0] += 1.0
    line = _error_line(cli("reload", trained, "--out", out, expect=1))
    assert "weights.h5 was changed after the run wrote it" in line


def test_interrupted_training_leaves_no_complete_folder(out):
    def interrupt(task, done, total):
        if done >= total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train.run(TrainConfig(epochs=40), RunContext(out=out, progress=interrupt))
    assert list((out / "train").iterdir()) == []


def test_user_layer_from_the_current_folder(cli, out, tmp_path, monkeypatch):
    (tmp_path / "my_dropout_mod.py").write_text(
        "import keras\n"
        "class MyDropout(keras.layers.Dropout):\n"
        "    pass\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    data = cli.json("compare", "--layer", "my_dropout_mod:MyDropout", "--epochs", "10",
                    "--mc-samples", "200", "--out", out)
    assert data["classification"] == "inverted"
    assert data["layer_class"] == "my_dropout_mod.MyDropout"
    manifest = json.loads((out / "train" / data["source_run"].split("/")[-1] / "manifest.json")
                          .read_text())
    assert manifest["config"]["layer"] == "my_dropout_mod:MyDropout"
