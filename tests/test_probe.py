"""``probe``: calibration, deliberately wrong layers, built-in behaviours, CLI and errors."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from dropout_lab.core import results, stats
from dropout_lab.core.runs import RunContext
from dropout_lab.dropouts import drawstats as probe_stats
from dropout_lab.dropouts import probing, registry
from dropout_lab.probe import probe
from dropout_lab.probe.config import ProbeConfig

WRONG = ("wrong_layers:KeepsWithRate", "wrong_layers:NeverRescales",
         "wrong_layers:RescalesTwice", "wrong_layers:SharesMaskAcrossBatch")


def _row(result, layer, rate):
    (row,) = [r for r in result.rows if r.layer == layer and r.rate == rate]
    return row


# --- calibration: the NumPy reference over many seeds (no TensorFlow) -----------------------

def _false_alarm_seeds(seeds, false_alarm: float, size: int = 4096) -> int:
    """Seeds in which a correct inverted dropout fails any verdict at the default rates."""
    impl, rates = registry.BUILTIN["numpy-inverted"], ProbeConfig().rates
    alpha = probe_stats.per_test_alpha(false_alarm, len(rates))
    failed = 0
    for seed in seeds:
        rows = [probing.measure_row(impl, rate, size, seed, alpha) for rate in rates]
        failed += any(_wrong_verdict(row) for row in rows)
    return failed


def _wrong_verdict(row) -> bool:
    s = row.stats
    return (s.rate_means != ("undecidable" if row.rate == 0.5 else "drop")
            or not (s.mean_preserved and s.consistent and s.gradient_is_mask_over_keep)
            or (s.scaling, s.test_time, s.shared_axes) != ("inverted", "identity", [])
            or bool(s.deviations))


def test_false_alarm_rate_at_default_bound_is_at_most_1e_4():
    # 1500 seeds at a true rate <= 1e-4: expected <= 0.15 failures; P(>= 2) < 0.011
    assert _false_alarm_seeds(range(1500), 1e-4) <= 1


def test_false_alarm_rate_tracks_a_loose_bound():
    # At false_alarm 0.05 the Bonferroni bound must hold (rate <= 0.05: at most
    # 30 + 3 sd = 46 of 600) and the tests must actually fire (0 would mean dead tests).
    failures = _false_alarm_seeds(range(10_000, 10_600), 0.05)
    assert 1 <= failures <= 46, failures


@pytest.mark.slow
def test_false_alarm_rate_over_20000_seeds():
    # Poisson(20000 * 1e-4 = 2): P(> 8) < 3e-4
    assert _false_alarm_seeds(range(20_000), 1e-4) <= 8


def test_bonferroni_level_and_z_at_defaults():
    alpha = probe_stats.per_test_alpha(1e-4, 3)
    assert alpha == pytest.approx(1e-4 / 9)
    assert stats.normal_quantile(alpha) == pytest.approx(4.39, abs=0.01)


# --- pure statistics ------------------------------------------------------------------------

def test_rate_meaning_decides_by_which_of_rate_and_one_minus_rate_is_covered():
    ci = stats.Interval(0.2, 0.19, 0.21, 0.99)
    assert probe_stats.rate_meaning(ci, 0.2) == "drop"
    assert probe_stats.rate_meaning(ci, 0.8) == "keep"
    assert probe_stats.rate_meaning(ci, 0.4) == "neither"
    assert probe_stats.rate_meaning(stats.Interval(0.5, 0.49, 0.51, 0.99), 0.5) == "undecidable"


def test_shared_axes_found_and_chance_guarded():
    rng = np.random.default_rng(0)
    per_sample = rng.random((64, 1, 32)) < 0.5  # one mask per sample, repeated over axis 1
    dropped = np.broadcast_to(per_sample, (64, 8, 32))
    assert probe_stats.shared_axes(dropped, np.where(dropped, 0.0, 2.0)) == [1]
    tiny = rng.random((2, 2, 1)) < 0.5  # too few slices: sharing could be chance
    assert probe_stats.shared_axes(tiny, np.where(tiny, 0.0, 2.0)) is None
    nothing = np.zeros((4, 4), bool)  # rate 0: no mask to look at
    assert probe_stats.shared_axes(nothing, np.ones((4, 4))) is None


def test_uniform_reference_numbers_match_its_documented_moments():
    # Var[U(1 - r, 1 + r)] = r^2 / 3; the sample variance of n draws has standard error
    # sqrt((mu4 - sigma^4) / n) with mu4 - sigma^4 = 4 r^4 / 45; bound 4.5 standard errors.
    rate, size = 0.5, 16384
    row = probing.measure_row(registry.BUILTIN["uniform"], rate, size, 7, 1e-5)
    m, n = row.stats.multipliers, size  # every entry is kept: n multipliers
    assert m.kind == "continuous" and 1 - rate <= m.values[0] and m.values[1] <= 1 + rate
    assert abs(m.var - rate ** 2 / 3) <= 4.5 * math.sqrt(4 * rate ** 4 / 45 / n)
    assert row.stats.variance_ratio == pytest.approx(m.var / (rate / (1 - rate)), rel=1e-3)
    assert (row.stats.rate_means, row.stats.scaling, row.stats.test_time) == (
        "neither", "mean-preserving multiplicative noise", "identity")
    assert row.stats.mean_preserved and row.stats.gradient == "multiplier"


@pytest.mark.parametrize("name, scaling, deviation", [
    ("keras.layers.GaussianDropout", "mean-preserving multiplicative noise",
     "multiplicative noise (out = x * m, E[m] = 1): nothing is dropped"),
    ("uniform", "mean-preserving multiplicative noise",
     "multiplicative noise (out = x * m, E[m] = 1): nothing is dropped"),
    ("keras.layers.GaussianNoise", "mean-preserving additive noise",
     "additive noise (out = x + noise): nothing is dropped or scaled"),
])
def test_noise_layers_are_named_mean_preserving_noise_not_inverted(name, scaling, deviation):
    for rate in (0.2, 0.5):
        stats = probing.measure_row(registry.BUILTIN[name], rate, 16384, 3, 1e-5).stats
        assert stats.scaling == scaling and stats.mean_preserved
        assert stats.test_time == "identity" and deviation in stats.deviations
        assert not any("inverted" in d for d in stats.deviations)


def test_alpha_dropouts_mean_is_a_property_of_the_input_with_its_standardised_moments():
    from dropout_lab.dropouts.classify import standardised_moments

    # Keras's constants at rate 0.2: alpha' = -1.7581, a = (0.8 (1 + 0.2 alpha'^2))^-1/2,
    # b = -a alpha' 0.2; dropped entries become a alpha' + b: mean 0, variance 1 exactly
    alpha = -1.7580993408473766
    a = (0.8 * (1 + 0.2 * alpha ** 2)) ** -0.5
    b = -a * alpha * 0.2
    mean, var = standardised_moments(a, b, a * alpha + b, 0.8)
    assert mean == pytest.approx(0, abs=1e-12) and var == pytest.approx(1, rel=1e-12)
    assert standardised_moments(2.0, 0.0, 0.0, 0.5) == (0.0, 2.0)  # not self-normalising
    stats = probing.measure_row(registry.BUILTIN["keras.layers.AlphaDropout"], 0.2, 16384, 3,
                                1e-5).stats
    assert not stats.mean_preserved  # on the probe's input of mean 2.5
    assert not any(d.startswith("training mean not preserved") for d in stats.deviations)
    (said,) = [d for d in stats.deviations if d.startswith("alpha dropout")]
    assert "on zero-mean, unit-variance input (as after SELU), the input it is built for, this " \
           "map gives mean +0.0000 and variance 1.0000" in said
    assert said.endswith(f"E[out]/E[in] = {stats.mean_ratio.estimate:.4g}: a property of that "
                         "input, not of the layer")


# --- deliberately wrong layers: each row names its defect, exactly, and nothing more -------

@pytest.fixture(scope="module")
def wrong(tmp_path_factory):
    config = ProbeConfig(layers=(*WRONG, "keras.layers.Dropout"), rates=(0.2, 0.5, 0.8),
                         size=16384, edges=False)
    return probe.run(config, RunContext(out=tmp_path_factory.mktemp("results")))


def _shape(deviations: list[str]) -> list[str]:
    """The deviations with their measured numbers replaced by #."""
    return [re.sub(r"\d+(\.\d+)?", "#", d) for d in deviations]


