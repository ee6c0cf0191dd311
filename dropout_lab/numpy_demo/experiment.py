"""S001 in NumPy: vanilla vs inverted dropout, claims C2 and C3, and a gradient check.

The expectation argument. For a dropout layer with keep probability k and a
mask m of independent Bernoulli(k) entries, E[m * h] = k * h (vanilla
training) and E[m * h / k] = h (inverted training). So vanilla's test-time
rule (x keep_prob) and inverted's (identity) reproduce the training-mode mean
exactly at the layer, and through any linear map after it. Through a ReLU it
is only approximate: E[relu(W @ (m * h) + b)] != relu(W @ (k * h) + b) in
general (Jensen). S001's net has a ReLU after its first dropout layer, so
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
error must be <= 1e-8. Timing (C3): rounds of interleaved test-time passes,
timed by this thread's CPU time and the wall clock (``numpy_demo.timing``),
decided by the exact signed-rank interval of the paired ratio vanilla /
inverted: confirmed above 1, refuted below 1; quartiles, range and a
two-sided sign test's p are reported beside; they decide nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import computed_field

from dropout_lab.core import config as cfg
from dropout_lab.core import results
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import RunContext, new_run
from dropout_lab.core.stats import Interval, mean_interval
from dropout_lab.core.verdict import Verdict
from dropout_lab.dropouts import numpy_ref
from dropout_lab.numpy_demo.config import (
    COMPARISONS,
    GRADIENT_BOUND,
    NumpyDemoConfig,
)
from dropout_lab.numpy_demo.net import SeedNet, layers
from dropout_lab.numpy_demo.timing import Timing, time_predicts
from dropout_lab.numpy_demo.verdicts import verdicts

KIND = "numpy-demo"
POINTS = ("layer 1", "output")  # where means are compared
GRADIENT_STEP = 1e-3  # central-difference step; no truncation error for a linear map


@dataclass(frozen=True)
class Comparison:
    """A reference mean against the training-mode mean, paired per sample."""

    point: str  # "layer 1" (first dropout layer's output) or "output"
    implementation: str  # "vanilla" or "inverted"
    reference: str  # "test time, identity", "test time, x keep_prob", "exact mask expectation"
    train_mean: Real  # training-mode mean
    reference_mean: Real
    shift: Interval  # mean of (reference - training mode), per sample, paired t interval
    verdict: str  # "matches" (interval covers 0) or "shifted"


@dataclass(frozen=True)
class GradientCheck:
    """Numeric vs analytic gradient of one layer's ``backward``."""

    layer: str  # "VanillaDropout" or "InvertedDropout"
    mode: str  # "training" or "test"
    max_rel_error: Real
    passed: bool  # max_rel_error <= GRADIENT_BOUND


@record
class NumpyDemoResult:
    """Everything ``numpy-demo`` measured."""

    KIND: ClassVar[str] = KIND

    config: NumpyDemoConfig
    run_dir: Path
    comparisons: list[Comparison]
    gradient_checks: list[GradientCheck]
    timing: Timing
    verdicts: list[Verdict]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def drop_rate(self) -> float:
        """1 - keep_prob (Keras's ``rate``)."""
        return self.config.drop_rate


Result = NumpyDemoResult


def run(config: NumpyDemoConfig, ctx: RunContext | None = None) -> NumpyDemoResult:
    """Draw S001's net and X, measure means, gradients and timings, write a run.

    All randomness comes from one ``numpy.random.Generator`` seeded with
    ``config.seed`` (NumPy only: TensorFlow is not imported).
    """
    ctx = ctx or RunContext()
    rng = np.random.default_rng(config.seed)
    net = SeedNet.draw(rng)
    x = rng.standard_normal((3, config.samples))  # (features, samples) as in S001
    mask_seed, check_seed = (int(s) for s in rng.integers(0, 2**62, size=2))
    ctx.report("means", 0, 1)
    comparisons = compare_means(net, x, config.keep_prob, mask_seed,
                                1 - config.false_alarm / COMPARISONS)
    ctx.report("means", 1, 1)
    checks = gradient_checks(config.keep_prob, np.random.default_rng(check_seed))
    timing = time_predicts(net, x, config.keep_prob, config.repeats, config.timing_seconds,
                           lambda done: ctx.report("timing rounds", done, done + 1))
    found = verdicts(comparisons, checks, timing, config)
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 started=ctx.started) as folder:
        result = NumpyDemoResult(run_dir=folder.final_path, config=config,
                                 comparisons=comparisons, gradient_checks=checks, timing=timing,
                                 verdicts=found)
        folder.write_json("results.json", results.to_json(result))
    return result


def compare_means(net: SeedNet, x: np.ndarray, keep_prob: float, mask_seed: int,
                  confidence: float) -> list[Comparison]:
    """Training-mode means of both implementations against the test-time rules (C2).

    Both implementations draw the same masks (same ``mask_seed``). At layer 1
    the references are the two test-time rules; at the output also the exact
    mask expectation.
    """
    h1 = net.hidden1(x)  # (4, samples)
    test_d1, test_d2 = layers(keep_prob, mask_seed, inverted=False)
    references = {
        "layer 1": {"test time, identity": h1, "test time, x keep_prob": keep_prob * h1},
        "output": {"test time, identity": net.plain(x),
                   "test time, x keep_prob": net.forward(x, test_d1, test_d2, training=False)},
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
    per_sample = (value - train).mean(axis=0)  # (samples,), independent across samples
    interval = mean_interval(per_sample, confidence)
    return Comparison(point, implementation, reference, float(train.mean()), float(value.mean()),
                      interval, "matches" if interval.covers(0.0) else "shifted")


def _fresh_layers(cls: type[numpy_ref.VanillaDropout | numpy_ref.InvertedDropout],
                  keep_prob: float, mask_seed: int) -> Callable[[], Any]:
    """Each call a new ``cls`` layer with a new generator from ``mask_seed``: the same masks."""
    return lambda: cls.from_keep_prob(keep_prob, np.random.default_rng(mask_seed))


def gradient_checks(keep_prob: float, rng: np.random.Generator) -> list[GradientCheck]:
    """Check ``backward`` of both reference layers, in training and in test mode."""
    checks = []
    for cls in (numpy_ref.VanillaDropout, numpy_ref.InvertedDropout):
        mask_seed = int(rng.integers(0, 2**62))
        for training in (True, False):
            error = numpy_ref.gradient_error(_fresh_layers(cls, keep_prob, mask_seed),
                                             training, rng, step=GRADIENT_STEP)
            checks.append(GradientCheck(cls.__name__, "training" if training else "test",
                                        error, error <= GRADIENT_BOUND))
    return checks
