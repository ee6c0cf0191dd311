"""``core.stats`` checked as statistics: exact values against SciPy, coverage, the level honoured.

Each interval is compared with SciPy's own implementation where SciPy has one,
its coverage is computed exactly (Clopper-Pearson, the median's order
statistics) or simulated on data where the truth is known (Student t on normal
data, where its coverage is exact), and its width is checked to respond to the
confidence as the theory says. Simulations are seeded and vectorised; their
bounds come from ``calibration.band`` (false alarm < 1e-6 each).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from calibration import FALSE_ALARM, band, within
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from dropout_lab.core import stats
from dropout_lab.core.stats import (
    DIFFERENCE,
    POSITIVE,
    PROPORTION,
    clopper_pearson,
    mean_interval,
    median_interval,
    normal_quantile,
)


def test_the_band_helper_has_the_false_alarm_it_states():
    """The band's two tails each hold less than FALSE_ALARM / 2 of Binomial(trials, p)."""
    for trials, p in ((4000, 0.05), (1000, 0.25), (300, 0.9)):
        low, high = band(trials, p)
        assert sps.binom.cdf(low - 1, trials, p) < FALSE_ALARM / 2
        assert sps.binom.sf(high, trials, p) <= FALSE_ALARM / 2
        assert low < trials * p < high


# --- Clopper-Pearson -----------------------------------------------------------------------

@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.999, 1 - 1.11e-5])
def test_clopper_pearson_is_scipys_exact_interval(confidence):
    """Bounds equal ``binomtest(k, n).proportion_ci(confidence, method='exact')``, the ends
    included (0 and n successes), and the estimate is k / n. SciPy finds the bounds by root
    finding, off by up to about 4e-6 relative for tiny proportions (checked with mpmath), so
    the agreement asked is 1e-5; the closed forms below pin the bounds to 1e-12."""
    for successes, trials in ((0, 1), (1, 1), (0, 20), (3, 20), (20, 20), (7, 9),
                              (512, 1024), (1, 131072), (26214, 131072)):
        found = clopper_pearson(successes, trials, confidence)
        expected = sps.binomtest(successes, trials).proportion_ci(confidence, method="exact")
        assert found.low == pytest.approx(expected.low, rel=1e-5, abs=1e-15)
        assert found.high == pytest.approx(expected.high, rel=1e-5, abs=1e-15)
        assert (found.estimate, found.confidence) == (successes / trials, confidence)


@pytest.mark.parametrize("confidence", [0.5, 0.95, 0.999])
@pytest.mark.parametrize("trials", [1, 7, 131072])
def test_clopper_pearson_matches_its_closed_forms_at_the_ends(trials, confidence):
    """With 0 successes P(X = 0) = (1 - p)^n, so the upper bound solves (1 - p)^n = alpha/2;
    with 1: P(X >= 1) = 1 - (1 - p)^n = alpha/2 for the lower bound; with n: p^n = alpha/2
    for the lower bound. Each to 1e-12 relative (alpha split over the two tails)."""
    half = (1 - confidence) / 2
    assert clopper_pearson(0, trials, confidence).high == pytest.approx(
        1 - half ** (1 / trials), rel=1e-12)
    assert clopper_pearson(1, trials, confidence).low == pytest.approx(
        -math.expm1(math.log1p(-half) / trials), rel=1e-12)
    assert clopper_pearson(trials, trials, confidence).low == pytest.approx(
        half ** (1 / trials), rel=1e-12)
    assert clopper_pearson(0, trials, confidence).low == 0.0
    assert clopper_pearson(trials, trials, confidence).high == 1.0


def _exact_coverage(trials: int, confidence: float, proportions: np.ndarray) -> np.ndarray:
    """P(interval covers p) for each p: the binomial probabilities of the k whose interval does."""
    bounds = [clopper_pearson(k, trials, confidence) for k in range(trials + 1)]
    low = np.array([b.low for b in bounds])[:, None]  # (k, 1)
    high = np.array([b.high for b in bounds])[:, None]
    k = np.arange(trials + 1)[:, None]
    pmf = sps.binom.pmf(k, trials, proportions[None, :])  # (k, p)
    return (pmf * ((low <= proportions) & (proportions <= high))).sum(axis=0)


