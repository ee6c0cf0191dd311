"""What one training-mode draw says about a dropout implementation: pure NumPy.

The probe feeds x (entries 1, 2, 3, 4, cycling) to an implementation, takes
one training-mode output ``out``, the gradient ``grad = d sum(out) / d x`` of
that same draw, and the inference-mode output ``test``. An entry is *dropped*
when its output no longer depends on it (``out == 0`` or ``grad == 0``: the
second catches AlphaDropout, which sets dropped entries to a constant).

Calibration. Each row makes three statistical tests, all two-sided at level
alpha:

- T1 ``rate_means``: the Clopper-Pearson interval of the dropped fraction of
  independent mask units covers ``rate`` (exact: coverage >= 1 - alpha);
- T2 ``mean_preserved``: E[out]/E[in] = 1, a ratio estimate over independent
  mask units, +- z * se (CLT, z = Phi^-1(1 - alpha/2));
- T3 ``consistent``: E[training-mode out] = inference-mode out, the same way.

For a correct inverted dropout every null holds, so by the union bound
(Bonferroni) P(any false alarm among the 3 R tests of an implementation
probed at R rates) <= 3 R alpha. Choosing ``alpha = false_alarm / (3 R)``
holds that at ``false_alarm`` (default 1e-4, one run in 10 000); at the
default R = 3, alpha = 1.11e-5 and z = 4.39. ``tests/test_probe.py`` checks
the rate empirically on the NumPy reference over thousands of seeds.

Exact checks (the kept multipliers against 1/keep, test-time output against x
or keep * x, gradient against out / x) compare float32 results with relative
tolerance ``RTOL`` = 1e-6, about 8 float32 ulps: enough for the roundings of
1 - rate, 1/keep and x * (1/keep), far below any scaling difference that
matters (1/keep^2 - 1/keep = rate / keep^2). They cannot false-alarm.

Shared axes: axis a counts as shared when the dropped pattern (or, with
nothing dropped, the multiplier) is constant along a in every slice. An
independent mask with drop fraction f passes this by chance with
probability (f^L + (1-f)^L)^B (L = size of a, B = slices); when that
exceeds ``SHARED_CHANCE`` = 1e-6 for some axis the result is None
(undetermined), as it is when the pattern is constant everywhere (rate 0).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from dropout_lab.core import stats
from dropout_lab.core.results import Real
from dropout_lab.core.stats import Interval
from dropout_lab.dropouts.classify import (
    RTOL,
    Multipliers,
    clusters,
    constant_along,
    gradient_behaviour,
    multipliers,
    scaling_kind,
    test_behaviour,
    with_deviations,
)

SHARED_CHANCE = 1e-6  # largest accepted chance that an independent mask looks shared
TESTS_PER_ROW = 3  # T1, T2, T3 above


def per_test_alpha(false_alarm: float, rates: int) -> float:
    """Bonferroni level of each test: ``false_alarm / (TESTS_PER_ROW * rates)``."""
    return false_alarm / (TESTS_PER_ROW * rates)


@dataclass(frozen=True)
class DrawStats:
    """The measured quantities and verdicts of one (implementation, rate) draw."""

    rate_means: str  # drop | keep | neither | undecidable (both rate and 1-rate covered)
    drop_fraction: Interval  # of independent mask units, exact (Clopper-Pearson)
    units: int  # independent mask units counted
    dropped_values: list[float]  # what dropped entries become (0 for dropout)
    multipliers: Multipliers
    mean_ratio: Interval  # E[out] / E[in], training mode
    mean_preserved: bool
    train_test_ratio: Interval  # E[training-mode out] / inference-mode out
    consistent: bool
    multiplier_var: Real  # Var[out / in] over all entries
    variance_ratio: float | None  # multiplier_var / (rate / (1 - rate)), Bernoulli's
    test_time: str  # identity | scaled_by_keep | other | n/a (a function)
    gradient: str  # multiplier | None | zeros | ones | other
    gradient_is_mask_over_keep: bool
    scaling: str  # inverted | vanilla | none | other | n/a
    shared_axes: list[int] | None
    deviations: list[str]


def analyse(x: np.ndarray, out: np.ndarray, grad: np.ndarray | None,
            test: np.ndarray | None, rate: float, alpha: float,
            layout: str = "channels_last") -> DrawStats:
    """All statistics and verdicts of one draw (see the module docstring); ``layout`` names
    the axes in the deviations (``classify.axis_names``)."""
    x64, out64 = x.astype(np.float64), out.astype(np.float64)
    dropped = out == 0  # (same shape as x)
    if grad is not None:
        dropped |= grad == 0
    multiplier = out64 / x64
    shared = shared_axes(dropped, multiplier)
    units = _units(dropped, shared or [])
    ci = stats.clopper_pearson(int(units.sum()), units.size, 1.0 - alpha)
    rate_means = rate_meaning(ci, rate)
    keep = rate if rate_means == "keep" else 1.0 - rate
    z = _z(alpha)
    mean = _ratio(out64, x64, shared or [], z, alpha)
    reference = x64 if test is None else test.astype(np.float64)
    agree = _ratio(out64, reference, shared or [], z, alpha)
    kept = multipliers(x64, out64, dropped)
    test_time = test_behaviour(x, test, keep)
    grad_kind = gradient_behaviour(grad, multiplier)
    mask_over_keep = grad is not None and keep > 0 and bool(
        np.allclose(grad, (~dropped) / keep, rtol=RTOL, atol=0))
    scaling = scaling_kind(kept, bool(dropped.any()), keep, test_time, mean.covers(1.0))
    var = float(multiplier.var())
    result = DrawStats(
        rate_means=rate_means, drop_fraction=ci,
        units=units.size, dropped_values=clusters(out64[dropped])[:4], multipliers=kept,
        mean_ratio=mean, mean_preserved=mean.covers(1.0), train_test_ratio=agree,
        consistent=agree.covers(1.0), multiplier_var=var,
        variance_ratio=var / (rate / (1 - rate)) if 0 < rate < 1 else None,
        test_time=test_time, gradient=grad_kind, gradient_is_mask_over_keep=mask_over_keep,
        scaling=scaling, shared_axes=shared, deviations=[])
    return with_deviations(result, keep, x.ndim, layout)


def rate_meaning(ci: stats.Interval, rate: float) -> str:
    """``drop`` / ``keep`` when the interval covers only rate / only 1 - rate."""
    as_drop, as_keep = ci.covers(rate), ci.covers(1.0 - rate)
    if as_drop and as_keep:
        return "undecidable"
    return "drop" if as_drop else "keep" if as_keep else "neither"


def shared_axes(dropped: np.ndarray, multiplier: np.ndarray) -> list[int] | None:
    """Axes along which the mask is constant, or None when undeterminable."""
    varies = dropped.any() and not dropped.all()
    signature = dropped if varies else multiplier
    if constant_along(signature, tuple(range(signature.ndim))):
        return None  # no noise at all (rate 0, or everything dropped)
    shared = [a for a in range(signature.ndim) if constant_along(signature, (a,))]
    fraction = float(dropped.mean()) if varies else 0.5
    for axis in shared:
        slices = math.prod(n for a, n in enumerate(signature.shape) if a not in shared)
        length = signature.shape[axis]
        if (fraction ** length + (1 - fraction) ** length) ** slices > SHARED_CHANCE:
            return None  # an independent mask could look shared by chance
    return shared


def _units(dropped: np.ndarray, shared: list[int]) -> np.ndarray:
    """One entry per independent mask unit: index 0 along each shared axis."""
    return dropped[tuple(slice(0, 1) if a in shared else slice(None)
                         for a in range(dropped.ndim))]


@functools.lru_cache(maxsize=16)
def _z(alpha: float) -> float:
    return stats.normal_quantile(alpha)  # the same few levels, thousands of rows


def _ratio(numerator: np.ndarray, denominator: np.ndarray, shared: list[int],
           z: float, alpha: float) -> stats.Interval:
    """sum(num) / sum(den) +- z * se, se from residuals of independent mask units."""
    top = numerator.sum(axis=tuple(shared)) if shared else numerator
    bottom = denominator.sum(axis=tuple(shared)) if shared else denominator
    total = float(bottom.sum())
    if total == 0:
        nan = float("nan")
        return stats.Interval(nan, nan, nan, 0.0)
    ratio = float(top.sum()) / total
    se = math.sqrt(float(np.square(top - ratio * bottom).sum())) / abs(total)
    half = z * se + RTOL * abs(ratio)
    return stats.Interval(ratio, ratio - half, ratio + half, 1.0 - alpha)