NOT_PRESERVED = ["training mean not preserved: E[out]/E[in] = #",
                 "E[training output] / test output = #, not #"]
# layer -> rate -> (rate means, scaling, kept x, shared axes, deviations with numbers as #)
EXPECTED = {
    "wrong_layers:KeepsWithRate": {
        0.2: ("keep", "inverted", [5.0], [], ["rate is the keep probability"]),
        0.5: ("undecidable", "inverted", [2.0], [], []),
        0.8: ("keep", "inverted", [1.25], [], ["rate is the keep probability"])},
    "wrong_layers:NeverRescales": {
        rate: ("drop" if rate != 0.5 else "undecidable", "none", [1.0], [],
               ["never rescales (kept x#, identity at test)", *NOT_PRESERVED])
        for rate in (0.2, 0.5, 0.8)},
    "wrong_layers:RescalesTwice": {
        rate: ("drop" if rate != 0.5 else "undecidable", "other", [1 / (1 - rate) ** 2], [],
               ["rescales twice (kept x# in training, identity at test; inverted is x# then "
                "identity)", *NOT_PRESERVED])
        for rate in (0.2, 0.5, 0.8)},
    "wrong_layers:SharesMaskAcrossBatch": {
        rate: ("drop" if rate != 0.5 else "undecidable", "inverted", [1 / (1 - rate)], [0],
               ["mask shared along axes [#] (batch)"])
        for rate in (0.2, 0.5, 0.8)},
    "keras.layers.Dropout": {
        rate: ("drop" if rate != 0.5 else "undecidable", "inverted", [1 / (1 - rate)], [], [])
        for rate in (0.2, 0.5, 0.8)},
}
CASES = [(layer, rate) for layer, by_rate in EXPECTED.items() for rate in by_rate]