@pytest.mark.parametrize("trials", [30, 200])
@pytest.mark.parametrize("confidence", [0.9, 0.99])
def test_clopper_pearson_covers_every_proportion_at_its_level_and_not_far_above(trials,
                                                                              confidence):
    """Exact coverage (no simulation): sum over k of Binomial(trials, p) probabilities whose
    interval covers p, on a grid of 999 proportions in (0, 1).

    Theorem: coverage >= confidence for every p. And the interval is not wider than it must
    be: its smallest coverage over the grid lies within alpha / 4 of the level (measured
    0.9013, 0.9004 at 90 %; 0.9904, 0.9902 at 99 %), while an interval with alpha / 4 in each
    tail would cover at least 1 - alpha / 2 everywhere (0.950 at 90 %), and one with alpha in
    each tail dips to 0.80. Deterministic: it cannot false-alarm.
    """
    proportions = np.linspace(0.001, 0.999, 999)
    coverage = _exact_coverage(trials, confidence, proportions)
    alpha = 1 - confidence
    assert coverage.min() >= confidence - 1e-12
    assert coverage.min() <= confidence + alpha / 4


def test_clopper_pearson_simulated_misses_match_its_exact_coverage():
    """4000 Binomial(50, 0.3) counts: the misses of the 90 % interval are
    Binomial(4000, q) with q = 1 - exact coverage at p = 0.3 (<= 0.1); fails outside the
    two-sided 1e-6 quantiles."""
    counts = np.random.default_rng(21).binomial(50, 0.3, size=4000)
    intervals = {k: clopper_pearson(int(k), 50, 0.9) for k in np.unique(counts)}
    misses = sum(not intervals[k].covers(0.3) for k in counts)
    q = 1 - _exact_coverage(50, 0.9, np.array([0.3]))[0]
    assert q <= 0.1
    assert within(misses, 4000, q), (misses, q)


def test_clopper_pearson_width_grows_with_the_confidence_asked():
    """Each bound is a beta quantile at alpha / 2: a higher level gives a strictly wider
    interval around the same estimate, with exactly the beta quantiles of its alpha."""
    widths = []
    for confidence in (0.5, 0.8, 0.9, 0.95, 0.99, 0.9999):
        found = clopper_pearson(30, 100, confidence)
        alpha = 1 - confidence
        assert found.low == pytest.approx(sps.beta.ppf(alpha / 2, 30, 71), rel=1e-12)
        assert found.high == pytest.approx(sps.beta.isf(alpha / 2, 31, 70), rel=1e-12)
        widths.append(found.high - found.low)
    assert widths == sorted(widths) and len(set(widths)) == len(widths)


def test_clopper_pearson_needs_a_trial():
    with pytest.raises(ValueError, match=r"^trials must be >= 1, received 0$"):
        clopper_pearson(0, 0, 0.95)


# --- Student t interval of a mean ----------------------------------------------------------

@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.95, 0.999])
def test_mean_interval_is_scipys_t_interval(confidence):
    """Equal to ``scipy.stats.t.interval`` with the standard error sd(ddof=1)/sqrt(n), and to
    ``ttest_1samp(...).confidence_interval``, to 1e-12 relative."""
    rng = np.random.default_rng(3)
    for n in (2, 3, 5, 30):
        values = rng.normal(0.3, 2.0, size=n)
        found = mean_interval(values, confidence)
        low, high = sps.t.interval(confidence, n - 1, loc=values.mean(), scale=sps.sem(values))
        ci = sps.ttest_1samp(values, 0.0).confidence_interval(confidence)
        for bound, a, b in ((found.low, low, ci.low), (found.high, high, ci.high)):
            assert bound == pytest.approx(a, rel=1e-12) and bound == pytest.approx(b, rel=1e-12)
        assert (found.estimate, found.confidence) == (pytest.approx(values.mean()), confidence)


def test_mean_interval_default_level_is_95_percent():
    values = [0.1, 0.4, 0.2, 0.35]
    assert mean_interval(values) == mean_interval(values, 0.95)
    assert mean_interval(values).confidence == 0.95


