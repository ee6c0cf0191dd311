"""The three checks of S000's experiment, the classification they give, and its verdict.

Let f_r be the trained net with its dropout layer at rate r in inference mode,
f_0 the rate-0 reload, and g the rate-0 net whose dropout-layer input is
multiplied by keep = 1 - r. The rate-0 net is S000's "code two": the same
net with ``keras.layers.Dropout(rate=0)``, i.e. no dropout at all, and the
run's weights (not the layer under test at rate 0: a layer that is also wrong
at rate 0 would then be compared with itself). Per input of S000's X:

1. inverted:    |f_r - f_0| <= rtol * max(|f_r|, |f_0|)
2. vanilla:     |f_r - g|   <= rtol * max(|f_r|, |g|)
3. consistency: |mean_N(train-mode f_r) - f_r| <= z * se + rtol * |f_r|.

Classification: ``inverted`` when 1 and 3 hold, ``vanilla`` when 2 and 3
hold, ``indistinguishable`` when all hold (only when keep ~ 1),
``inconsistent`` when 3 fails (training and test behaviour disagree), and
``other`` when 3 holds but neither 1 nor 2. The derivation of the bound is in
docs/methods.md ("compare").

Check 3 relies on the central limit theorem over the kept entries of the N
passes. When a dropping layer is expected to keep fewer than ``MIN_KEPT``
entries over all passes (near-total dropping: at rate 0.999999, N = 2000 and
100 units, 0.2 entries), most passes keep nothing, the passes barely vary and
their standard error is no measure of their mean's error (it is often 0):
check 3 cannot decide, and the classification is ``undecided`` instead of
``inverted``, ``vanilla`` or ``inconsistent`` (the verdict: inconclusive).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from dropout_lab.core.results import Real
from dropout_lab.core.verdict import Number, Verdict, judge

KERAS_DROPOUT = "keras.layers.Dropout"
#: What a noise layer that passes the "inverted" checks is (identity at test time, training
#: mean equal to it): not dropout, which zeroes entries, so not "inverted" dropout.
NOISE_LABELS = {"continuous": "mean-preserving multiplicative noise",
                "additive": "mean-preserving additive noise"}
#: Expected kept entries, over all training-mode passes, below which check 3 cannot decide:
#: the normal approximation of a sum of ~Poisson(k) kept entries is off by ~1/sqrt(k) (skew).
MIN_KEPT = 100
#: Noise kinds that drop entries (check 3's passes vary only through the entries they keep).
DROPPING = ("bernoulli", "alpha")
#: Why, by the registry's ``noise`` kind.
EXPLANATIONS = {
    "continuous": "multiplicative noise with mean 1, nothing zeroed: its training-mode mean "
                  "equals its test-time output, the identity, as inverted dropout's does, but "
                  "it is not dropout",
    "additive": "additive zero-mean noise, nothing dropped or rescaled: its training-mode "
                "mean equals its test-time output, the identity, but it is not dropout",
    "alpha": "AlphaDropout sets dropped entries to a constant and corrects with an affine map "
             "that preserves the mean only for standardised SELU activations, not for this net",
}


@dataclass(frozen=True)
class Check:
    """One hypothesis test: the largest statistic over samples against its bound."""

    name: str  # "inverted", "vanilla" or "consistency"
    hypothesis: str
    passed: bool
    # max over samples of |difference| (consistency: of |z-score|); inf -> NaN read back
    statistic: Real
    bound: str  # the tolerance, in words and numbers


@dataclass(frozen=True)
class Measured:
    """The raw measurements behind the checks, over S000's 3 inputs."""

    f_r: np.ndarray  # (runs, samples): trained net at its rate, test time, repeated
    f_0: np.ndarray  # (runs, samples): the no-dropout reload, repeated
    g: np.ndarray  # (samples,): rate-0 net with the dropout layer's input x keep
    mean: np.ndarray  # (samples,): mean of the training-mode passes (float64)
    se: np.ndarray  # (samples,): its standard error
    recorded: np.ndarray  # (samples,): test-time predictions recorded at training
    layer_class: str  # public name of the dropout layer's class


