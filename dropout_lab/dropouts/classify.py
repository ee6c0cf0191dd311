"""The probe's input and its exact (non-statistical) classifications: pure NumPy.

The input (entries 1, 2, 3, 4 cycling); whether a pattern is constant along
axes; what kept entries are multiplied by, what the inference output is, what
the gradient is, which scaling convention that adds up to, and how a row
differs from standard inverted dropout. Float32 results are compared with relative
tolerance ``RTOL`` (see ``dropout_lab.dropouts.drawstats``); none of these checks
has sampling error, so none can false-alarm on a correct implementation.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

RTOL = 1e-6  # exact checks on float32 outputs (~8 ulps)
MAX_DISCRETE = 8  # more distinct kept multipliers than this: continuous noise
AXIS_NAMES = {2: ("batch", "features"), 3: ("batch", "timesteps", "features"),
              4: ("batch", "height", "width", "channels"),
              5: ("batch", "depth", "height", "width", "channels")}
#: The same axes in a channels-first layout (PyTorch's (N, C, L), (N, C, H, W)...).
AXIS_NAMES_FIRST = {3: ("batch", "channels", "length"), 4: ("batch", "channels", "height", "width"),
                    5: ("batch", "channels", "depth", "height", "width")}
_BLOCKS = {2: (64,), 3: (16, 64), 4: (4, 4, 64), 5: (2, 2, 4, 64)}  # one sample, 1024 entries


def probe_input(rank: int, size: int, layout: str = "channels_last") -> np.ndarray:
    """Float32 input of ``rank`` with about ``size`` entries, cycling 1, 2, 3, 4.

    Shape ``(size // 1024, *block)``, block = (16, 64) for rank 3 etc.; in a
    channels-first layout the block is reversed, (64, 16), so that channel
    dropout has as many channels to count as in the channels-last one.
    """
    block = _BLOCKS[rank][::-1] if layout == "channels_first" else _BLOCKS[rank]
    shape = (max(1, size // math.prod(block)), *block)
    return (1 + np.arange(math.prod(shape)) % 4).reshape(shape).astype(np.float32)


def constant_along(signature: np.ndarray, axes: tuple[int, ...]) -> bool:
    """True when every slice along ``axes`` equals the first (bools exactly, floats to RTOL)."""
    first = signature[tuple(slice(0, 1) if a in axes else slice(None)
                            for a in range(signature.ndim))]
    if signature.dtype == bool:
        return bool(np.all(signature == first))
    return bool(np.all(np.isclose(signature, first, rtol=RTOL, atol=0)))


@dataclass(frozen=True)
class Multipliers:
    """What kept entries are multiplied by.

    kind: ``constant`` (one value c), ``discrete`` (a few values), ``affine``
    (out = slope * x + intercept: not multiplicative), ``continuous``
    (multiplicative noise: moments), ``additive`` (out = x + noise: moments
    of the noise), or ``none`` (nothing kept).
    """

    kind: str
    values: list[float] = field(default_factory=list)
    mean: float | None = None
    var: float | None = None


def clusters(values: np.ndarray) -> list[float]:
    """Distinct values, merging neighbours within RTOL (float32 rounding)."""
    if values.size == 0:
        return []
    ordered = np.sort(values.ravel())
    starts = np.flatnonzero(np.diff(ordered) > RTOL * np.abs(ordered[1:])) + 1
    ends = np.append(starts, ordered.size)
    starts = np.insert(starts, 0, 0)
    return ordered[(starts + ends) // 2].tolist()  # the middle element of each group


def multipliers(x: np.ndarray, out: np.ndarray, dropped: np.ndarray) -> Multipliers:
    """Summarise what kept entries are multiplied by (see ``Multipliers``)."""
    kept = ~dropped
    if not kept.any():
        return Multipliers("none")
    xs, factor = x[kept], out[kept] / x[kept]
    values = clusters(factor)
    if len(values) <= MAX_DISCRETE:
        per_level = [clusters(factor[xs == level]) for level in np.unique(xs)]
        if all(len(v) == 1 for v in per_level) and len(values) > 1:
            slope, intercept = np.polyfit(xs[:2048], out[kept][:2048], 1)
            return Multipliers("affine", [float(slope), float(intercept)])
        return Multipliers("constant" if len(values) == 1 else "discrete", values)
    noise = out[kept] - xs
    level_var = [factor[xs == level].var() for level in (xs.min(), xs.max())]
    if level_var[1] > 0 and level_var[0] / level_var[1] > (xs.max() / xs.min()):
        return Multipliers("additive", [], float(noise.mean()), float(noise.var()))
    return Multipliers("continuous", [float(factor.min()), float(factor.max())],
                       float(factor.mean()), float(factor.var()))


def test_behaviour(x: np.ndarray, test: np.ndarray | None, keep: float) -> str:
    """``identity``, ``scaled_by_keep`` or ``other``; ``n/a`` for a function."""
    if test is None:
        return "n/a"
    if np.array_equal(test, x):
        return "identity"
    if np.allclose(test, keep * x.astype(np.float64), rtol=RTOL, atol=0):
        return "scaled_by_keep"
    return "other"


def gradient_behaviour(grad: np.ndarray | None, multiplier: np.ndarray) -> str:
    """``multiplier`` when d out/d x equals out/x of the same draw entrywise."""
    if grad is None:
        return "None"
    if np.allclose(grad, multiplier, rtol=RTOL, atol=0):
        return "multiplier"
    if not grad.any():
        return "zeros"
    return "ones" if np.all(grad == 1) else "other"


#: What mean-preserving noise (nothing dropped, identity at test, E[out] = E[in]) is called:
#: not "inverted", which names a dropout (a 0/1 mask) scaled by 1/keep.
MULTIPLICATIVE_NOISE = "mean-preserving multiplicative noise"
ADDITIVE_NOISE = "mean-preserving additive noise"


def scaling_kind(kept: Multipliers, any_dropped: bool, keep: float, test_time: str,
                 mean_preserved: bool) -> str:
    """inverted / vanilla / none / other, or one of the two mean-preserving noises (x times
    noise of mean 1, x plus noise of mean 0, identity at test: ``MULTIPLICATIVE_NOISE``,
    ``ADDITIVE_NOISE``); n/a when the scalings coincide or nothing is kept."""
    at_test = {"identity": "identity", "n/a": "identity"}.get(test_time, test_time)
    if kept.kind == "constant" and any_dropped and keep > 0:
        c = kept.values[0]
        if _close(c, 1 / keep) and at_test == "identity":
            return "inverted"
        if _close(c, 1.0):
            return {"identity": "none", "scaled_by_keep": "vanilla"}.get(at_test, "other")
        return "other"
    if kept.kind == "none" or (kept.kind == "constant" and _close(kept.values[0], 1.0)):
        return "n/a"  # nothing kept, or nothing changed: the conventions coincide
    if kept.kind == "additive":
        return ADDITIVE_NOISE if at_test == "identity" and mean_preserved else "none"
    if kept.kind == "continuous" and at_test == "identity" and mean_preserved:
        return MULTIPLICATIVE_NOISE
    return "other"


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(abs(a), abs(b))


def axis_names(rank: int, layout: str = "channels_last") -> list[str]:
    """Names of a probe input's axes in a framework's layout (``axis i`` when unnamed)."""
    names = (AXIS_NAMES_FIRST if layout == "channels_first" else AXIS_NAMES).get(rank)
    return list(names) if names else [f"axis {a}" for a in range(rank)]


def with_deviations(row, keep: float, rank: int, layout: str = "channels_last"):
    """Name how a row differs from standard inverted dropout (rate = drop probability)."""
    found = []
    if row.rate_means == "keep":
        found.append("rate is the keep probability")
    elif row.rate_means == "neither":
        found.append(f"drop fraction {row.drop_fraction.estimate:.4g} is neither rate nor 1 - rate")
    found += _scaling_deviations(row, keep)
    if row.multipliers.kind == "affine":
        found.append(_alpha(row, keep))  # its mean is a property of the input
    else:
        if not row.mean_preserved:
            found.append(f"training mean not preserved: E[out]/E[in] = "
                         f"{row.mean_ratio.estimate:.4g}")
        if not row.consistent:
            found.append(f"E[training output] / test output = "
                         f"{row.train_test_ratio.estimate:.4g}, not 1")
    if row.shared_axes:
        labels = axis_names(rank, layout)
        names = ", ".join(labels[a] for a in row.shared_axes)
        found.append(f"mask shared along axes {row.shared_axes} ({names})")
    if row.gradient != "multiplier":
        found.append(f"gradient is {row.gradient}, not the multiplier out/in")
    return dataclasses.replace(row, deviations=found)


def standardised_moments(slope: float, intercept: float, dropped: float,
                         keep: float) -> tuple[float, float]:
    """Mean and variance of an alpha dropout's output on zero-mean, unit-variance input.

    Kept entries (probability ``keep``) become slope * x + intercept, dropped ones the
    constant ``dropped``; with E[x] = 0 and E[x^2] = 1: mean = keep * intercept + (1 - keep)
    * dropped, E[out^2] = keep * (slope^2 + intercept^2) + (1 - keep) * dropped^2.
    Exact arithmetic on the measured map: alpha dropout is built to give (0, 1).
    """
    mean = keep * intercept + (1 - keep) * dropped
    second = keep * (slope ** 2 + intercept ** 2) + (1 - keep) * dropped ** 2
    return mean, second - mean ** 2


def _alpha(row, keep: float) -> str:
    """Alpha dropout's mean: a property of the input, with the measured map's standardised
    moments (what it is built for)."""
    slope, intercept = row.multipliers.values[:2]
    said = (f"alpha dropout (kept {slope:.4g} x + {intercept:.4g}"
            + (f", dropped set to {row.dropped_values[0]:.4g})" if row.dropped_values else ")"))
    if row.dropped_values and 0 < keep < 1:
        mean, var = standardised_moments(slope, intercept, row.dropped_values[0], keep)
        said += (f": on zero-mean, unit-variance input (as after SELU), the input it is built "
                 f"for, this map gives mean {mean:+.4f} and variance {var:.4f}")
    return (said + f"; on the probe's input (mean 2.5, variance 1.25) E[out]/E[in] = "
            f"{row.mean_ratio.estimate:.4g}: a property of that input, not of the layer")


def _scaling_deviations(row, keep: float) -> list[str]:
    if row.scaling == ADDITIVE_NOISE or (row.scaling == "none"
                                         and row.multipliers.kind == "additive"):
        return ["additive noise (out = x + noise): nothing is dropped or scaled"]
    if row.scaling == MULTIPLICATIVE_NOISE:
        return ["multiplicative noise (out = x * m, E[m] = 1): nothing is dropped"]
    if row.scaling == "none":
        return ["never rescales (kept x1, identity at test)"]
    if row.scaling == "vanilla":
        return ["vanilla scaling: kept x1 in training, x keep at test"]
    if row.scaling != "other" or row.multipliers.kind != "constant" or keep <= 0:
        return [] if row.test_time != "other" else ["test-time output is neither x nor keep x"]
    c = row.multipliers.values[0]
    if _close(c, 1 / keep ** 2) or (_close(c, 1 / keep) and row.test_time == "scaled_by_keep"):
        return [f"rescales twice (kept x{c:.6g} in training, {row.test_time} at test; "
                f"inverted is x{1 / keep:.6g} then identity)"]
    odd_test = ["test-time output is neither x nor keep x"] if row.test_time == "other" else []
    if _close(c, 1 / keep):  # right in training: only the test-time output is wrong
        return odd_test
    return [f"kept entries scaled by {c:.6g}, not 1/keep = {1 / keep:.6g}", *odd_test]


def describe_draw(x: np.ndarray, out: np.ndarray, grad: np.ndarray | None,
                  test: np.ndarray | None) -> str:
    """A behaviour string for an edge rate: ``returns zeros; gradient is None; ...``."""
    parts = [_describe_output(x, out), _describe_gradient(grad, out.astype(np.float64) / x)]
    if test is not None and not np.array_equal(test, x):
        parts.append("at test " + _describe_output(x, test))
    return "; ".join(parts)


def _describe_output(x: np.ndarray, out: np.ndarray) -> str:
    if np.isnan(out).all():
        return "returns NaN"
    if not np.isfinite(out).all():
        return "returns non-finite values"
    if not out.any():
        return "returns zeros"
    if np.array_equal(out, x):
        return "returns the input unchanged"
    factors = clusters(out.astype(np.float64) / x)
    if len(factors) == 1:
        return f"returns x * {factors[0]:.6g}"
    zeroed = float((out == 0).mean())
    if zeroed > 0:
        return f"zeroes {zeroed:.1%} of entries"
    return f"returns noisy values (mean ratio {float(out.sum() / x.sum()):.4g})"


def _describe_gradient(grad: np.ndarray | None, multiplier: np.ndarray) -> str:
    if grad is None:
        return "gradient is None"
    if np.isnan(grad).all():
        return "gradient is NaN"
    if not np.isfinite(grad).all():
        return "gradient has non-finite values"
    if not grad.any():
        return "gradient is zero"
    if np.all(grad == 1):
        return "gradient is 1"
    kind = gradient_behaviour(grad, multiplier)
    return {"multiplier": "gradient = out/in", "zeros": "gradient is zero"}.get(
        kind, "gradient is other")
