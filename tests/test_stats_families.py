"""The statistics the families define, checked as statistics.

The probe's three tests per row and their Bonferroni level (``dropouts.drawstats``),
compare's consistency bound (``toy.verdicts``), the MNIST sweep's paired and
log-ratio intervals and the false-alarm rates of its decision rules
(``mnist.verdicts``), numpy-demo's family of matches/shifted tests and C3's
median-ratio interval. Each simulation is seeded and runs the code under test
on data whose truth is known; its bound is a Binomial band from
``calibration.band`` (two-sided, false alarm < 1e-6), derived in the docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from calibration import within
from scipy import stats as sps

from dropout_lab.core.stats import (
    clopper_pearson,
    mean_interval,
    normal_quantile,
)
from dropout_lab.dropouts import drawstats
from dropout_lab.dropouts.classify import RTOL
from dropout_lab.mnist import verdicts as mnist
from dropout_lab.toy.verdicts import Measured, checks_from, false_alarm

# --- probe: T1-T3 per row (dropouts.drawstats) -----------------------------------------------

X = np.tile(np.arange(1, 5, dtype=np.float32), 256).reshape(32, 32)  # 1, 2, 3, 4 cycling


def _inverted(rng, x, rate):
    """One training-mode draw of a correct inverted dropout: (out, grad)."""
    keep = np.float32(1 - rate)
    kept = rng.random(x.shape) >= rate
    return (np.where(kept, x / keep, 0).astype(np.float32),
            np.where(kept, 1 / keep, 0).astype(np.float32))


def _cp_miss_probability(trials: int, rate: float, confidence: float) -> float:
    """P(the Clopper-Pearson interval of Binomial(trials, rate) misses rate), exactly."""
    k = np.arange(trials + 1)
    misses = [not clopper_pearson(int(i), trials, confidence).covers(rate) for i in k]
    return float(sps.binom.pmf(k, trials, rate)[misses].sum())


def test_t1_is_the_clopper_pearson_interval_of_the_independent_mask_units():
    """A mask shared along axis 1 of (64, 8, 32): 64 * 32 = 2048 independent units, each
    counted once; T1 is their exact interval at the row's level 1 - alpha."""
    rng = np.random.default_rng(1)
    x = np.tile(np.arange(1, 5, dtype=np.float32), 64 * 8 * 8).reshape(64, 8, 32)
    kept = np.broadcast_to(rng.random((64, 1, 32)) >= 0.3, x.shape)
    out = np.where(kept, x / np.float32(0.7), 0).astype(np.float32)
    found = drawstats.analyse(x, out, None, x, 0.3, alpha=1e-3)
    dropped = int((~kept[:, 0, :]).sum())
    assert found.shared_axes == [1] and found.units == 2048
    assert found.drop_fraction == clopper_pearson(dropped, 2048, 1 - 1e-3)
    assert found.rate_means == ("drop" if found.drop_fraction.covers(0.3) else "neither")
    assert found.mean_ratio.confidence == found.train_test_ratio.confidence == 1 - 1e-3


def test_the_three_tests_of_a_row_false_alarm_at_their_level():
    """1000 draws of a correct inverted dropout at rate 0.2 on 1024 entries, each row at
    alpha = 0.2 (T2, T3 use z = 1.2816):

    - T1 (exact): its misses are Binomial(1000, q), q = P(Clopper-Pearson misses 0.2 at
      n = 1024), computed exactly (q <= alpha; 0.176 here: the interval is conservative);
    - T2 (CLT over 1024 independent units): misses Binomial(1000, ~alpha); 4000 draws
      measured 0.194, a CLT error small against the band (about alpha +- 0.07);
    - T3 against a test-time output equal to x is T2's ratio: the same draws miss.

    Each count must lie in its two-sided 1e-6 band. A one-sided z (0.84), an alpha not split
    (z for 2 alpha) or a level ignored (z = 4.39) moves T2's count far outside.
    """
    rng, alpha, rate, draws = np.random.default_rng(2), 0.2, 0.2, 1000
    t1 = t2 = t3 = 0
    for _ in range(draws):
        out, grad = _inverted(rng, X, rate)
        row = drawstats.analyse(X, out, grad, X, rate, alpha)
        t1 += not row.drop_fraction.covers(rate)
        t2 += not row.mean_preserved
        t3 += not row.consistent
        assert row.mean_preserved == row.mean_ratio.covers(1.0)
    q = _cp_miss_probability(X.size, rate, 1 - alpha)
    assert 0.15 < q <= alpha
    assert within(t1, draws, q), (t1, q)
    assert within(t2, draws, alpha), t2
    assert t3 == t2