@pytest.mark.parametrize("layer, rate", CASES)
def test_each_row_names_exactly_its_defect(wrong, layer, rate):
    s = _row(wrong, layer, rate).stats
    rate_means, scaling, kept, shared, deviations = EXPECTED[layer][rate]
    assert (s.rate_means, s.scaling, s.shared_axes, s.test_time) == (rate_means, scaling, shared,
                                                                    "identity")
    assert s.multipliers.kind == "constant"
    assert s.multipliers.values == pytest.approx(kept, rel=1e-6)
    assert _shape(s.deviations) == deviations
    keep = rate if rate_means == "keep" else 1 - rate  # what the layer keeps with
    assert s.drop_fraction.covers(1 - keep)
    assert s.gradient_is_mask_over_keep == (scaling == "inverted")


def test_the_numbers_in_deviations_are_the_measured_ones(wrong):
    never = _row(wrong, WRONG[1], 0.8).stats
    assert never.mean_ratio.covers(0.2) and not never.mean_ratio.covers(1.0)
    assert never.deviations[1] == f"training mean not preserved: E[out]/E[in] = " \
                                  f"{never.mean_ratio.estimate:.4g}"
    twice = _row(wrong, WRONG[2], 0.2).stats
    assert twice.deviations[0] == ("rescales twice (kept x1.5625 in training, identity at test; "
                                   "inverted is x1.25 then identity)")
    assert twice.mean_ratio.covers(1.25)


def test_keeps_with_rate_means_keep_for_the_implementation(wrong):
    assert wrong.rate_meaning[WRONG[0]] == "keep"
    assert wrong.rate_meaning["keras.layers.Dropout"] == "drop"
    shared = _row(wrong, WRONG[3], 0.2).stats
    assert shared.units == 16 * 64  # one sample's worth of independent units


# --- the default set through the CLI ---------------------------------------------------------

