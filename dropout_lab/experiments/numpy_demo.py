"""Seed 001 in NumPy: vanilla vs inverted dropout, claims C2 and C3, and a gradient check.

The expectation argument. For a dropout layer with keep probability k and a
mask m of independent Bernoulli(k) entries, E[m * h] = k * h (vanilla
training) and E[m * h / k] = h (inverted training). So vanilla's test-time
rule (x keep_prob) and inverted's (identity) reproduce the training-mode mean
exactly at the layer, and through any linear map after it. Through a ReLU it
is only approximate: E[relu(W @ (m * h) + b)] != relu(W @ (k * h) + b) in
general (Jensen). The seed's net has a ReLU after its first dropout layer, so
at the output the exact training-mode mean is computed by enumerating that
layer's 16 masks (``SeedNet.mask_expectation``).

The tests. Each comparison pairs, sample by sample, a reference output with
the training-mode output (both averaged over the 4 output units): the paired
differences are independent across samples, so the Student-t interval of their
mean has the stated coverage. ``matches`` means the interval covers 0,
``shifted`` that it excludes it. All ``COMPARISONS`` intervals are at
confidence 1 - false_alarm / COMPARISONS (Bonferroni), so a correct
implementation produces a false ``shifted`` anywhere with probability at most
``false_alarm`` (1e-4 by default).

Gradient check: central differences in float64 through ``forward`` with a
fixed mask (a fresh layer with the same seed each time); the layer is linear in
x for a fixed mask, so the check has no truncation error and the relative
error must be <= 1e-8. Timing (C3): interleaved test-time passes; the ratio
vanilla / inverted is summarised by median, quartiles and range, and tested
with a two-sided sign test (under "no difference" each repeat is slower
either way with probability 1/2).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropout_lab import config as cfg
from dropout_lab.claims import Claim
from dropout_lab.errors import ConfigError, invalid_value
from dropout_lab.runs import RunContext, new_run
from dropout_lab.seednet import SeedNet, layers

KIND = "numpy_demo"
POINTS = ("layer 1", "output")  # where means are compared
COMPARISONS = 10  # 2 implementations x (2 at layer 1 + 3 at the output)
GRADIENT_BOUND = 1e-8  # max relative error of the gradient check (float64)
GRADIENT_STEP = 1e-3  # central-difference step; no truncation error for a linear map
MAX_SAMPLES = 5_000_000  # ~1.2 GB of float64 working arrays at this size


@dataclass(frozen=True)
class NumpyDemoConfig:
    """Settings of ``dropout-lab numpy-demo``; defaults are seed 001's."""

    keep_prob: float = 0.5  # probability of KEEPING a unit (seed: p = 0.5, a keep probability)
    samples: int = 1_000_000  # columns of X, shape (3, samples) (seed: 1 000 000)
    seed: int = 0  # seeds weights, X and masks (the seed used none)
    repeats: int = 21  # timed test-time passes of each kind (C3)
    false_alarm: float = 1e-4  # family-wise error of the matches/shifted tests

    def __post_init__(self):
        if not (math.isfinite(self.keep_prob) and 0 < self.keep_prob <= 1):
            raise invalid_value("keep_prob", "a keep probability in (0, 1]", self.keep_prob)
        if not 2 <= self.samples <= MAX_SAMPLES:
            raise invalid_value("samples", f"an integer in [2, {MAX_SAMPLES}] (an interval "
                                           "needs two samples)", self.samples)
        if not 3 <= self.repeats <= 1000:
            raise invalid_value("repeats", "an integer in [3, 1000]", self.repeats)
        if not 0 < self.false_alarm < 1:
            raise invalid_value("false_alarm", "a probability in (0, 1)", self.false_alarm)

    @property
    def drop_rate(self) -> float:
        """Probability of dropping a unit, 1 - keep_prob (Keras's ``rate``)."""
        return 1.0 - self.keep_prob


def keep_prob_from(keep_prob: float | None, drop_rate: float | None) -> float | None:
    """The keep probability from ``--keep-prob`` or ``--drop-rate`` (at most one given).

    Raises:
        ConfigError: both given, or the drop rate is outside [0, 1) or NaN.
    """
    if keep_prob is not None and drop_rate is not None:
        raise ConfigError("Invalid options: expected one of `keep_prob` or `drop_rate`, not "
                          f"both. Received: keep_prob={keep_prob!r}, drop_rate={drop_rate!r}",
                          param="drop_rate")
    if drop_rate is None:
        return keep_prob
    if not (math.isfinite(drop_rate) and 0 <= drop_rate < 1):
        raise invalid_value("drop_rate", "a drop probability in [0, 1)", drop_rate)
    return 1.0 - drop_rate


