"""Binomial bands for the simulation tests: how many misses a calibrated procedure may show.

A simulation runs a procedure ``trials`` times on data where its null holds
(or where the truth is known) and counts its misses. When each run misses
independently with probability ``p``, the count is Binomial(trials, p); the
test fails when the count falls outside ``band(trials, p)``, the two-sided
``FALSE_ALARM`` quantiles, so a correct procedure fails it with probability
below ``FALSE_ALARM`` (one seed in a million). Every simulation is seeded,
so a given checkout passes or fails it the same way every time.
"""

from __future__ import annotations

from scipy import stats

FALSE_ALARM = 1e-6


def band(trials: int, p: float, false_alarm: float = FALSE_ALARM) -> tuple[int, int]:
    """(low, high): P(Binomial(trials, p) < low) + P(Binomial(trials, p) > high) < false_alarm."""
    low = int(stats.binom.ppf(false_alarm / 2, trials, p))
    high = int(stats.binom.isf(false_alarm / 2, trials, p))
    return low, high


def within(count: int, trials: int, p: float, false_alarm: float = FALSE_ALARM) -> bool:
    """True when ``count`` lies in ``band(trials, p, false_alarm)``."""
    low, high = band(trials, p, false_alarm)
    return low <= count <= high