def test_default_probe_covers_every_builtin(cli, out):
    data = cli.json("probe", "--size", "4096", "--out", out)
    assert [r["layer"] for r in data["rows"][::3]] == registry.known_names()
    by = {(r["layer"], r["rate"]): r for r in data["rows"]}
    for name in ("keras.layers.Dropout", "keras.random.dropout", "tf.nn.dropout",
                 "tf.nn.experimental.stateless_dropout", "numpy-inverted"):
        assert [by[name, r]["rate_means"] for r in (0.2, 0.5, 0.8)] == ["drop", "undecidable",
                                                                        "drop"]
        assert by[name, 0.2]["scaling"] == "inverted" and by[name, 0.2]["shared_axes"] == []
    assert by["keras.layers.Dropout", 0.2]["framework_version"] == __import__("keras").__version__
    assert by["keras.layers.SpatialDropout2D", 0.2]["shared_axes"] == [1, 2]
    assert by["numpy-vanilla", 0.2]["scaling"] == "vanilla"
    assert by["numpy-vanilla", 0.2]["test_time"] == "scaled_by_keep"
    assert by["keras.layers.GaussianDropout", 0.2]["rate_means"] == "neither"
    assert by["keras.layers.AlphaDropout", 0.2]["multipliers"]["kind"] == "affine"
    assert by["keras.layers.GaussianNoise", 0.2]["multipliers"]["kind"] == "additive"
    edges = data["edges"]["keras.layers.Dropout"]
    assert edges["1"] == "returns zeros; gradient is None"
    assert edges["-0.1"] == ("raises ValueError: Invalid value received for argument `rate`. "
                             "Expected a float value between 0 and 1. Received: rate=-0.1")
    assert edges["0"] == "returns the input unchanged; gradient is 1"
    assert all(len(e) == 5 for e in data["edges"].values())
    (run_dir,) = (out / "probe").iterdir()
    assert json.loads((run_dir / "results.json").read_text())["rows"] == data["rows"]
    assert json.loads((run_dir / "manifest.json").read_text())["kind"] == "probe"


def test_c10_verdict_printed_with_numbers(cli, out):
    result = cli("probe", "--layer", "tf.nn.dropout", "--rate", "0.2", "--rate", "0.5",
                 "--size", "8192", "--no-edges", "--out", out)
    text = " ".join(result.stdout.split())
    assert "C10 refuted" in text and "rate is the drop probability" in text
    found = re.search(r"tf\.nn\.dropout \(TensorFlow [\d.]+\) at rate 0\.2 zeroed (\S+) "
                      r"\[(\S+), (\S+)\] of 8192 entries; keeping with probability rate would "
                      r"zero 0\.8", text)
    assert found, text
    low, high = float(found[2]), float(found[3].rstrip("]"))
    assert low <= float(found[1]) <= high and low <= 0.2 <= high < 0.8
    assert "at rate 0.5 both readings give 0.5" in text


def test_rate_one_row_records_behaviour(cli, out):
    data = cli.json("probe", "--layer", "tf.nn.dropout", "--layer", "keras.layers.Dropout",
                    "--rate", "1", "--size", "4096", "--no-edges", "--out", out)
    tf_row, keras_row = data["rows"]
    assert tf_row["behaviour"].startswith("raises ValueError: `rate` must be a scalar tensor")
    assert tf_row["drop_fraction"] is None
    assert keras_row["behaviour"] is None and keras_row["drop_fraction"]["estimate"] == 1.0
    assert keras_row["gradient"] == "None" and not keras_row["mean_preserved"]


@pytest.mark.parametrize("args, message", [
    (("--rate", "1.5"), "Invalid value for `rate`: expected a number in [0, 1] (invalid rates "
                        "are probed as edge behaviour anyway). Received: rate=1.5"),
    (("--rate", "nan"), "Received: rate=nan"),
    (("--layer", "nope"), "Invalid value for `layer`: expected one of keras, "
                          "keras.layers.Dropout, keras.random.dropout, tf.nn.dropout,"),
    (("--layer", "nomodule_here:Cls"), "(ModuleNotFoundError: No module named 'nomodule_here')"),
    (("--size", "100"), "Invalid value for `size`: expected an integer >= 4096. Received: "
                        "size=100"),
    (("--false-alarm", "0"), "Invalid value for `false_alarm`: expected a probability in "
                             "(0, 1). Received: false_alarm=0.0"),
])
def test_bad_input_exits_2_and_writes_nothing(cli, out, args, message):
    result = cli("probe", *args, "--out", out, expect=2)
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert not (out / "probe").exists()


