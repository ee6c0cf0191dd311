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



def min_rank_count(confidence: float) -> int:
    """The fewest values whose ``signed_rank_interval`` (or ``median_interval``) at
    ``confidence`` is finite: the smallest n with 1 - 2 * 2**-n >= confidence (k = 1, the
    extremes)."""
    return max(2, math.ceil(math.log2(2 / (1 - confidence))))


def signed_rank_power(shift: float, sd: float, count: int, confidence: float,
                      runs: int = 20000, seed: int = 0) -> float:
    """Probability that ``signed_rank_interval`` of ``count`` independent N(shift, sd^2)
    values excludes 0 on the side of ``shift``, by simulation (``runs`` draws from ``seed``:
    standard error <= 0.5 / sqrt(runs)).

    The interval lies above 0 when fewer than k of the Walsh averages are <= 0 (k from the
    signed-rank distribution, as in ``signed_rank_interval``).
    """
    cdf = _SIGNED_RANK.tail(count)
    k = int(np.searchsorted(cdf, (1.0 - confidence) / 2, side="right"))
    if k == 0:
        return 0.0
    rng = np.random.default_rng(seed)
    first, second = np.triu_indices(count)
    hits = 0
    for start in range(0, runs, 1000):  # in batches: memory stays at 1000 x count^2 / 2
        draws = rng.normal(abs(shift), sd, size=(min(1000, runs - start), count))
        below = ((draws[:, first] + draws[:, second]) <= 0).sum(axis=1)
        hits += int((below < k).sum())
    return hits / runs


def mean_power(effect: float, sd: float, count: int, confidence: float) -> float:
    """Probability that the Student-t interval of ``mean_interval`` (two-sided, at
    ``confidence``) of ``count`` independent N(effect, sd^2) values excludes 0 on the side of
    ``effect`` (``above_probability`` of |effect|). 0 for fewer than 2 values (no interval)."""
    return above_probability(abs(effect), sd, count, confidence)


def above_probability(shift: float, sd: float, count: int, confidence: float) -> float:
    """Probability that the Student-t interval (two-sided, at ``confidence``) of ``count``
    independent N(shift, sd^2) values lies entirely above 0: P(T' > t), T' noncentral t with
    count - 1 degrees of freedom and noncentrality shift sqrt(count) / sd (of either sign),
    t the interval's quantile. 0 for fewer than 2 values (no interval)."""
    if count < 2:
        return 0.0
    sps = _scipy_stats()
    quantile = sps.t.ppf(0.5 + confidence / 2, count - 1)
    if sd <= 0:
        return 1.0 if shift > 0 else 0.0
    return float(sps.nct.sf(quantile, count - 1, shift * math.sqrt(count) / sd))


def family_confidence(confidence: float, tests: int) -> float:
    """Bonferroni: the confidence of each of ``tests`` intervals that keeps the chance of any
    false decision among them at most 1 - ``confidence``."""
    return 1.0 - (1.0 - confidence) / tests


class _SignedRank:
    """The null distribution of Wilcoxon's signed-rank statistic, extended one n at a time.

    ``tail(n)[t]`` = P(T <= t) for T the sum of the ranks of the positive values among n
    independent values symmetric about 0 (each rank positive with probability 1/2: the
    distribution of prod_i (1 + x^i) / 2, built by one shift-and-add per rank).
    """

    def __init__(self):
        self.n, self.pmf, self.cdf = 0, np.ones(1), {0: np.ones(1)}

    def tail(self, count: int) -> np.ndarray:
        if count < self.n:  # rebuild from scratch (rare: counts are asked for increasingly)
            self.n, self.pmf, self.cdf = 0, np.ones(1), {0: np.ones(1)}
        while self.n < count:
            self.n += 1
            grown = np.zeros(self.pmf.size + self.n)
            grown[:self.pmf.size] += self.pmf / 2  # rank n negative
            grown[self.n:] += self.pmf / 2  # rank n positive
            self.pmf = grown
        if count not in self.cdf:
            self.cdf = {count: np.cumsum(self.pmf)}
        return self.cdf[count]


_SIGNED_RANK = _SignedRank()


def signed_rank_interval(values, confidence: float) -> Interval:
    """Hodges-Lehmann estimate of the centre of a symmetric distribution, with its exact
    Wilcoxon signed-rank interval.

    For n independent values symmetric about a centre c (the difference of two
    exchangeable measurements is: A - B has the distribution of B - A), the
    n (n + 1) / 2 Walsh averages (x_i + x_j) / 2, i <= j, fall below c in a
    number that has the signed-rank null distribution; so the k-th smallest
    and k-th largest Walsh averages bound c with probability 1 - 2 P(T <= k - 1),
    k the largest that keeps this >= ``confidence`` (the interval's
    ``confidence`` is that exact coverage). The estimate is the median of the
    Walsh averages. Too few values for the confidence give an infinite
    interval (fewer than log2(2 / (1 - confidence)), as for the median).
    """
    data = np.asarray(values, dtype=np.float64)
    n = data.size
    if n == 0:
        raise ValueError("no values")
    upper = np.triu_indices(n)
    walsh = np.sort((data[upper[0]] + data[upper[1]]) / 2)
    estimate = float(np.median(walsh))
    cdf = _SIGNED_RANK.tail(n)
    alpha = 1.0 - confidence
    k = int(np.searchsorted(cdf, alpha / 2, side="right"))  # P(T <= k - 1) <= alpha / 2
    if k == 0:
        return Interval(estimate, -math.inf, math.inf, confidence)
    coverage = 1.0 - 2.0 * float(cdf[k - 1])
    return Interval(estimate, float(walsh[k - 1]), float(walsh[-k]), coverage)