def test_t3_false_alarm_on_a_vanilla_dropout_at_its_level():
    """Vanilla dropout (out = x * mask, test-time output keep * x): T3's null holds and T2's
    does not. 600 draws at rate 0.5, alpha = 0.1: T3's misses Binomial(600, ~0.1) (CLT, 1024
    units; two-sided 1e-6 band), T2 refutes every draw (E[out]/E[in] = 0.5, about 30 se
    from 1)."""
    rng, alpha = np.random.default_rng(3), 0.1
    test = (X * np.float32(0.5)).astype(np.float32)
    t2 = t3 = 0
    for _ in range(600):
        kept = rng.random(X.shape) >= 0.5
        out = np.where(kept, X, 0).astype(np.float32)
        row = drawstats.analyse(X, out, kept.astype(np.float32), test, 0.5, alpha)
        t2 += not row.mean_preserved
        t3 += not row.consistent
    assert t2 == 600
    assert within(t3, 600, alpha), t3


def test_a_row_bonferroni_level_is_wired_from_the_false_alarm_and_the_rates(tmp_path):
    """``probe`` at --false-alarm 0.01 over 2 rates: each of the 3 * 2 tests at
    alpha = 0.01 / 6, so the union bound holds the row family at 0.01; z is that alpha's
    two-sided quantile (3.144), and every interval of every row carries 1 - alpha."""
    from dropout_lab.core.runs import RunContext
    from dropout_lab.probe import probe
    from dropout_lab.probe.config import ProbeConfig

    result = probe.run(ProbeConfig(layers=("numpy-inverted",), rates=(0.2, 0.7), size=4096,
                                   false_alarm=0.01, edges=False), RunContext(out=tmp_path))
    alpha = 0.01 / 6
    assert result.alpha == pytest.approx(alpha, rel=1e-15)
    assert result.z == pytest.approx(sps.norm.isf(alpha / 2), rel=1e-12)
    assert result.z == pytest.approx(3.1440, abs=1e-4)
    for row in result.rows:
        s = row.stats
        for interval in (s.drop_fraction, s.mean_ratio, s.train_test_ratio):
            assert interval.confidence == pytest.approx(1 - alpha, rel=1e-15)
    assert drawstats.per_test_alpha(1e-4, 3) == pytest.approx(1e-4 / 9, rel=1e-15)
    assert drawstats.per_test_alpha(0.05, 1) == pytest.approx(0.05 / 3, rel=1e-15)


def test_the_ratio_estimate_is_numerator_over_denominator_with_its_delta_method_se():
    """sum(num) / sum(den) with se = sqrt(sum((num - R den)^2)) / |sum(den)|: num = [2, 6, 0,
    4], den = [1, 2, 1, 2] give R = 12 / 6 = 2 (inverted: 0.5), residuals [0, 2, -2, 0],
    se = sqrt(8) / 6; half-width z * se + RTOL * R. With a shared axis the units are the
    sums along it."""
    num, den = np.array([2.0, 6.0, 0.0, 4.0]), np.array([1.0, 2.0, 1.0, 2.0])
    z = normal_quantile(0.05)
    found = drawstats._ratio(num, den, [], z, 0.05)
    half = z * math.sqrt(8) / 6 + RTOL * 2
    assert (found.estimate, found.confidence) == (2.0, 0.95)
    assert found.low == pytest.approx(2 - half, rel=1e-15)
    assert found.high == pytest.approx(2 + half, rel=1e-15)
    assert drawstats._ratio(den, num, [], z, 0.05).estimate == 0.5
    shared = drawstats._ratio(np.stack([num, num]).T, np.stack([den, den]).T, [1], z, 0.05)
    assert shared.estimate == 2.0 and shared.high - shared.low == pytest.approx(
        2 * (z * 2 * math.sqrt(8) / 12 + RTOL * 2), rel=1e-15)