def test_same_seed_same_numbers(tmp_path):
    config = ProbeConfig(layers=("tf.nn.dropout", "keras.random.dropout", "uniform",
                                       "numpy-inverted"), rates=(0.3,), size=4096, seed=5)
    first, second = (probe.run(config, RunContext(out=tmp_path / name)) for name in "ab")
    assert results.to_json(first)["rows"] == results.to_json(second)["rows"]
    assert first.edges == second.edges
    other = probe.run(dataclasses.replace(config, seed=6), RunContext(out=tmp_path / "c"))
    assert results.to_json(other)["rows"] != results.to_json(first)["rows"]


def test_example_config_file_is_the_default():
    from dropout_lab.core.config import load_toml, resolve

    path = Path(__file__).parents[1] / "configs" / "probe.toml"
    assert resolve(ProbeConfig, load_toml(path)) == ProbeConfig()


# ---- exact classifications on constructed draws (each names one way to be wrong) -------------

def _draw(scale_train: float, test_scale: float, rate: float = 0.2, seed: int = 5):
    """A rank-2 draw: Bernoulli mask at ``rate``, kept entries x ``scale_train``, test x
    ``test_scale``; returns (x, out, grad, test)."""
    from dropout_lab.dropouts import classify

    x = classify.probe_input(2, 65536)
    mask = np.random.default_rng(seed).random(x.shape) >= rate
    out = (x * mask * scale_train).astype(np.float32)
    grad = (mask * scale_train).astype(np.float32)
    return x, out, grad, (x * test_scale).astype(np.float32)


def test_a_layer_that_never_rescales_is_named_so_and_nothing_else_is_invented():
    x, out, grad, test = _draw(1.0, 1.0)
    s = probe_stats.analyse(x, out, grad, test, 0.2, 1e-5)
    assert (s.rate_means, s.scaling, s.test_time) == ("drop", "none", "identity")
    assert s.deviations == [
        "never rescales (kept x1, identity at test)",
        f"training mean not preserved: E[out]/E[in] = {s.mean_ratio.estimate:.4g}",
        f"E[training output] / test output = {s.train_test_ratio.estimate:.4g}, not 1"]


def test_a_test_time_output_that_is_neither_x_nor_keep_x_is_named():
    x, out, grad, test = _draw(1 / 0.8, 2.0)
    s = probe_stats.analyse(x, out, grad, test, 0.2, 1e-5)
    assert (s.scaling, s.test_time) == ("other", "other")
    assert s.deviations == ["test-time output is neither x nor keep x",
                            f"E[training output] / test output = "
                            f"{s.train_test_ratio.estimate:.4g}, not 1"]
    assert abs(s.train_test_ratio.estimate - 0.5) < 0.01
    x, out, grad, test = _draw(1.1, 2.0)  # wrong in training and at test: both are named
    s = probe_stats.analyse(x, out, grad, test, 0.2, 1e-5)
    assert s.deviations[:2] == ["kept entries scaled by 1.1, not 1/keep = 1.25",
                                "test-time output is neither x nor keep x"]


def test_scaling_twice_in_training_alone_is_rescaling_twice():
    x, out, grad, test = _draw(1 / 0.8 ** 2, 1.0)
    s = probe_stats.analyse(x, out, grad, test, 0.2, 1e-5)
    assert s.deviations[0] == ("rescales twice (kept x1.5625 in training, identity at test; "
                               "inverted is x1.25 then identity)")


def test_nothing_kept_is_no_scaling_convention():
    from dropout_lab.dropouts.classify import Multipliers, scaling_kind

    assert scaling_kind(Multipliers("none"), True, 0.5, "identity", True) == "n/a"
    assert scaling_kind(Multipliers("constant", [1.0]), False, 0.5, "identity", True) == "n/a"


def test_a_gradient_off_by_a_hair_where_the_mask_is_zero_is_not_the_multiplier():
    from dropout_lab.dropouts.classify import gradient_behaviour

    assert gradient_behaviour(np.array([1e-9, 2.0]), np.array([0.0, 2.0])) == "other"
    assert gradient_behaviour(np.array([0.0, 2.0]), np.array([0.0, 2.0])) == "multiplier"


