"""``train``, ``reload`` and ``compare`` through the CLI: outputs, verdicts, errors."""

from __future__ import annotations

import json
import math

import h5py
import numpy as np
import pytest

FAST = ("--epochs", "30", "--mc-samples", "400")


def _runs(out, kind="train"):
    folder = out / kind
    return sorted(p for p in folder.iterdir()) if folder.exists() else []


def test_train_json_and_run_folder(cli, out):
    data = cli.json("train", "--epochs", "25", "--seed", "3", "--out", out)
    (run,) = _runs(out)
    assert data["run_dir"] == str(run) and data["kind"] == "train"
    assert data["config"] == {"rate": 0.5, "epochs": 25, "learning_rate": 0.001, "seed": 3,
                              "layer": "keras"}
    results = json.loads((run / "results.json").read_text())
    assert results == data
    assert len(data["train/loss"]) == 25 and data["train/loss"][-1] == data["train/final_loss"]
    # SGD on MSE makes progress in 25 steps
    assert data["train/final_loss"] < data["train/first_loss"] == data["train/loss"][0]
    with h5py.File(run / "weights.h5") as handle:
        assert handle.attrs["rate"] == 0.5 and handle.attrs["layer"] == "keras"
        assert handle.attrs["seed"] == 3 and "tensorflow" in handle.attrs["versions"]
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["command"].startswith("dropout-lab train --epochs 25 --seed 3")
    assert set(manifest["files"]) == {"config.toml", "results.json", "weights.h5"}


def test_train_table_and_quiet(cli, out):
    shown = cli("train", "--epochs", "5", "--out", out)
    assert "final loss (MSE)" in shown.stdout and "Test-time predictions" in shown.stdout
    quiet = cli("train", "--epochs", "5", "--out", out, "--quiet")
    assert quiet.stdout == "" and quiet.stderr == ""


def test_reload_at_rate_zero_matches_the_trained_net(cli, out):
    trained = cli.json("train", "--epochs", "20", "--out", out)
    data = cli.json("reload", trained["run_dir"], "--runs", "4", "--out", out)
    assert np.array(data["test/predictions"]).shape == (4, 3)
    assert data["repeat_spread"] == 0.0 and data["source_run"] == trained["run_dir"]
    # Keras dropout is the identity at test time
    assert data["test/predictions"][0] == trained["test/predictions"]


@pytest.mark.parametrize("layer, verdict", [
    ("keras", "inverted"), ("vanilla", "vanilla"), ("toy_layers:ScaleTwice", "inconsistent"),
    ("toy_layers:ForgotToScale", "inconsistent"), ("toy_layers:OddScale", "other"),
    ("toy_layers:NoSeed", "inverted"),
])
def test_compare_verdicts(cli, out, layer, verdict):
    data = cli.json("compare", "--layer", layer, *FAST, "--out", out)
    assert data["classification"] == verdict
    (claim,) = data["verdicts"]
    assert claim["claim"] == ("C1" if layer == "keras" else "inverted")
    assert claim["outcome"] == ("confirmed" if verdict == "inverted" else "refuted")
    checks = data["checks"]
    if verdict == "inverted":
        assert data["max_abs_diff"] == 0.0 and checks["consistency"]["passed"]
    if verdict == "vanilla":
        assert checks["vanilla"]["statistic"] == 0.0 and data["max_abs_diff"] > 1.0
    if verdict == "inconsistent":
        assert not checks["consistency"]["passed"] and checks["consistency"]["statistic"] > 10
    assert data["repeat_spread"] == 0.0 and data["round_trip_diff"] == 0.0


def test_compare_json_shape_and_existing_run(cli, out):
    trained = cli.json("train", "--epochs", "20", "--seed", "5", "--out", out)
    data = cli.json("compare", trained["run_dir"], "--runs", "3", "--mc-samples", "300",
                    "--out", out)
    assert {"classification", "layer", "rate", "max_abs_diff", "repeat_spread", "run_dir",
            "source_run", "samples", "checks", "verdicts"} <= set(data)
    assert data["source_run"] == trained["run_dir"]
    assert data["config"]["runs"] == 3 and data["config"]["seed"] == 5
    assert data["config"]["run"] == trained["run_dir"]
    sample = data["samples"][0]
    assert sample["trained_test"] == trained["test/predictions"][0]
    assert sample["ratio"] == 1.0 and sample["input"] == [3.0, 2.0]
    assert math.isclose(sample["vanilla_expected"] / sample["trained_test"], 0.5, rel_tol=0.5)
    assert len(_runs(out)) == 1 and len(_runs(out, "compare")) == 1


def test_compare_table_and_verdict_line(cli, out):
    result = cli("compare", *FAST, "--out", out)
    assert "Classification: inverted — max |f_r - f_0| = 0," in result.stdout
    assert "C1 confirmed — S000:" in result.stdout
    assert "f_0: rate-0 reload" in result.stdout and "Hypothesis checks" in result.stdout


def test_expect_sets_exit_code(cli, out):
    result = cli("compare", "--layer", "vanilla", *FAST, "--expect", "inverted", "--out", out,
                 "--json", expect=1)
    assert json.loads(result.stdout)["classification"] == "vanilla"
    assert "Error: Expected classification 'inverted', measured 'vanilla'." in result.stderr
