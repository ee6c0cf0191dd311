"""The verdict logic of seed 000's experiment, on all outcomes."""

from __future__ import annotations

import numpy as np
import pytest

from dropout_lab.core.verdict import Verdict, judge
from dropout_lab.toy.verdicts import (
    EXPLANATIONS,
    Check,
    Measured,
    checks_from,
    decide,
    false_alarm,
    labelled,
    layer_verdict,
)


@pytest.mark.parametrize("inverted, vanilla, consistent, verdict", [
    (True, False, True, "inverted"), (False, True, True, "vanilla"),
    (True, True, True, "indistinguishable"), (False, False, True, "other"),
    (True, False, False, "inconsistent"), (False, True, False, "inconsistent"),
    (False, False, False, "inconsistent"),
])
def test_decide(inverted, vanilla, consistent, verdict):
    assert decide(inverted, vanilla, consistent) == verdict


def _measured(f_r, f_0, g, mean, se):
    return Measured(f_r=np.array([f_r], np.float32), f_0=np.array([f_0], np.float32),
                    g=np.array(g), mean=np.array(mean), se=np.array(se),
                    recorded=np.array(f_r), layer_class="test")


def test_checks_use_relative_tolerance_and_z_bound():
    m = _measured([8.0, 4.0], [8.0 * (1 + 5e-7), 4.0], [4.0, 2.0], [8.0 + 4.4 * 0.01, 4.0],
                  [0.01, 0.01])
    inverted, vanilla, consistency = checks_from(m, rtol=1e-6, z=4.5)
    assert inverted.passed and not vanilla.passed and consistency.passed
    assert vanilla.statistic == pytest.approx(4.0)
    assert consistency.statistic == pytest.approx(4.4, rel=1e-5)
    _, _, strict = checks_from(m, rtol=1e-6, z=4.3)
    assert not strict.passed
    exact = checks_from(m, rtol=0.0, z=4.5)[0]
    assert not exact.passed and exact.statistic == pytest.approx(4e-6, rel=0.1)


def test_zero_standard_error_needs_exact_agreement_up_to_rounding():
    m = _measured([8.0], [8.0], [4.0], [8.0], [0.0])
    assert checks_from(m, 1e-6, 4.5)[2].passed
    m = _measured([8.0], [8.0], [4.0], [8.001], [0.0])
    assert not checks_from(m, 1e-6, 4.5)[2].passed


def test_checks_are_exactly_the_three_tests_with_their_statements_and_bounds():
    m = _measured([8.0, 4.0], [8.0, 4.0], [4.0, 2.0], [8.02, 4.0], [0.01, 0.01])
    assert checks_from(m, rtol=1e-6, z=4.5) == [
        Check("inverted", "f_r = f_0 (identity at test time)", True, 0.0,
              "|diff| <= 1e-06 * |value|"),
        Check("vanilla", "f_r = g (x keep at test time)", False, 4.0,
              "|diff| <= 1e-06 * |value|"),
        Check("consistency", "E[training-mode output] = f_r", True, pytest.approx(2.0),
              "|mean - f_r| <= 4.5 se + 1e-06 * |f_r| (false alarm <= 1e-05)")]


def test_the_rounding_allowance_grows_with_the_output():
    # se 0 (e.g. a layer that draws no noise): only rounding, rtol * |f_r|, is allowed,
    # and for an output of 100 that is 1e-4, not 1e-6 / 100
    m = _measured([100.0], [100.0], [50.0], [100.0 + 5e-5], [0.0])
    assert checks_from(m, 1e-6, 4.5)[2].passed
    m = _measured([100.0], [100.0], [50.0], [100.0 + 2e-4], [0.0])
    assert not checks_from(m, 1e-6, 4.5)[2].passed


def _checks(inverted, vanilla, consistency):
    return [Check("inverted", "", inverted == 0.0, inverted, ""),
            Check("vanilla", "", vanilla == 0.0, vanilla, ""),
            Check("consistency", "", consistency < 4.5, consistency, "")]


@pytest.mark.parametrize("classification, outcome", [
    ("inverted", "confirmed"), ("indistinguishable", "inconclusive"), ("vanilla", "refuted"),
    ("other", "refuted"), ("inconsistent", "refuted")])
def test_keras_dropout_gets_the_c1_verdict_with_its_test_and_numbers(classification, outcome):
    verdict = layer_verdict(classification, _checks(0.0, 3.4321, 0.72), "keras.layers.Dropout",
                            "binary", 1e-6, 4.5)
    assert verdict == judge(
        "C1", outcome, "keras.layers.Dropout: max |f_r - f_0| = 0, max |f_r - g| = 3.43, "
        f"training-mode mean within 0.72 se of f_r: {classification}",
        "f_r = f_0 (inverted) or f_r = g (vanilla) within 1e-06 relative; consistency "
        "|mean - f_r| <= 4.5 se (false alarm <= 2e-05)",
        {"max_abs_diff": 0.0, "vanilla_diff": 3.4321, "consistency_max_z": 0.72})


