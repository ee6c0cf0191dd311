"""``gradients``: seed 002's net, claims C5-C7 and the activation order."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from dropout_lab.core import results
from dropout_lab.core.atomic import dumps
from dropout_lab.core.errors import ConfigError
from dropout_lab.core.runs import RunContext
from dropout_lab.core.stats import clopper_pearson
from dropout_lab.gradients import experiment as gradients
from dropout_lab.gradients.config import GradientsConfig
from dropout_lab.gradients.verdicts import verdicts

UPSTREAM = ["frozen_conv_1", "frozen_pool", "frozen_conv_2", "flatten", "dense_512",
            "dense_1024"]


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """One run at the seed's rate on a small batch, shared by the tests below."""
    out = tmp_path_factory.mktemp("results")
    return gradients.run(GradientsConfig(batch_size=8), RunContext(out=out))


def _rows(result):
    return {row.layer: row for row in result.layers}


def test_c5_only_the_dropout_output_gets_new_zeros(measured):
    rows = _rows(measured)
    assert list(rows) == [*UPSTREAM, "dropout", "output"]
    for name in UPSTREAM:
        assert rows[name].output_max_abs_change == 0 and rows[name].newly_zeroed == 0
    assert rows["dropout"].newly_zeroed == measured.drop_count > 0
    assert rows["dropout"].zero_fraction_with > rows["dropout"].zero_fraction_without
    # the output layer changes (dropout feeds it) but a sigmoid is never zeroed
    assert rows["output"].output_max_abs_change > 0 and rows["output"].newly_zeroed == 0
    assert measured.drop_fraction.covers(0.2)
    assert measured.drop_trials == pytest.approx(8 * 1024 * (1 - rows["dense_1024"]
                                                             .zero_fraction_without))


def test_c6_gradients_change_frozen_weights_do_not(measured):
    rows = _rows(measured)
    for name in ("dense_512", "dense_1024", "output"):
        assert rows[name].trainable is True
        assert 0.01 < rows[name].gradient_rel_change < math.inf
        assert rows[name].weights_changed_fraction > 0
    for name in ("frozen_conv_1", "frozen_conv_2"):
        assert rows[name].trainable is False
        assert rows[name].weights_changed_fraction == 0  # bit-identical after the step
        assert rows[name].gradient_rel_change > 0  # their gradient changes, unused
    assert rows["flatten"].trainable is None and rows["flatten"].gradient_rel_change is None


def test_c7_rate_one_cuts_the_gradient(measured):
    rate1 = measured.rate1
    assert rate1.train_zero_fraction == 1.0 and rate1.test_time_identity
    for name in ("dense_512", "dense_1024"):
        assert _rows(measured)[name].rate1_gradient == {"kernel": "None", "bias": "None"}
    assert _rows(measured)["output"].rate1_gradient == {"kernel": "zero", "bias": "nonzero"}
    assert {s for p, s in rate1.gradients_zero_mode.items() if "output" not in p} == {"zero"}
    assert rate1.upstream_unchanged_after_step
    assert any("Gradients do not exist" in w for w in rate1.optimizer_warnings)


def test_activation_order(measured):
    relu, sigmoid = measured.orders
    assert relu.same_mask and relu.exactly_equal and relu.max_abs_diff == 0
    # a dropped entry gives sigmoid(0) = 0.5 before, 0 after
    assert not sigmoid.exactly_equal and sigmoid.max_abs_diff == pytest.approx(0.5, abs=1e-3)


def test_all_verdicts_hold_and_run_is_written(measured):
    assert [(v.claim, v.outcome) for v in measured.verdicts] == [
        ("C5", "confirmed"), ("C6", "confirmed"), ("C7", "qualified"), ("order", "confirmed")]
    # kernel and bias of the two trainable layers before the dropout: all None, none nonzero
    assert measured.verdicts[2].numbers == {"nonzero upstream gradients": "0 of 4 (4 None)"}
    saved = json.loads((measured.run_dir / "results.json").read_text())
    assert saved == json.loads(dumps(results.to_json(measured)))
    assert saved["verdicts"][1]["outcome"] == "confirmed" and len(saved["layers"]) == 8
    assert json.loads((measured.run_dir / "manifest.json").read_text())["kind"] == "gradients"