@dataclass(frozen=True)
class Comparison:
    """A reference mean against the training-mode mean, paired per sample."""

    point: str  # "layer 1" (first dropout layer's output) or "output"
    implementation: str  # "vanilla" or "inverted"
    reference: str  # "test time, identity", "test time, x keep_prob", "exact mask expectation"
    train_mean: float  # training-mode mean
    reference_mean: float
    shift: float  # mean of (reference - training mode), per sample
    shift_ci: list[float]  # its interval [low, high]
    verdict: str  # "matches" (interval covers 0) or "shifted"


@dataclass(frozen=True)
class GradientCheck:
    """Numeric vs analytic gradient of one layer's ``backward``."""

    layer: str  # "VanillaDropout" or "InvertedDropout"
    mode: str  # "training" or "test"
    max_rel_error: float
    passed: bool  # max_rel_error <= GRADIENT_BOUND


@dataclass(frozen=True)
class Spread:
    """Median, quartiles and range of repeated measurements."""

    median: float
    q25: float
    q75: float
    min: float
    max: float

    @classmethod
    def of(cls, values) -> "Spread":
        q25, median, q75 = np.percentile(values, [25, 50, 75])
        return cls(float(median), float(q25), float(q75), float(np.min(values)),
                   float(np.max(values)))


@dataclass(frozen=True)
class Timing:
    """C3: test-time passes over all samples, milliseconds and ratios."""

    pass_ms: dict[str, Spread]  # variant -> time of one pass
    vanilla_ratio: Spread  # vanilla / inverted, per repeat
    folded_ratio: Spread  # vanilla with keep folded into W2, W3 / inverted
    vanilla_slower: int  # repeats where vanilla took longer than inverted
    sign_test_p: float  # two-sided sign test of "no difference"
    folded_max_rel_diff: float  # max |folded - vanilla| / max |vanilla|


@dataclass(frozen=True)
class NumpyDemoResult:
    """Everything ``numpy-demo`` measured."""

    config: NumpyDemoConfig
    run_dir: Path
    comparisons: list[Comparison]
    gradient_checks: list[GradientCheck]
    timing: Timing
    claims: list[Claim]


def run(config: NumpyDemoConfig, ctx: RunContext = RunContext()) -> NumpyDemoResult:
    """Draw the seed's net and X, measure means, gradients and timings, write a run.

    All randomness comes from one ``numpy.random.Generator`` seeded with
    ``config.seed`` (NumPy only: TensorFlow is not imported).
    """
    rng = np.random.default_rng(config.seed)
    net = SeedNet.draw(rng)
    x = rng.standard_normal((3, config.samples))  # (features, samples) as in the seed
    mask_seed, check_seed = (int(s) for s in rng.integers(0, 2**62, size=2))
    ctx.report("means", 0, 1)
    comparisons = compare_means(net, x, config.keep_prob, mask_seed,
                                1 - config.false_alarm / COMPARISONS)
    ctx.report("means", 1, 1)
    checks = gradient_checks(config.keep_prob, np.random.default_rng(check_seed))
    timing = time_predicts(net, x, config.keep_prob, config.repeats,
                           lambda done: ctx.report("timing", done, config.repeats))
    from dropout_lab.experiments.numpy_demo_claims import verdicts

    fields = dict(config=config, comparisons=comparisons, gradient_checks=checks, timing=timing,
                  claims=verdicts(comparisons, checks, timing, config))
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command) as folder:
        folder.write_json("results.json", to_json(NumpyDemoResult(run_dir=folder.final_path,
                                                                  **fields)))
    return NumpyDemoResult(run_dir=folder.path, **fields)