def test_shared_axes_chance_bound_sits_at_one_in_a_million():
    """A mask repeated along axis 1 (length L = 2) over B slices, half of them dropped:
    an independent mask looks shared by chance with (f^L + (1 - f)^L)^B. B = 20, f = 1/2:
    2^-20 = 9.5e-7 <= 1e-6, so the axis is found shared; B = 19, f = 9/19: 2.0e-6 > 1e-6,
    undetermined."""
    def looks(rows: int, dropped_rows: int):
        dropped = np.zeros((rows, 2), bool)
        dropped[:dropped_rows] = True
        return drawstats.shared_axes(dropped, np.where(dropped, 0.0, 2.0))

    assert 0.5 ** 20 <= drawstats.SHARED_CHANCE < (0.25 + 0.25) ** 19
    assert looks(20, 10) == [1]
    chance = ((9 / 19) ** 2 + (10 / 19) ** 2) ** 19
    assert chance > drawstats.SHARED_CHANCE
    assert looks(19, 9) is None


def test_the_chance_that_an_independent_mask_looks_shared_is_the_stated_formula():
    """20000 independent masks of shape (3, 2), drop probability 0.3: every row constant
    with probability (0.3^2 + 0.7^2)^3 = 0.1951; the count is Binomial(20000, 0.1951)
    (two-sided 1e-6 band)."""
    from dropout_lab.dropouts.classify import constant_along

    masks = np.random.default_rng(4).random((20000, 3, 2)) < 0.3
    looks_shared = sum(constant_along(m, (1,)) for m in masks)
    assert within(looks_shared, 20000, (0.09 + 0.49) ** 3), looks_shared


# --- compare: the consistency bound (toy.verdicts) -------------------------------------------

def test_consistency_false_alarm_bound_is_bonferroni_over_two_normal_tails():
    """false_alarm(z, n) = n * P(|Z| > z) = n * 2 * norm.sf(z)."""
    for z in (1.0, 2.0, 4.5, 6.0):
        for samples in (1, 3, 10):
            assert false_alarm(z, samples) == pytest.approx(samples * 2 * sps.norm.sf(z),
                                                            rel=1e-12)


@pytest.mark.parametrize("z", [1.0, 2.0])
def test_consistency_check_false_alarm_rate_is_its_level(z):
    """2000 runs on 3 inputs whose training-mode mean is f_r + se * Z exactly (a correct
    layer, the CLT limit), at rtol 0: the check trips when any |Z| > z, with probability
    1 - (1 - 2 sf(z))^3 (0.682 at z = 1, 0.130 at z = 2), within Bonferroni's 3 * 2 sf(z).
    The count must lie in the Binomial(2000, .) two-sided 1e-6 band."""
    f_r = np.array([0.3, -1.2, 2.5])
    se = np.array([0.01, 0.2, 0.05])
    draws = np.random.default_rng(int(z)).standard_normal((2000, 3))
    alarms = 0
    for row in draws:
        m = Measured(f_r=f_r[None], f_0=f_r[None], g=f_r, mean=f_r + se * row, se=se,
                     recorded=f_r, layer_class="test")
        alarms += not checks_from(m, rtol=0.0, z=z)[2].passed
    p = 1 - (1 - 2 * sps.norm.sf(z)) ** 3
    assert p <= false_alarm(z, 3)
    assert within(alarms, 2000, p), alarms


# --- mnist: paired intervals and the decision rules' false alarms ----------------------------

def _unit(arm, seed, test, train=0.99, speed=100.0, rise=0.0):
    from dropout_lab.mnist.units import Unit

    curves = {"test/accuracy": [test - rise, test], "train/accuracy": [train, train],
              "train/loss": [0.1, 0.1], "test/loss": [0.1, 0.1]}
    return Unit(arm=arm, seed=seed, steps=[50, 100], curves=curves, final_test_accuracy=test,
                final_train_accuracy=train, steps_per_second=speed, train_seconds=1.0,
                eval_seconds=0.1, trace_seconds=0.1, wall_seconds=1.2)


def _scipy_t(values, level, bounds=(-math.inf, math.inf)):
    ci = sps.ttest_1samp(values, 0.0).confidence_interval(level)
    return max(bounds[0], ci.low), min(bounds[1], ci.high)


ACCURACY = {"none": [0.951, 0.955, 0.949, 0.958], "dropout": [0.962, 0.966, 0.961, 0.9655],
            "l2": [0.953, 0.957, 0.956, 0.952], "dropout+l2": [0.960, 0.9615, 0.958, 0.962]}
SPEED = {"none": [100.0, 104.0, 98.0, 101.0], "dropout": [95.0, 97.0, 96.5, 93.0],
         "l2": [90.0, 91.0, 92.0, 89.0], "dropout+l2": [88.0, 92.0, 85.0, 87.0]}


def _sweep_units():
    return [_unit(arm, s, ACCURACY[arm][s], train=0.999 - 0.01 * s, speed=SPEED[arm][s])
            for arm in ACCURACY for s in range(4)]