def test_mean_interval_width_scales_as_the_t_quantile_of_its_level():
    """Half-widths at two levels stand in the ratio of the t quantiles t_{1-a/2}(n - 1): a
    one-sided quantile (t_{1-a}) or a normal quantile would change every ratio below."""
    values = np.array([0.91, 0.93, 0.92, 0.95, 0.90])
    half = {c: mean_interval(values, c).high - values.mean() for c in (0.5, 0.9, 0.95, 0.99)}
    for c in (0.5, 0.9, 0.99):
        assert half[c] / half[0.95] == pytest.approx(
            sps.t.ppf(0.5 + c / 2, 4) / sps.t.ppf(0.975, 4), rel=1e-12)
    assert half[0.95] == pytest.approx(2.7764451 * values.std(ddof=1) / math.sqrt(5), rel=1e-7)


@pytest.mark.parametrize("confidence", [0.5, 0.9])
def test_mean_interval_coverage_on_normal_data_is_its_level(confidence):
    """On normal data the t interval's coverage is exactly its level: with 4000 samples of 4
    values the misses are Binomial(4000, 1 - confidence); fails outside the two-sided 1e-6
    quantiles (at 90 %: 400 expected, band about [300, 508]). Ignoring the level (95 %), a
    normal quantile, a one-sided quantile or ddof=0 each move the count far outside."""
    truth, trials = 1.5, 4000
    samples = np.random.default_rng(int(confidence * 100)).normal(truth, 0.7, size=(trials, 4))
    misses = sum(not mean_interval(row, confidence).covers(truth) for row in samples)
    assert within(misses, trials, 1 - confidence), misses


def test_mean_interval_clipped_to_a_proportion_keeps_its_coverage():
    """Accuracies near 1 (N(0.97, 0.03), 3 values per sample): the 90 % interval often runs
    past 1 and is clipped. Clipping removes only impossible values, so the clipped and
    unclipped intervals miss the truth in exactly the same samples, and their count is
    Binomial(3000, 0.1) (two-sided 1e-6 band)."""
    truth = 0.97
    samples = np.random.default_rng(5).normal(truth, 0.03, size=(3000, 3))
    clipped = [mean_interval(row, 0.9, PROPORTION) for row in samples]
    free = [mean_interval(row, 0.9) for row in samples]
    assert sum(i.high == 1.0 for i in clipped) > 500  # the clipping is exercised
    assert [c.covers(truth) for c in clipped] == [f.covers(truth) for f in free]
    assert within(sum(not c.covers(truth) for c in clipped), 3000, 0.1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-0.5, 1.5), min_size=2, max_size=6),
       st.sampled_from([PROPORTION, DIFFERENCE, POSITIVE]), st.sampled_from([0.5, 0.95]))
def test_clipping_only_removes_values_outside_the_bounds(values, bounds, confidence):
    """Clipped = unclipped intersected with the bounds, estimate unchanged."""
    free, clipped = mean_interval(values, confidence), mean_interval(values, confidence, bounds)
    assert clipped.estimate == free.estimate and clipped.confidence == confidence
    assert clipped.low == max(bounds[0], free.low) and clipped.high == min(bounds[1], free.high)


def test_one_value_carries_no_interval():
    found = mean_interval([0.42], 0.9, PROPORTION)
    assert (found.estimate, found.low, found.high, found.confidence) == (0.42, -math.inf,
                                                                         math.inf, 0.9)


# --- distribution-free interval of a median -------------------------------------------------