def checks_from(m: Measured, rtol: float, z: float) -> list[Check]:
    """The three hypothesis tests on measured arrays (see the module docstring)."""
    f_r, f_0 = m.f_r[0].astype(np.float64), m.f_0[0].astype(np.float64)
    g = np.asarray(m.g, dtype=np.float64)
    bound_text = f"|diff| <= {rtol:g} * |value|"
    checks = []
    for name, other, text in (("inverted", f_0, "f_r = f_0 (identity at test time)"),
                              ("vanilla", g, "f_r = g (x keep at test time)")):
        diff = np.abs(f_r - other)
        ok = bool(np.all(diff <= rtol * np.maximum(np.abs(f_r), np.abs(other))))
        checks.append(Check(name, text, ok, float(diff.max()), bound_text))
    gap = np.abs(m.mean - f_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        zscores = np.where(gap == 0, 0.0, gap / m.se)
    ok = bool(np.all(gap <= z * m.se + rtol * np.abs(f_r)))
    checks.append(Check("consistency", "E[training-mode output] = f_r", ok,
                        float(np.max(zscores)),
                        f"|mean - f_r| <= {z:g} se + {rtol:g} * |f_r| "
                        f"(false alarm <= {false_alarm(z, len(f_r)):.1g})"))
    return checks


def undecidable(rate: float, mc_samples: int, noise: str, units: int) -> str | None:
    """Why check 3 cannot decide at ``rate`` (near-total dropping), or None when it can.

    Args:
        rate: the drop rate; mc_samples: training-mode passes; noise: the layer's noise
            kind (``registry``); units: entries the dropout layer drops from, per pass.
    """
    kept = mc_samples * units * (1.0 - rate)
    if noise not in DROPPING or kept >= MIN_KEPT * (1 - 1e-9):  # 1 - rate is rounded
        return None
    needed = math.ceil(MIN_KEPT / (units * (1.0 - rate)) * (1 - 1e-9))
    return (f"at rate {rate:g} the {mc_samples} training-mode passes are expected to keep "
            f"{kept:.4g} of their {mc_samples * units} entries in all, fewer than {MIN_KEPT}: "
            "their mean and standard error cannot be estimated, so the consistency check "
            f"cannot decide (--mc-samples {needed} or more can)")


def mark_undecidable(checks: list[Check], why: str) -> list[Check]:
    """``checks`` with the consistency check's bound saying why it cannot decide."""
    return [dataclasses.replace(c, bound=f"{c.bound}; cannot decide: {why}")
            if c.name == "consistency" else c for c in checks]


def false_alarm(z: float, samples: int) -> float:
    """Bonferroni bound on P(any of ``samples`` |z-scores| > z) under the normal approximation."""
    return samples * math.erfc(z / math.sqrt(2))  # 2 * P(Z > z) = erfc(z / sqrt 2)


def labelled(classification: str, noise: str) -> str:
    """The classification named for what the layer is: a noise layer (``NOISE_LABELS``) that
    comes out ``inverted`` is mean-preserving noise."""
    return NOISE_LABELS.get(noise, classification) if classification == "inverted" \
        else classification


def decide(inverted: bool, vanilla: bool, consistent: bool, decidable: bool = True) -> str:
    """The classification from the three checks (see the module docstring).

    ``decidable=False``: check 3 cannot decide (``undecidable``); only the test-time
    checks speak: ``undecided`` when one of them holds.
    """
    if not decidable:
        if inverted and vanilla:
            return "indistinguishable"
        return "undecided" if inverted or vanilla else "other"
    if not consistent:
        return "inconsistent"
    if inverted and vanilla:
        return "indistinguishable"
    return "inverted" if inverted else "vanilla" if vanilla else "other"


def layer_verdict(classification: str, checks: list[Check], layer_class: str, noise: str,
                  rtol: float, z: float, undecided: str | None = None) -> Verdict:
    """C1 when the layer is Keras's Dropout, else the check "this layer is inverted dropout".

    ``undecided``: why check 3 cannot decide (``undecidable``), said in the evidence.
    """
    by = {c.name: c for c in checks}
    outcome = {"inverted": "confirmed", "indistinguishable": "inconclusive",
               "undecided": "inconclusive",
               **dict.fromkeys(NOISE_LABELS.values(), "confirmed")}.get(
        classification, "refuted")
    evidence = (f"{layer_class}: max |f_r - f_0| = {by['inverted'].statistic:.3g}, "
                f"max |f_r - g| = {by['vanilla'].statistic:.3g}, training-mode mean within "
                f"{by['consistency'].statistic:.3g} se of f_r: {classification}")
    if noise in EXPLANATIONS:
        evidence += f" ({EXPLANATIONS[noise]})"
    if undecided:
        evidence += f" ({undecided})"
    test = (f"f_r = f_0 (inverted) or f_r = g (vanilla) within {rtol:g} relative; "
            f"consistency |mean - f_r| <= {z:g} se (false alarm <= {false_alarm(z, 3):.1g})")
    numbers: dict[str, Number] = {"max_abs_diff": by["inverted"].statistic,
                                  "vanilla_diff": by["vanilla"].statistic,
                                  "consistency_max_z": by["consistency"].statistic}
    if layer_class == KERAS_DROPOUT:
        return judge("C1", outcome, evidence, test, numbers)
    if noise in NOISE_LABELS:
        return Verdict("mean-preserving", None, f"{layer_class} is {NOISE_LABELS[noise]}: "
                       "identity at test time, training-mode mean equal to it", outcome,
                       evidence, test, numbers)
    return Verdict("inverted", None, f"{layer_class} is inverted dropout: identity at test "
                                     "time, training-mode mean equal to it", outcome, evidence,
                   test, numbers)