def test_mnist_intervals_are_scipys_t_intervals_at_the_configured_confidence():
    """At --confidence 0.8: every arm summary and every paired difference (second - first,
    per seed) is ``ttest_1samp(...).confidence_interval(0.8)``, clipped to its range; the
    published difference is published[second] - published[first]. Swapping a pair flips
    the sign; ignoring the level (0.95) widens every interval by t_0.975(3)/t_0.9(3) = 2.1."""
    from dropout_lab.mnist.config import MnistConfig

    config = MnistConfig(seeds=4, confidence=0.8)
    found = mnist.analyse(config, _sweep_units())
    for summary in found.arms:
        accuracy = ACCURACY[summary.arm]
        low, high = _scipy_t(accuracy, 0.8, (0.0, 1.0))
        assert summary.test_accuracy.low == pytest.approx(low, rel=1e-12)
        assert summary.test_accuracy.high == pytest.approx(high, rel=1e-12)
        assert summary.test_accuracy.confidence == 0.8
        gaps = [0.999 - 0.01 * s - accuracy[s] for s in range(4)]
        assert summary.gap.low == pytest.approx(_scipy_t(gaps, 0.8, (-1, 1))[0], rel=1e-12)
        speed = summary.steps_per_second
        assert speed.high == pytest.approx(_scipy_t(SPEED[summary.arm], 0.8)[1], rel=1e-12)
    pairs = {(d.first, d.second): d for d in found.differences}
    assert list(pairs) == [("none", "dropout"), ("none", "l2"), ("none", "dropout+l2"),
                           ("dropout", "l2"), ("dropout", "dropout+l2"), ("l2", "dropout+l2")]
    for (first, second), diff in pairs.items():
        values = np.subtract(ACCURACY[second], ACCURACY[first])
        low, high = _scipy_t(values, 0.8, (-1, 1))
        assert diff.difference.estimate == pytest.approx(values.mean(), rel=1e-12)
        assert diff.difference.low == pytest.approx(low, rel=1e-12)
        assert diff.difference.high == pytest.approx(high, rel=1e-12)
        assert diff.difference.confidence == 0.8 and diff.seeds == 4
    assert pairs[("none", "dropout")].difference.estimate == pytest.approx(0.010375)
    assert pairs[("dropout", "l2")].published == pytest.approx(0.9652 - 0.9635)
    assert pairs[("dropout", "dropout+l2")].published == pytest.approx(0.9496 - 0.9635)
    assert pairs[("none", "dropout")].published is None


def test_c9_numbers_are_scipys_intervals_at_the_configured_confidence():
    """C9's d1 = acc(dropout+l2) - acc(dropout) and d2 = acc(dropout+l2) - acc(l2), at 0.8.
    (C11 is mnist-speed's signed-rank test: tests/test_mnist_speed.py, tests/test_timing.py.)"""
    table = mnist.by_arm(_sweep_units())
    c9 = mnist.verdict_c9(table, 0.8)
    for name, arm in (("dropout+l2 - dropout", "dropout"), ("dropout+l2 - l2", "l2")):
        values = np.subtract(ACCURACY["dropout+l2"], ACCURACY[arm])
        low, high = _scipy_t(values, 0.8, (-1, 1))
        assert c9.numbers[name].low == pytest.approx(low, rel=1e-12)
        assert c9.numbers[name].high == pytest.approx(high, rel=1e-12)
        assert c9.numbers[name].estimate == pytest.approx(values.mean(), rel=1e-12)


def _c9_table(rng, d1_mean, d2_mean, seeds=4, sd=0.01):
    """acc(dropout+l2) = 0.5; acc(dropout) = 0.5 - d1, acc(l2) = 0.5 - d2, with independent
    normal per-seed differences d1, d2."""
    d1 = rng.normal(d1_mean, sd, seeds)
    d2 = rng.normal(d2_mean, sd, seeds)
    return {"dropout+l2": {s: _unit("dropout+l2", s, 0.5) for s in range(seeds)},
            "dropout": {s: _unit("dropout", s, 0.5 - d1[s]) for s in range(seeds)},
            "l2": {s: _unit("l2", s, 0.5 - d2[s]) for s in range(seeds)}}