def test_the_zeroed_fraction_is_the_drop_rate_not_the_keep_rate(out):
    result = gradients.run(GradientsConfig(rate=0.8, batch_size=4, false_alarm=0.05),
                           RunContext(out=out))
    assert result.drop_fraction.covers(0.8) and not result.drop_fraction.covers(0.2)
    assert result.verdicts[0].outcome == "confirmed"  # C5 at rate 0.8
    # the interval is the exact one at confidence 1 - --false-alarm, not a fixed level
    assert result.drop_fraction == clopper_pearson(result.drop_count, result.drop_trials, 0.95)
    assert result.verdicts[0].test.endswith("Clopper-Pearson interval at confidence 1 - 0.05 "
                                            "must cover rate")


def test_rate_zero_changes_nothing_so_c6_does_not_hold(out):
    result = gradients.run(GradientsConfig(rate=0.0, batch_size=4), RunContext(out=out))
    rows = _rows(result)
    assert all(row.newly_zeroed == 0 for row in result.layers)
    assert rows["dense_512"].gradient_rel_change == 0
    claims = {v.claim: v for v in result.verdicts}
    assert claims["C5"].outcome == "confirmed" and claims["C6"].outcome == "refuted"


def _fake(measured, **changes):
    """The measured rows with one layer's fields replaced (a deliberately wrong layer)."""
    layer = changes.pop("layer")
    return [dataclasses.replace(r, **changes) if r.layer == layer else r
            for r in measured.layers]


@pytest.mark.parametrize("layer, changes, failing", [
    ("dense_512", dict(output_max_abs_change=0.1), "C5"),  # dropout reached upstream outputs
    ("dense_512", dict(newly_zeroed=3), "C5"),
    ("frozen_conv_1", dict(weights_changed_fraction=0.5), "C6"),  # a frozen layer moved
    ("dense_1024", dict(gradient_rel_change=0.0), "C6"),  # gradient not affected
    ("dense_512", dict(rate1_gradient={"kernel": "nonzero", "bias": "None"}), "C7"),
])
def test_verdicts_name_the_defect(measured, layer, changes, failing):
    rows = _fake(measured, layer=layer, **changes)
    interval = clopper_pearson(measured.drop_count, measured.drop_trials, 1 - 1e-4)
    found = verdicts(rows, interval, (measured.drop_count, measured.drop_trials),
                     measured.rate1, measured.orders, measured.config)
    assert [v.claim for v in found if v.outcome == "refuted"] == [failing]


def test_c5_fails_when_the_drop_fraction_is_the_keep_fraction(measured):
    kept = measured.drop_trials - measured.drop_count  # a layer that drops with prob. 1 - rate
    interval = clopper_pearson(kept, measured.drop_trials, 1 - 1e-4)
    found = verdicts(measured.layers, interval, (kept, measured.drop_trials), measured.rate1,
                     measured.orders, measured.config)
    assert found[0].outcome == "refuted" and "vs rate 0.2" in found[0].evidence


def test_cli_json(cli, out):
    data = cli.json("gradients", "--batch-size", "4", "--seed", "3", "--out", out)
    assert [v["claim"] for v in data["verdicts"]] == ["C5", "C6", "C7", "order"]
    assert data["config"] == {"rate": 0.2, "seed": 3, "batch_size": 4, "learning_rate": 1e-4,
                              "false_alarm": 1e-4}
    assert data["layers"][6]["layer"] == "dropout" and data["layers"][6]["newly_zeroed"] > 0
    assert len(list((out / "gradients").iterdir())) == 1


@pytest.mark.parametrize("field, value, expected", [
    ("rate", 1.0, "expected a drop probability in [0, 1) (rate 1 is measured separately, as "
                  "claim C7). Received: rate=1.0"),
    ("rate", float("nan"), "expected a drop probability in [0, 1) (rate 1 is measured "
                           "separately, as claim C7). Received: rate=nan"),
    ("batch_size", 0, "expected an integer in [1, 2147483647] (a 32-bit count). "
                      "Received: batch_size=0"),
    ("learning_rate", -1.0, "expected a finite number > 0. Received: learning_rate=-1.0"),
])
def test_config_errors(field, value, expected):
    with pytest.raises(ConfigError) as info:
        GradientsConfig(**{field: value})
    assert str(info.value) == f"Invalid value for `{field}`: {expected}"


@pytest.mark.parametrize("args, message", [
    (("--rate", "1.5"), "Invalid value for `rate`: expected a drop probability in [0, 1)"),
    (("--rate", "-0.1"), "Received: rate=-0.1"),
    (("--rate", "nan"), "Received: rate=nan"),
    (("--batch-size", "0"), "Invalid value for `batch_size`: expected an integer in "
                            "[1, 2147483647] (a 32-bit count)"),
])
def test_cli_bad_input_exit_2_nothing_written(cli, out, args, message):
    result = cli("gradients", *args, "--out", out, expect=2)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert list(out.iterdir()) == []