@pytest.mark.parametrize("noise, label", [("continuous", "mean-preserving multiplicative noise"),
                                          ("additive", "mean-preserving additive noise")])
def test_a_noise_layer_is_named_mean_preserving_noise_not_inverted_dropout(noise, label):
    assert labelled("inverted", noise) == label
    assert labelled("inverted", "bernoulli") == "inverted"
    assert labelled("other", noise) == "other"
    verdict = layer_verdict(label, _checks(0.0, 1.5, 1.25), "GaussianDropout", noise, 1e-5, 3.0)
    assert verdict == Verdict(
        "mean-preserving", None, f"GaussianDropout is {label}: identity at test time, "
        "training-mode mean equal to it", "confirmed",
        "GaussianDropout: max |f_r - f_0| = 0, max |f_r - g| = 1.5, training-mode mean within "
        f"1.25 se of f_r: {label} ({EXPLANATIONS[noise]})",
        "f_r = f_0 (inverted) or f_r = g (vanilla) within 1e-05 relative; consistency "
        "|mean - f_r| <= 3 se (false alarm <= 0.008)",
        {"max_abs_diff": 0.0, "vanilla_diff": 1.5, "consistency_max_z": 1.25})


def test_z_scores_are_exact_and_silent_where_the_standard_error_is_zero():
    import math
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0/0 or x/0 warnings reach the user
        # no noise and exact agreement: z is 0 (not 0/0), and exact equality passes at rtol 0
        m = _measured([8.0, 4.0], [8.0, 4.0], [4.0, 2.0], [8.0, 4.0], [0.0, 0.0])
        inverted, _, consistency = checks_from(m, rtol=0.0, z=4.5)
        assert inverted.passed and consistency.passed and consistency.statistic == 0.0
        # no noise but a gap: an infinite z, and a failed check
        m = _measured([8.0], [8.0], [4.0], [8.5], [0.0])
        consistency = checks_from(m, rtol=0.0, z=4.5)[2]
        assert not consistency.passed and consistency.statistic == math.inf
    m = _measured([8.0, 4.0], [8.0, 4.0], [4.0, 2.0], [9.0, 4.0], [0.5, 0.25])
    assert checks_from(m, 1e-6, 4.5)[2].statistic == 2.0  # a gap of exactly 1 over se 0.5


def test_false_alarm_bound_matches_the_documented_value():
    assert false_alarm(4.5, 3) == pytest.approx(2.04e-5, rel=0.01)


@pytest.fixture(scope="module")
def sampler(tmp_path_factory):
    """A trained toy net at rate 0.2 (Keras Dropout), its test-time output and a sampler."""
    from dropout_lab.core.runs import RunContext
    from dropout_lab.toy import net, reload, train
    from dropout_lab.toy.config import TrainConfig

    result = train.run(TrainConfig(rate=0.2, epochs=200),
                       RunContext(out=tmp_path_factory.mktemp("results")))
    run, config = reload.open_train_run(result.run_dir)
    model = reload.rebuild(run, config, 0.2, 1)
    return net.predict(model).astype(np.float64), net.training_mode_sampler(model)


def _alarms(sampler, z: float, repeats: int, passes: int = 2000) -> int:
    """Repeats in which the consistency check trips on a correct layer (Keras's Dropout)."""
    f_r, sample = sampler
    found = 0
    for _ in range(repeats):  # fresh, independent masks every repeat
        draws = sample(passes)
        m = Measured(f_r=f_r[None], f_0=f_r[None], g=f_r, mean=draws.mean(axis=0),
                     se=draws.std(axis=0, ddof=1) / np.sqrt(passes), recorded=f_r,
                     layer_class="keras.layers.Dropout")
        found += not checks_from(m, rtol=1e-6, z=z)[2].passed
    return found


@pytest.mark.slow  # thousands of passes: ~20 s
def test_consistency_bound_is_calibrated_on_a_correct_layer(sampler):
    # at the default z = 4.5 a correct layer trips with probability <= 2e-5 per run:
    # 0 of 150 runs (P(any) <= 0.003); at z = 2 the bound is <= 3 * 0.0455 = 0.137 per run
    # and at least 0.0455 (one input alone): 150 runs give between 1 and 37 alarms
    # (P(0) <= 0.001, Binomial(150, 0.137) exceeds 37 with P < 1e-4)
    assert _alarms(sampler, 4.5, 150) == 0
    alarms = _alarms(sampler, 2.0, 150)
    assert 1 <= alarms <= 37, alarms