def test_c9_intersection_union_test_false_alarms_at_half_alpha():
    """Level 0.5 (alpha = 0.5), 4 seeds, normal per-seed differences (t exact), 800 runs each:

    - least favourable null for "confirmed" (d1 has mean 0, d2 mean -0.1, far below): the
      claim is wrongly confirmed exactly when d1's interval lies below 0, probability
      alpha / 2 = 0.25 (not alpha: the intersection-union test), and refuted when it lies
      above 0, also 0.25;
    - both means 0, d1 and d2 independent: confirmed with (alpha/2)^2 = 0.0625, refuted
      (either interval above 0) with 1 - (1 - alpha/2)^2 = 0.4375 <= alpha (Bonferroni).

    Each count in its Binomial(800, .) two-sided 1e-6 band. Ignoring the level (0.95)
    gives 0.025 for the first.
    """
    rng = np.random.default_rng(9)
    outcomes = [mnist.verdict_c9(_c9_table(rng, 0.0, -0.1), 0.5).outcome for _ in range(800)]
    assert within(outcomes.count("confirmed"), 800, 0.25), outcomes.count("confirmed")
    assert within(outcomes.count("refuted"), 800, 0.25), outcomes.count("refuted")
    outcomes = [mnist.verdict_c9(_c9_table(rng, 0.0, 0.0), 0.5).outcome for _ in range(800)]
    assert within(outcomes.count("confirmed"), 800, 0.0625)
    assert within(outcomes.count("refuted"), 800, 0.4375)


def test_c4_wrongly_confirmed_at_half_alpha_when_the_gap_does_not_narrow():
    """Least favourable null for C4: gap(none) - gap(dropout) has mean 0 (normal, sd 0.01),
    dropout's late rise is far above 0 (mean 0.1): confirmed exactly when the narrowing
    interval lies above 0, probability alpha / 2 = 0.25 at level 0.5; 800 runs, Binomial
    band (two-sided 1e-6)."""
    rng = np.random.default_rng(12)
    confirmed = 0
    for _ in range(800):
        narrowing = rng.normal(0.0, 0.01, 4)
        rise = rng.normal(0.1, 0.01, 4)
        table = {"none": {s: _unit("none", s, 0.9, train=0.95) for s in range(4)},
                 "dropout": {s: _unit("dropout", s, 0.9, train=0.95 - narrowing[s],
                                      rise=rise[s]) for s in range(4)}}
        confirmed += mnist.verdict_c4(table, 0.5).outcome == "confirmed"
    assert within(confirmed, 800, 0.25), confirmed


# --- numpy-demo: the family of matches/shifted tests and C3's interval ------------------------

def test_numpy_demo_splits_its_false_alarm_over_the_ten_comparisons(tmp_path):
    """--false-alarm 0.05: each of the COMPARISONS = 10 paired intervals at 1 - 0.05 / 10."""
    from dropout_lab.core.runs import RunContext
    from dropout_lab.numpy_demo import experiment
    from dropout_lab.numpy_demo.config import COMPARISONS, NumpyDemoConfig

    result = experiment.run(NumpyDemoConfig(samples=200, repeats=3, false_alarm=0.05),
                            RunContext(out=tmp_path))
    assert COMPARISONS == len(result.comparisons) == 10
    assert all(c.shift.confidence == pytest.approx(0.995, rel=1e-15)
               for c in result.comparisons)
    assert "confidence 1 - 0.05/10" in result.verdicts[0].test


def test_numpy_demo_family_wise_false_alarm_is_at_most_its_bound():
    """400 families of 10 paired comparisons whose null holds (reference - training mode
    ~ N(0, 1) per sample, 4 units x 30 samples), each at 1 - 0.5 / 10 as numpy-demo
    computes it for --false-alarm 0.5: any "shifted" with probability 1 - 0.95^10 = 0.401
    (independent, t exact), below the Bonferroni bound 0.5. The count of families with one
    is Binomial(400, 0.401) (two-sided 1e-6 band); a dropped correction (0.5 per test)
    gives 0.999."""
    from dropout_lab.numpy_demo.config import COMPARISONS
    from dropout_lab.numpy_demo.experiment import paired

    rng = np.random.default_rng(13)
    confidence = 1 - 0.5 / COMPARISONS
    train = np.zeros((4, 30))
    families = 0
    for _ in range(400):
        found = [paired("output", "vanilla", "exact", train, rng.standard_normal((4, 30)),
                        confidence) for _ in range(COMPARISONS)]
        families += any(c.verdict == "shifted" for c in found)
    assert within(families, 400, 1 - 0.95 ** 10), families