def compare_means(net: SeedNet, x: np.ndarray, keep_prob: float, mask_seed: int,
                  confidence: float) -> list[Comparison]:
    """Training-mode means of both implementations against the test-time rules (C2).

    Both implementations draw the same masks (same ``mask_seed``). At layer 1
    the references are the two test-time rules; at the output also the exact
    mask expectation.
    """
    h1 = net.hidden1(x)  # (4, samples)
    vanilla_test = layers(keep_prob, mask_seed, inverted=False)
    references = {
        "layer 1": {"test time, identity": h1, "test time, x keep_prob": keep_prob * h1},
        "output": {"test time, identity": net.plain(x),
                   "test time, x keep_prob": net.forward(x, *vanilla_test, training=False)},
    }
    found = []
    for inverted, name in ((False, "vanilla"), (True, "inverted")):
        d1, d2 = layers(keep_prob, mask_seed, inverted)
        first = d1.forward(h1, training=True)
        trained = {"layer 1": first, "output": net.head(first, d2, training=True)}
        exact = net.mask_expectation(h1, keep_prob, inverted)
        for point in POINTS:
            refs = dict(references[point])
            if point == "output":
                refs["exact mask expectation"] = exact
            found += [paired(point, name, ref, trained[point], value, confidence)
                      for ref, value in refs.items()]
    return found


def paired(point: str, implementation: str, reference: str, train: np.ndarray,
           value: np.ndarray, confidence: float) -> Comparison:
    """Compare ``value`` with ``train`` (both (units, samples)) by a paired t interval."""
    from dropout_lab.stats import mean_interval

    per_sample = (value - train).mean(axis=0)  # (samples,), independent across samples
    interval = mean_interval(per_sample, confidence)
    return Comparison(point, implementation, reference, float(train.mean()), float(value.mean()),
                      interval.estimate, interval.as_list(),
                      "matches" if interval.covers(0.0) else "shifted")


def gradient_checks(keep_prob: float, rng: np.random.Generator) -> list[GradientCheck]:
    """Check ``backward`` of both reference layers, in training and in test mode."""
    from dropout_lab import numpy_ref

    checks = []
    for cls in (numpy_ref.VanillaDropout, numpy_ref.InvertedDropout):
        mask_seed = int(rng.integers(0, 2**62))
        for training in (True, False):
            error = numpy_ref.gradient_error(
                lambda: cls.from_keep_prob(keep_prob, np.random.default_rng(mask_seed)),
                training, rng, step=GRADIENT_STEP)
            checks.append(GradientCheck(cls.__name__, "training" if training else "test",
                                        error, error <= GRADIENT_BOUND))
    return checks


def time_predicts(net: SeedNet, x: np.ndarray, keep_prob: float, repeats: int,
                  progress=lambda done: None) -> Timing:
    """Time test-time passes over all samples: inverted, vanilla, vanilla folded (C3).

    Each repeat runs the three variants once, in an order rotated per repeat,
    after one untimed warm-up pass each.
    """
    from dropout_lab.numpy_ref import InvertedDropout, VanillaDropout

    inverted, vanilla = (cls.from_keep_prob(keep_prob) for cls in (InvertedDropout,
                                                                     VanillaDropout))
    folded = net.folded(keep_prob)
    variants = {"inverted": lambda: net.forward(x, inverted, inverted, training=False),
                "vanilla": lambda: net.forward(x, vanilla, vanilla, training=False),
                "vanilla folded": lambda: folded.plain(x)}
    outputs = {name: run_pass() for name, run_pass in variants.items()}  # warm-up
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for repeat in range(repeats):
        for name in names[repeat % 3:] + names[:repeat % 3]:
            start = time.perf_counter()
            variants[name]()
            seconds[name].append(time.perf_counter() - start)
        progress(repeat + 1)
    return _timing(seconds, outputs)


def _timing(seconds: dict[str, list[float]], outputs: dict[str, np.ndarray]) -> Timing:
    from scipy.stats import binomtest

    times = {name: np.asarray(values) for name, values in seconds.items()}
    ratio = times["vanilla"] / times["inverted"]
    slower = int(np.sum(ratio > 1))
    vanilla = outputs["vanilla"]
    return Timing(
        pass_ms={name: Spread.of(values * 1e3) for name, values in times.items()},
        vanilla_ratio=Spread.of(ratio),
        folded_ratio=Spread.of(times["vanilla folded"] / times["inverted"]),
        vanilla_slower=slower, sign_test_p=float(binomtest(slower, ratio.size, 0.5).pvalue),
        folded_max_rel_diff=float(np.max(np.abs(outputs["vanilla folded"] - vanilla))
                                  / np.max(np.abs(vanilla))))


def to_json(result: NumpyDemoResult) -> dict:
    """The JSON object of ``numpy-demo --json`` (also the run's results.json)."""
    import dataclasses

    from dropout_lab.claims import claims_json

    out = dataclasses.asdict(result)
    out["run_dir"] = str(result.run_dir)
    out["config"]["drop_rate"] = result.config.drop_rate
    out["claims"] = claims_json(result.claims)
    return out