def test_edge_draws_are_described_exactly():
    from dropout_lab.dropouts.classify import describe_draw

    x = np.array([[1.0, 2.0]], dtype=np.float32)
    zeros = np.zeros_like(x)
    assert describe_draw(x, zeros, np.full_like(x, np.nan), None) == \
        "returns zeros; gradient is NaN"
    assert describe_draw(x, zeros, zeros, None) == "returns zeros; gradient is zero"
    assert describe_draw(x, x, np.ones_like(x), x) == "returns the input unchanged; gradient is 1"
    assert describe_draw(x, x * 2, np.full_like(x, 2), None) == "returns x * 2; gradient = out/in"
    assert describe_draw(x, zeros, None, None) == "returns zeros; gradient is None"


def test_axis_names_follow_the_layout():
    from dropout_lab.dropouts.classify import axis_names

    assert axis_names(3) == ["batch", "timesteps", "features"]
    assert axis_names(3, "channels_first") == ["batch", "channels", "length"]
    assert axis_names(4, "channels_first") == ["batch", "channels", "height", "width"]
    assert axis_names(6) == [f"axis {a}" for a in range(6)]


def test_a_ratio_over_a_zero_total_is_undefined_and_over_one_is_computed():
    ratio = probe_stats._ratio(np.array([1.0, 2.0]), np.array([1.0, -1.0]), [], 4.0, 1e-5)
    assert math.isnan(ratio.estimate) and math.isnan(ratio.low)
    ratio = probe_stats._ratio(np.array([1.0, 2.0]), np.array([0.5, 0.5]), [], 4.0, 1e-5)
    assert ratio.estimate == 3.0


def test_an_alpha_channel_mask_is_found_shared_from_the_gradient():
    """Dropped entries set to a constant (alpha dropout): the multiplier varies with x along
    the shared axis, the dropped pattern does not."""
    from dropout_lab.dropouts.classify import probe_input

    x = probe_input(3, 16384)  # (16, 16, 64)
    channel_kept = np.random.default_rng(1).random((x.shape[0], 1, x.shape[2])) >= 0.5
    mask = np.broadcast_to(channel_kept, x.shape)
    out = np.where(mask, 0.8 * x + 0.1, -1.2).astype(np.float32)
    grad = np.where(mask, 0.8, 0.0).astype(np.float32)
    assert probe_stats.shared_axes(grad == 0, out / x) == [1]


def test_continuous_noise_with_an_odd_test_output_names_the_test_output():
    from dropout_lab.dropouts.classify import probe_input

    x = probe_input(2, 65536)
    noise = np.random.default_rng(2).normal(1.0, 0.3, x.shape)
    out, grad = (x * noise).astype(np.float32), noise.astype(np.float32)
    s = probe_stats.analyse(x, out, grad, (2 * x).astype(np.float32), 0.2, 1e-5)
    assert (s.multipliers.kind, s.scaling, s.test_time) == ("continuous", "other", "other")
    assert "test-time output is neither x nor keep x" in s.deviations


def test_kept_multipliers_are_named_by_kind():
    from dropout_lab.dropouts.classify import multipliers

    x = np.tile(np.array([1.0, 2.0, 3.0, 4.0]), 64)
    dropped = np.zeros(x.shape, dtype=bool)
    two = np.where(np.arange(x.size) % 3 == 0, 1.25, 2.5)
    assert multipliers(x, x * two, dropped).kind == "discrete"
    assert multipliers(x, x * 1.25, dropped).kind == "constant"
    # noise whose spread vanishes at the largest level: multiplicative, not additive
    factor = np.where(x == 4.0, 1.0, 1.0 + np.linspace(-0.3, 0.3, x.size))
    assert multipliers(x, x * factor, dropped).kind == "continuous"


def test_shared_axes_are_named_together():
    from dropout_lab.dropouts.classify import probe_input

    x = probe_input(4, 16384)  # (4, 4, 4, 64)
    keep = np.random.default_rng(3).random((x.shape[0], 1, 1, x.shape[3])) >= 0.5
    mask = np.broadcast_to(keep, x.shape)
    out, grad = (x * mask * 2).astype(np.float32), (mask * 2.0).astype(np.float32)
    s = probe_stats.analyse(x, out, grad, x, 0.5, 1e-5)
    assert s.shared_axes == [1, 2] and s.units == x.shape[0] * x.shape[3]  # one per channel
    assert s.deviations == ["mask shared along axes [1, 2] (height, width)"]