def _order(n: int, confidence: float) -> int:
    """The j of the interval [X_(j), X_(n+1-j)]: the largest with 1 - 2 P(Bin(n, 1/2) < j)
    >= confidence (0 when none)."""
    ok = [j for j in range(1, n // 2 + 1) if 1 - 2 * sps.binom.cdf(j - 1, n, 0.5) >= confidence]
    return max(ok, default=0)


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.999])
def test_median_interval_is_scipys_quantile_test_interval(confidence):
    """Bounds equal ``scipy.stats.quantile_test(x, p=0.5).confidence_interval(confidence)``
    (order statistics) wherever SciPy gives one, and the reported confidence is the exact
    coverage 1 - 2 P(Bin(n, 1/2) <= j - 1) of the largest admissible j."""
    rng = np.random.default_rng(8)
    for n in range(6, 41):
        values = rng.exponential(size=n)
        found = median_interval(values, confidence)
        j = _order(n, confidence)
        if j == 0:
            assert (found.low, found.high, found.confidence) == (-math.inf, math.inf,
                                                                 confidence)
            continue
        ci = sps.quantile_test(values, q=float(np.median(values)),
                               p=0.5).confidence_interval(confidence)
        assert (found.low, found.high) == (ci.low, ci.high), n
        assert found.confidence == pytest.approx(1 - 2 * sps.binom.cdf(j - 1, n, 0.5),
                                                 rel=1e-12)
        assert found.confidence >= confidence and found.estimate == np.median(values)


def test_median_interval_order_statistics_by_hand():
    """21 values 0..20 in random order. P(Bin(21, 1/2) <= k) = C(k) / 2^21 with C(2) = 232,
    C(3) = 1562, C(5) = 27896, C(6) = 82160, C(7) = 198440. At 95 %: j = 6 (1 - 2 * 27896 /
    2^21 = 0.9734; j = 7 would give 0.9216), the 6th smallest to the 6th largest; at 90 %:
    j = 7 (0.9216; j = 8 gives 0.8107); at 99.9 %: j = 3 (0.99978; j = 4 gives 0.99851)."""
    values = np.random.default_rng(1).permutation(21).astype(float)
    for confidence, (low, high, below) in {0.95: (5.0, 15.0, 27896), 0.9: (6.0, 14.0, 82160),
                                           0.999: (2.0, 18.0, 232)}.items():
        found = median_interval(values, confidence)
        assert (found.low, found.high, found.estimate) == (low, high, 10.0)
        assert found.confidence == pytest.approx(1 - 2 * below / 2**21, rel=1e-12)


def test_median_interval_coverage_on_skewed_data_is_its_exact_level():
    """2000 samples of 15 exponential values (median ln 2): the 90 % interval [X_(4), X_(12)]
    covers with probability exactly 1 - 2 P(Bin(15, 1/2) <= 3) = 0.9648 whatever the
    distribution; the misses are Binomial(2000, 0.0352) (two-sided 1e-6 band)."""
    samples = np.random.default_rng(15).exponential(size=(2000, 15))
    found = [median_interval(row, 0.9) for row in samples]
    coverage = 1 - 2 * sps.binom.cdf(3, 15, 0.5)
    assert all(f.confidence == pytest.approx(coverage, rel=1e-12) for f in found)
    misses = sum(not f.covers(math.log(2)) for f in found)
    assert within(misses, 2000, 1 - coverage), misses


def test_median_interval_too_few_values_is_infinite():
    """With n values the widest interval [min, max] covers with 1 - 2^(1-n): 5 values give
    0.9375 < 0.95, so no interval; 6 give 0.96875."""
    assert median_interval([1.0, 2, 3, 4, 5], 0.95).high == math.inf
    assert median_interval([1.0, 2, 3, 4, 5, 6], 0.95).low == 1.0


# --- the normal quantile --------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.5, 0.05, 1e-4, 1.11e-5, 1e-9])
def test_normal_quantile_splits_alpha_over_two_tails(alpha):
    """z = Phi^-1(1 - alpha / 2): P(|Z| > z) = 2 * norm.sf(z) = alpha to 1e-12 relative."""
    z = normal_quantile(alpha)
    assert 2 * sps.norm.sf(z) == pytest.approx(alpha, rel=1e-12)
    assert z == pytest.approx(sps.norm.isf(alpha / 2), rel=1e-12)


def test_normal_quantile_false_alarm_simulated():
    """400 000 standard normals: |Z| > z(0.01) is Binomial(400000, 0.01) (two-sided 1e-6
    band, about [3750, 4260]); z from one tail only (2.33) would give 8000."""
    draws = np.random.default_rng(99).standard_normal(400_000)
    assert within(int(np.sum(np.abs(draws) > normal_quantile(0.01))), 400_000, 0.01)


def test_scipy_is_imported_lazily_and_once():
    assert stats._scipy_stats() is sps
