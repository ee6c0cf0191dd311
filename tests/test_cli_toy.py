"""``train``, ``reload`` and ``compare`` through the CLI: outputs, verdicts, errors."""

from __future__ import annotations

import json
from pathlib import Path

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
    (events,) = (name for name in manifest["files"] if name.startswith("tensorboard/"))
    assert set(manifest["files"]) == {"config.toml", "results.json", "weights.h5", events}
    assert events.startswith("tensorboard/events.out.tfevents.")  # train/loss per step


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


LAYERS = [("keras", "inverted"), ("vanilla", "vanilla"),
          ("toy_layers:ScaleTwice", "inconsistent"), ("toy_layers:ForgotToScale", "inconsistent"),
          ("toy_layers:OddScale", "other"), ("toy_layers:NoSeed", "inverted"),
          ("toy_layers:KeepsWithRate", "other")]


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])  # keep != rate, except at 0.5
@pytest.mark.parametrize("layer, verdict", LAYERS)
def test_compare_verdicts(cli, out, layer, verdict, rate):
    if layer.endswith("KeepsWithRate") and rate == 0.5:
        verdict = "vanilla"  # at 0.5 keeping with probability rate is keeping with keep
    data = cli.json("compare", "--layer", layer, "--rate", str(rate), *FAST, "--out", out)
    assert data["classification"] == verdict and data["rate"] == rate
    (claim,) = data["verdicts"]
    assert claim["claim"] == ("C1" if layer == "keras" else "inverted")
    assert claim["outcome"] == ("confirmed" if verdict == "inverted" else "refuted")
    checks = data["checks"]
    if verdict == "inverted":
        assert data["max_abs_diff"] == 0.0 and checks["consistency"]["passed"]
    if verdict == "vanilla":
        assert checks["vanilla"]["statistic"] == 0.0 and data["max_abs_diff"] > 0.5
    if verdict == "inconsistent":
        assert not checks["consistency"]["passed"] and checks["consistency"]["statistic"] > 10
    assert data["repeat_spread"] == 0.0 and data["round_trip_diff"] == 0.0


@pytest.mark.parametrize("layer, label", [
    ("keras.layers.GaussianDropout", "mean-preserving multiplicative noise"),
    ("keras.layers.GaussianNoise", "mean-preserving additive noise"),
    ("uniform", "mean-preserving multiplicative noise")])
def test_compare_names_a_noise_layer_for_what_it_is(cli, out, layer, label):
    data = cli.json("compare", "--layer", layer, "--rate", "0.3", *FAST, "--out", out)
    assert data["classification"] == label
    (claim,) = data["verdicts"]
    assert (claim["claim"], claim["outcome"]) == ("mean-preserving", "confirmed")
    assert claim["statement"].endswith(f"is {label}: identity at test time, training-mode "
                                       "mean equal to it")


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
    # g recomputed in float64 from the saved weights: the rate-0 net with the dropout
    # layer's input multiplied by keep = 0.5
    with h5py.File(Path(trained["run_dir"]) / "weights.h5") as handle:
        w = {k: np.asarray(handle[k], np.float64) for k in (
            "dense_in/kernel", "dense_in/bias", "dense_hidden/kernel", "dense_hidden/bias",
            "dense_out/kernel", "dense_out/bias")}
    hidden = (np.array(sample["input"]) @ w["dense_in/kernel"] + w["dense_in/bias"]) * 0.5
    g = (hidden @ w["dense_hidden/kernel"] + w["dense_hidden/bias"]) @ w["dense_out/kernel"] \
        + w["dense_out/bias"]
    assert sample["vanilla_expected"] == pytest.approx(g[0], rel=1e-5)
    f_0 = (((np.array(sample["input"]) @ w["dense_in/kernel"] + w["dense_in/bias"])
            @ w["dense_hidden/kernel"] + w["dense_hidden/bias"]) @ w["dense_out/kernel"]
           + w["dense_out/bias"])
    assert sample["reload_rate0"] == pytest.approx(f_0[0], rel=1e-5)
    assert len(_runs(out)) == 1 and len(_runs(out, "compare")) == 1


def test_compare_table_and_verdict_line(cli, out):
    result = cli("compare", *FAST, "--out", out)
    assert "Classification: inverted — max |f_r - f_0| = 0," in result.stdout
    assert "C1 confirmed — S000:" in result.stdout
    assert "f_0: rate-0 reload" in result.stdout and "Hypothesis checks" in result.stdout
    # the closing block answers in plain words first, then gives the f_r / f_0 / g detail
    flat = " ".join(result.stdout.split())
    answer = ("Keras scales kept units by 1/keep (× 2 at rate 0.5) during training and does "
              "nothing at test time: inverted dropout.")
    assert flat.index("Comparison: ") < flat.index(answer) < flat.index("Classification:")
    assert flat.index("Hypothesis checks") < flat.index(answer)


def test_expect_sets_exit_code(cli, out):
    result = cli("compare", "--layer", "vanilla", *FAST, "--expect", "inverted", "--out", out,
                 "--json", expect=1)
    assert json.loads(result.stdout)["classification"] == "vanilla"
    assert "Error: Expected classification 'inverted', measured 'vanilla'." in result.stderr


def test_a_layer_two_percent_off_is_inconsistent_at_the_default_settings(cli, out):
    # training x 1.02 / keep, identity at test: the training mean is 2 % above the test output;
    # the consistency check must see it with the default 2000 passes and z = 4.5
    data = cli.json("compare", "--layer", "toy_layers:SlightlyOff", "--epochs", "100",
                    "--rate", "0.2", "--out", out)
    assert data["config"]["mc_samples"] == 2000 and data["config"]["z"] == 4.5
    assert data["classification"] == "inconsistent"
    assert data["checks"]["consistency"]["statistic"] > 4.5
    assert data["checks"]["inverted"]["passed"]  # the test-time net is the identity


def test_a_flag_beats_the_config_file_which_beats_the_defaults(cli, out, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("rate = 0.25\nepochs = 7\nseed = 4\n")
    data = cli.json("train", "--config", config, "--epochs", "9", "--out", out)
    expected = {"rate": 0.25, "epochs": 9, "learning_rate": 0.001, "seed": 4, "layer": "keras"}
    assert data["config"] == expected and len(data["train/loss"]) == 9
    manifest = json.loads((Path(data["run_dir"]) / "manifest.json").read_text())
    assert manifest["config"] == expected and manifest["seed"] == 4
    assert "--config" in manifest["command"] and "--epochs 9" in manifest["command"]