def test_an_undefined_ratio_is_nan_throughout_and_a_defined_one_has_its_level():
    ratio = probe_stats._ratio(np.array([1.0, 2.0]), np.array([1.0, -1.0]), [], 4.0, 1e-5)
    assert all(math.isnan(v) for v in (ratio.estimate, ratio.low, ratio.high))
    ratio = probe_stats._ratio(np.array([1.0, 3.0]), np.array([1.0, 1.0]), [], 4.0, 1e-5)
    assert ratio.confidence == 1 - 1e-5 and ratio.low < 2.0 < ratio.high


def test_a_pattern_that_chance_could_share_is_undetermined():
    # 2 columns of 8, each constant: an independent mask with f = 0.5 does this with
    # probability (2 * 0.5 ** 8) ** 2 = 6.1e-5 > 1e-6, so "shared" cannot be claimed
    dropped = np.tile(np.array([True, False]), (8, 1))
    assert probe_stats.shared_axes(dropped, np.where(dropped, 0.0, 2.0)) is None
    dropped = np.tile(np.array([True, False] * 4), (8, 1))  # 8 columns: (2^-7)^8, shared
    assert probe_stats.shared_axes(dropped, np.where(dropped, 0.0, 2.0)) == [0]


def test_a_mask_shared_along_an_axis_is_named_by_the_layout_channels_last_by_default():
    from dropout_lab.dropouts import drawstats as probe_stats

    rng = np.random.default_rng(0)
    x = np.ones((64, 3, 8), np.float32)  # (batch, timesteps, features)
    out = np.broadcast_to((rng.random((64, 1, 8)) > 0.5) * 2.0, x.shape).astype(np.float32)
    by_default = probe_stats.analyse(x, out, None, x.copy(), 0.5, 1e-4).deviations
    assert by_default == ["mask shared along axes [1] (timesteps)",
                          "gradient is None, not the multiplier out/in"]
    first = probe_stats.analyse(x, out, None, x.copy(), 0.5, 1e-4, layout="channels_first")
    assert first.deviations[0] == "mask shared along axes [1] (channels)"


def test_continuous_noise_that_zeroes_nothing_is_found_shared_from_its_multipliers():
    from dropout_lab.dropouts import drawstats as probe_stats

    rng = np.random.default_rng(1)
    multiplier = np.broadcast_to(rng.normal(1.0, 0.3, (64, 1, 8)), (64, 3, 8))
    assert probe_stats.shared_axes(np.zeros((64, 3, 8), bool), multiplier) == [1]
    assert probe_stats.shared_axes(np.zeros((64, 3, 8), bool),
                                   rng.normal(1.0, 0.3, (64, 3, 8))) == []


def test_outputs_and_gradients_are_described_in_words():
    from dropout_lab.dropouts import classify

    x = np.ones(4, np.float32)
    assert classify._describe_output(x, np.array([0, 2, 0, 2], np.float32)) == \
        "zeroes 50.0% of entries"
    assert classify._describe_output(x, np.array([1, 2, 3, 4], np.float32)) == \
        "returns noisy values (mean ratio 2.5)"
    grad = np.array([0.5, 3.0, -1.0, 2.0])  # neither the multiplier out/in nor zeros
    assert classify._describe_gradient(grad, np.array([2.0, 0.0, 2.0, 0.0])) == \
        "gradient is other"


def test_additive_noise_is_named_as_such_not_as_a_layer_that_never_rescales():
    from types import SimpleNamespace

    from dropout_lab.dropouts import classify

    additive = SimpleNamespace(scaling="none", multipliers=SimpleNamespace(kind="additive"),
                               test_time="identity")
    assert classify._scaling_deviations(additive, 0.8) == [
        "additive noise (out = x + noise): nothing is dropped or scaled"]
    constant = SimpleNamespace(scaling="none", multipliers=SimpleNamespace(kind="constant"),
                               test_time="identity")
    assert classify._scaling_deviations(constant, 0.8) == [
        "never rescales (kept x1, identity at test)"]


def test_at_keep_0_kept_entries_left_as_they_are_are_not_a_scaling():
    from dropout_lab.dropouts import classify

    unchanged = classify.Multipliers("constant", [1.0])
    assert classify.scaling_kind(unchanged, True, 0.0, "identity", True) == "n/a"