def test_paired_shift_is_reference_minus_training_mode_per_sample():
    """The per-sample mean over units of (value - train), its t interval at the given level;
    "shifted" exactly when it excludes 0."""
    from dropout_lab.numpy_demo.experiment import paired

    train = np.array([[1.0, 2.0, 3.0, 4.0], [3.0, 2.0, 1.0, 0.0]])  # (units, samples)
    value = train + np.array([[0.5, 0.7, 0.4, 0.6], [0.5, 0.5, 0.6, 0.4]])
    found = paired("layer 1", "vanilla", "test time, x keep_prob", train, value, 0.9)
    per_sample = [0.5, 0.6, 0.5, 0.5]
    expected = mean_interval(per_sample, 0.9)
    assert found.shift.low == pytest.approx(expected.low, rel=1e-12)
    assert found.shift.high == pytest.approx(expected.high, rel=1e-12)
    assert found.shift.estimate == pytest.approx(0.525) and found.verdict == "shifted"
    assert (found.train_mean, found.reference_mean) == (2.0, pytest.approx(2.525))
    swapped = paired("layer 1", "vanilla", "x", value, train, 0.9)
    assert swapped.shift.estimate == pytest.approx(-0.525)
    level = paired("layer 1", "vanilla", "x", train, value, 1 - 1e-9)
    assert level.verdict == "matches" and level.shift.low < 0 < level.shift.high


def test_c3_timing_interval_is_the_signed_rank_interval_of_vanilla_over_inverted():
    """C3's interval: the exact signed-rank interval of log(vanilla / inverted) per round at
    TIMING_CONFIDENCE (99.9 %), exponentiated, the folded one likewise; the sign test's p is
    SciPy's two-sided binomtest of the rounds where vanilla was slower."""
    from dropout_lab.core import stats
    from dropout_lab.core.timing import Rounds
    from dropout_lab.numpy_demo.config import TIMING_CONFIDENCE
    from dropout_lab.numpy_demo.timing import timing_of

    inverted = [1.0, 1.1, 0.9, 1.0, 1.2, 1.0, 0.95, 1.05, 1.0, 1.1, 1.0]
    vanilla = [1.3, 1.2, 1.4, 0.9, 1.5, 1.35, 1.25, 1.3, 1.2, 1.45, 1.3]
    folded = [1.01, 1.1, 0.9, 1.02, 1.2, 1.0, 0.96, 1.04, 1.0, 1.12, 0.99]
    times = {"inverted": inverted, "vanilla": vanilla, "vanilla folded": folded}
    rounds = Rounds("thread CPU time", 3, times, times, "precise", 1.0,
                    {"before": 0.1, "after": 0.1, "cpus": 2}, 1.0)
    out = np.ones(3)
    found = timing_of(rounds, {"inverted": out, "vanilla": out, "vanilla folded": out})
    assert TIMING_CONFIDENCE == 0.999
    logs = np.log(np.divide(vanilla, inverted))
    expected = stats.signed_rank_interval(logs, 0.999)
    got = found.vanilla_ratio_ci
    assert got.estimate == pytest.approx(math.exp(expected.estimate), rel=1e-12)
    assert (got.low, got.high) == (pytest.approx(math.exp(expected.low), rel=1e-12),
                                   pytest.approx(math.exp(expected.high), rel=1e-12))
    assert got.estimate > 1.2  # vanilla over inverted (about x1.27), not its inverse
    assert found.vanilla_slower == 10
    assert found.sign_test_p == pytest.approx(sps.binomtest(10, 11, 0.5).pvalue, rel=1e-12)
    assert found.pass_ms["vanilla"].median == pytest.approx(1300.0)


@pytest.mark.slow
@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_the_three_tests_of_a_row_at_every_default_rate_over_5000_draws(rate):
    """The slow twin of the 1000-draw test above, at alpha = 0.05 and each default rate:
    T1's misses Binomial(5000, q) with q its exact miss probability; T2's Binomial(5000,
    ~0.05) (CLT; 4000 draws at rate 0.2 measured 0.055); two-sided 1e-6 bands."""
    rng, alpha, draws = np.random.default_rng(int(rate * 10)), 0.05, 5000
    t1 = t2 = 0
    for _ in range(draws):
        out, grad = _inverted(rng, X, rate)
        row = drawstats.analyse(X, out, grad, X, rate, alpha)
        t1 += not row.drop_fraction.covers(rate)
        t2 += not row.mean_preserved
    assert within(t1, draws, _cp_miss_probability(X.size, rate, 1 - alpha)), t1
    assert within(t2, draws, alpha), t2
