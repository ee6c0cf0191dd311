"""Confidence bounds and tests used by the verdicts.

Every statistical verdict in dropout-lab is a test with a stated bound; the
helpers here compute those bounds from the sampling distribution (exact
binomial, Student t, normal), never from hand-picked tolerances.
"""

from __future__ import annotations

import math

import numpy as np

from dropout_lab.core.interval import Interval


def _scipy_stats():
    """scipy.stats, imported on first use (it costs ~0.7 s, too much for config errors)."""
    from scipy import stats

    return stats


def clopper_pearson(successes: int, trials: int, confidence: float) -> Interval:
    """Exact (Clopper-Pearson) interval for a binomial proportion.

    Coverage is at least ``confidence`` for every true proportion, so a test
    "the proportion is p" that rejects when p falls outside the interval has
    false-alarm rate at most ``1 - confidence``.
    """
    if trials < 1:
        raise ValueError(f"trials must be >= 1, received {trials}")
    alpha = 1.0 - confidence
    sps = _scipy_stats()
    low = 0.0 if successes == 0 else sps.beta.ppf(alpha / 2, successes, trials - successes + 1)
    high = 1.0 if successes == trials else sps.beta.ppf(1 - alpha / 2, successes + 1,
                                                        trials - successes)
    return Interval(successes / trials, float(low), float(high), confidence)


def mean_interval(values, confidence: float = 0.95,
                  bounds: tuple[float, float] = (-math.inf, math.inf)) -> Interval:
    """Student-t interval for the mean of independent values (e.g. one per seed).

    Args:
        bounds: the range the mean lies in (an accuracy: (0, 1)); the interval is
            clipped to it. Clipping keeps the coverage: it removes only values the
            mean cannot take.

    With a single value the interval is infinite: one run carries no error bar.
    """
    data = np.asarray(values, dtype=np.float64)
    mean = float(data.mean())
    if data.size < 2:
        return Interval(mean, -math.inf, math.inf, confidence)
    quantile = _scipy_stats().t.ppf(0.5 + confidence / 2, data.size - 1)
    half = quantile * data.std(ddof=1) / math.sqrt(data.size)
    return Interval(mean, max(bounds[0], mean - float(half)), min(bounds[1], mean + float(half)),
                    confidence)


#: The range of an accuracy or error rate, and of a difference of two.
PROPORTION, DIFFERENCE, POSITIVE = (0.0, 1.0), (-1.0, 1.0), (0.0, math.inf)


def median_interval(values, confidence: float) -> Interval:
    """Distribution-free interval for a median, from order statistics.

    With n independent values, the median lies between the j-th smallest and
    the j-th largest with probability 1 - 2 P(Binomial(n, 1/2) < j), whatever
    their distribution; j is the largest that keeps this >= ``confidence``,
    and the interval's ``confidence`` is that exact coverage. Too few values
    for the confidence asked give an infinite interval.
    """
    data = np.sort(np.asarray(values, dtype=np.float64))
    n, median = data.size, float(np.median(values))
    cdf = _scipy_stats().binom.cdf
    j = 0
    while j + 1 <= n // 2 and 1 - 2 * cdf(j, n, 0.5) >= confidence:
        j += 1  # P(Binomial < j + 1) = cdf(j)
    if j == 0:
        return Interval(median, -math.inf, math.inf, confidence)
    return Interval(median, float(data[j - 1]), float(data[n - j]),
                    float(1 - 2 * cdf(j - 1, n, 0.5)))


def normal_quantile(two_sided_alpha: float) -> float:
    """z such that P(|Z| > z) = ``two_sided_alpha`` for a standard normal Z."""
    return float(_scipy_stats().norm.isf(two_sided_alpha / 2))

