"""``noise-shape``: seed 004's example, other shapes and layers, None at call time, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dropout_lab.probe import config as noise_shape

KNOWN_WITH_NOISE_SHAPE = ("keras, keras.layers.Dropout, keras.random.dropout, tf.nn.dropout, "
                          "tf.nn.experimental.stateless_dropout, keras.layers.AlphaDropout, "
                          "uniform or MODULE:CLASS with a noise_shape argument")


def _claims(data) -> dict:
    return {v["claim"]: v for v in data["verdicts"]}


def test_seed_004_example_one_mask_per_sample_repeated_over_timesteps(cli, out):
    data = cli.json("noise-shape", "--input-shape", "2,3,4", "--noise-shape", "None,1,4",
                    "--out", out)
    assert data["resolved_noise_shape"] == [2, 1, 4] and data["noise_shape"] == [None, 1, 4]
    assert [a["measured"] for a in data["axes"]] == ["independent", "shared", "independent"]
    assert data["verified"] and data["shared_axes"] == [1]
    mask = np.asarray(data["mask"])
    assert mask.shape == (2, 3, 4) and set(np.unique(mask)) <= {0.0, 2.0}
    assert (mask == mask[:, :1, :]).all()  # every timestep repeats its sample's mask
    claims = _claims(data)
    assert claims["C8"]["outcome"] == "confirmed" and claims["C12"]["outcome"] == "confirmed"
    assert claims["C12"]["evidence"] == (
        "the same keras.layers.Dropout object (noise_shape (None, 1, 4)) ran on inputs "
        "(2, 3, 4) and (5, 3, 4), i.e. with noise shapes (2, 1, 4) and (5, 1, 4); on the "
        "second input the mask was constant along axes [1]")
    assert claims["C12"]["numbers"] == {"noise shapes": "(2, 1, 4) and (5, 1, 4)"}
    assert [a["measured"] for a in data["control_axes"]] == ["independent"] * 3
    (run_dir,) = (out / "noise-shape").iterdir()
    import keras

    assert data["run_dir"] == str(run_dir) and data["framework_version"] == keras.__version__
    assert json.loads((run_dir / "manifest.json").read_text())["kind"] == "noise-shape"
    assert json.loads((run_dir / "results.json").read_text()) == data


@pytest.mark.parametrize("rate", [0.2, 0.8])  # keep != rate
@pytest.mark.parametrize("layer", ["keras.layers.Dropout", "tf.nn.dropout", "uniform"])
def test_sharing_does_not_depend_on_the_rate(cli, out, layer, rate):
    data = cli.json("noise-shape", "--layer", layer, "--rate", str(rate), "--draws", "60",
                    "--out", out)
    assert [a["measured"] for a in data["axes"]] == ["independent", "shared", "independent"]
    assert [a["measured"] for a in data["control_axes"]] == ["independent"] * 3
    assert _claims(data)["C8"]["outcome"] == "confirmed"
    if layer != "uniform":  # Bernoulli: the kept fraction is keep (binomial, 60 x 8 units)
        kept = data["kept_fraction"]
        assert abs(kept - (1 - rate)) <= 4.5 * ((rate * (1 - rate)) / 480) ** 0.5, kept


def test_seed_004_table_prints_each_sample_block(cli, out):
    text = cli("noise-shape", "--out", out).stdout
    assert "Mask of the first draw" in text and "features 3" in text
    assert "C8 confirmed" in text and "C12 confirmed" in text


@pytest.mark.parametrize("layer", ["tf.nn.dropout", "keras.random.dropout",
                                   "tf.nn.experimental.stateless_dropout", "uniform",
                                   "keras.layers.AlphaDropout"])
def test_same_neurons_for_all_samples(cli, out, layer):
    data = cli.json("noise-shape", "--input-shape", "4,3,8", "--noise-shape", "1,1,8",
                    "--layer", layer, "--draws", "50", "--out", out)
    assert data["shared_axes"] == [0, 1] and data["verified"], data["axes"]
    assert _claims(data)["C12"]["outcome"] == "not measured"


def test_channels_first_feature_maps_of_seed_004(cli, out):
    data = cli.json("noise-shape", "--input-shape", "2,64,50,1", "--noise-shape",
                    "None,64,1,1", "--draws", "20", "--out", out)
    assert [a["measured"] for a in data["axes"]] == ["independent", "independent", "shared",
                                                     "size 1"]
    assert data["verified"]


def test_layer_ignoring_noise_shape_is_caught(cli, out):
    data = cli.json("noise-shape", "--layer", "wrong_layers:IgnoresNoiseShape", "--draws", "50",
                    "--out", out)
    timesteps = data["axes"][1]
    assert timesteps["expected"] == "shared" and timesteps["measured"] == "independent"
    assert not data["verified"] and _claims(data)["C8"]["outcome"] == "refuted"


def test_rate_zero_leaves_sharing_undetermined(cli, out):
    data = cli.json("noise-shape", "--rate", "0", "--draws", "5", "--out", out)
    assert [a["measured"] for a in data["axes"]] == ["undetermined"] * 3
    assert not data["verified"] and data["kept_fraction"] == 1.0
    assert _claims(data)["C8"]["outcome"] == "not measured"


@pytest.mark.parametrize("text, dims", [("2,3,4", (2, 3, 4)), ("(None, 1, 4)", (None, 1, 4)),
                                        ("[None,1,4]", (None, 1, 4))])
def test_parse_shape(text, dims):
    assert noise_shape.parse_shape(text, "noise_shape", allow_none=True) == dims


@pytest.mark.parametrize("args, message", [
    (("--noise-shape", "None,2,4"),
     "Invalid value for `noise_shape`: expected a shape that broadcasts to the input shape "
     "(2, 3, 4) (each entry None, 1 or the input's size on that axis). Received: "
     "noise_shape=(None, 2, 4), whose axis 1 is 2 against the input's 3"),
    (("--noise-shape", "None,1"),
     "Invalid value for `noise_shape`: expected one entry per input axis (3 for input shape "
     "(2, 3, 4)). Received: noise_shape=(None, 1)"),
    (("--input-shape", "2,x,4"),
     "Invalid value for `input_shape`: expected comma-separated positive integers, like 2,3,4. "
     "Received: input_shape='2,x,4'"),
    (("--noise-shape", "None;1;4"),
     "Invalid value for `noise_shape`: expected comma-separated positive integers or None, "
     "like None,1,4. Received: noise_shape='None;1;4'"),
    (("--input-shape", "2,0,4"), "Received: input_shape='2,0,4'"),
    (("--layer", "nope"), f"Invalid value for `layer`: expected an implementation that takes "
                          f"noise_shape ({KNOWN_WITH_NOISE_SHAPE}). Received: layer='nope'"),
    (("--layer", "keras.layers.SpatialDropout1D"),
     f"Invalid value for `layer`: expected an implementation that takes noise_shape "
     f"({KNOWN_WITH_NOISE_SHAPE}). Received: layer='keras.layers.SpatialDropout1D'"),
    (("--rate", "1.5"),
     "Invalid value for `rate`: keras.layers.Dropout rejects it (Invalid value received for "
     "argument `rate`. Expected a float value between 0 and 1. Received: rate=1.5). "
     "Received: rate=1.5"),
    (("--rate", "-0.1", "--layer", "tf.nn.dropout"),
     "Invalid value for `rate`: tf.nn.dropout rejects it (`rate` must be a scalar tensor or a "
     "float in the range [0, 1). Received: rate=-0.1). Received: rate=-0.1"),
    (("--rate", "nan"), "Invalid value for `rate`: expected a finite number. Received: rate=nan"),
])
def test_bad_input_exits_2_and_writes_nothing(cli, out, args, message):
    result = cli("noise-shape", *args, "--out", out, expect=2)
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert not (out / "noise-shape").exists()


def test_example_config_file_is_seed_004():
    from dropout_lab.core.config import load_toml, resolve

    path = Path(__file__).parents[1] / "configs" / "noise_shape.toml"
    config = resolve(noise_shape.NoiseShapeConfig, load_toml(path))
    assert config == noise_shape.NoiseShapeConfig()
    assert (config.input_dims, config.noise_dims) == ((2, 3, 4), (None, 1, 4))


def test_progress_counts_both_phases_of_draws(out):
    from dropout_lab.core.runs import RunContext
    from dropout_lab.probe import noise_shape as experiment

    reports = []
    experiment.run(noise_shape.NoiseShapeConfig(draws=7),
                   RunContext(out=out, progress=lambda *a: reports.append(a)))
    draws = [r for r in reports if r[0] == "draws"]
    # each phase reports every 50 draws and at its end: the noise_shape draws, then the control
    assert draws == [("draws", 7, 14), ("draws", 14, 14)]


def test_the_mask_shows_dropped_entries_as_zero_even_for_alpha_dropout(cli, out):
    data = cli.json("noise-shape", "--layer", "keras.layers.AlphaDropout", "--rate", "0.5",
                    "--draws", "20", "--out", out)
    mask = np.asarray(data["mask"])
    # AlphaDropout sets dropped entries to a constant, not 0: out / x is not 0 there, but the
    # picture must show which entries were dropped
    assert 0 < (mask == 0).mean() < 1
    dropped = mask == 0  # S004's noise_shape: the dropped pattern is shared over timesteps
    assert (dropped == dropped[:, :1, :]).all()


def test_the_figure_shows_draws_that_reveal_the_shared_pattern(cli, out):
    from dropout_lab.probe.noise_shape import SHOWN, reveals
    from dropout_lab.reproduce.figures import mask_figure

    data = cli.json("noise-shape", "--seed", "0", "--out", out)
    assert len(data["shown_draws"]) == SHOWN and data["control_draws"]
    for shown in data["shown_draws"]:
        mask = np.asarray(shown["mask"])  # (2, 3, 4): S004's example
        kept = mask != 0
        assert all(sample.any() and not sample.all() for sample in kept)  # both, per sample
        assert (kept == kept[:, :1, :]).all()  # and shared over timesteps, as declared
    control = np.asarray(data["control_draws"][0]["mask"]) != 0
    assert not (control == control[:, :1, :]).all()  # without noise_shape: single entries
    assert reveals(np.array([[True, False], [False, True]]))
    assert not reveals(np.array([[True, True], [False, True]]))  # sample 0 all dropped
    assert not reveals(np.array([[False, False], [False, True]]))  # sample 0 all kept
    from dropout_lab.core import kinds, results
    result = results.from_json(kinds.experiment("noise-shape").Result, data)
    figure = mask_figure(result)
    assert len(figure.axes) == (SHOWN + 1) * 2 + 1  # draws and control x samples, colourbar
    assert figure.axes[0].get_title() == f"draw {data['shown_draws'][0]['draw'] + 1}, sample 0"
