"""Seed 000's experiment with a verdict: inverted, vanilla, or inconsistent dropout.

Let f_r be the trained net with its dropout layer at rate r in inference mode,
f_0 the rate-0 reload, and g the rate-0 net whose dropout-layer input is
multiplied by keep = 1 - r. The rate-0 net is the seed's "code two": the
same net with ``keras.layers.Dropout(rate=0)``, i.e. no dropout at all, and
the run's weights. (Not the layer under test at rate 0: a layer that is also
wrong at rate 0 would then be compared with itself.) Three checks, per sample of the seed's X:

1. inverted:    |f_r - f_0| <= rtol * max(|f_r|, |f_0|)
2. vanilla:     |f_r - g|   <= rtol * max(|f_r|, |g|)
3. consistency: |mean_N(train-mode f_r) - f_r| <= z * se + rtol * |f_r|,
   se = sd / sqrt(N). The net is linear after the dropout layer, so for any
   correct dropout E[train-mode output] equals the test-time output exactly;
   by the CLT the standardised difference is ~N(0, 1), and with z = 4.5 the
   chance that any of the 3 samples trips the bound is at most
   3 * 2 * (1 - Phi(4.5)) ~ 2e-5 (Bonferroni).

Verdict: ``inverted`` when 1 and 3 hold, ``vanilla`` when 2 and 3 hold,
``indistinguishable`` when all three hold (only when keep ~ 1),
``inconsistent`` when 3 fails (training and test behaviour disagree), and
``other`` when 3 holds but neither 1 nor 2 does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropout_lab import config as cfg
from dropout_lab.errors import invalid_value
from dropout_lab.experiments import reload as reload_exp
from dropout_lab.experiments import train as train_exp
from dropout_lab.runs import RunContext, new_run

KIND = "compare"
MIN_MC_SAMPLES = 100
VERDICTS = ("inverted", "vanilla", "indistinguishable", "inconsistent", "other")


@dataclass(frozen=True)
class CompareConfig:
    """Settings of the comparison (the training settings are a TrainConfig)."""

    runs: int = 10  # repeated test-time predictions of each net (seed: 10)
    mc_samples: int = 2000  # training-mode passes averaged for the consistency check (>= 100)
    rtol: float = 1e-6  # relative tolerance of checks 1-2 (~8 float32 ulps)
    z: float = 4.5  # consistency bound in standard errors (false alarm <= 2e-5)
    seed: int | None = None  # seed of this comparison; None = the training run's seed

    def __post_init__(self):
        cfg.require_positive_int("runs", self.runs)
        if self.mc_samples < MIN_MC_SAMPLES:
            raise invalid_value("mc_samples", f"an integer >= {MIN_MC_SAMPLES} (the consistency "
                                "bound relies on the central limit theorem)", self.mc_samples)
        if not self.rtol >= 0 or self.rtol == float("inf"):
            raise invalid_value("rtol", "a finite number >= 0", self.rtol)
        if not self.z > 0 or self.z == float("inf"):
            raise invalid_value("z", "a finite number > 0", self.z)


@dataclass(frozen=True)
class Check:
    """One hypothesis test: the largest statistic over samples against its bound."""

    name: str  # "inverted", "vanilla" or "consistency"
    hypothesis: str
    passed: bool
    statistic: float  # max over samples of |difference| (consistency: of |z-score|)
    bound: str  # the tolerance, in words and numbers


@dataclass(frozen=True)
class Sample:
    """Per-sample numbers; f_r = trained net at test time, f_0 = rate-0 reload."""

    input: list[float]
    trained_test: float  # f_r(x)
    reload_rate0: float  # f_0(x)
    diff: float  # f_r - f_0
    ratio: float  # f_r / f_0
    vanilla_expected: float  # g(x): rate-0 net with dropout input x keep
    train_mode_mean: float  # mean of mc_samples training-mode passes
    train_mode_se: float  # its standard error


@dataclass(frozen=True)
class CompareResult:
    """Everything the comparison measured."""

    verdict: str
    layer: str
    layer_class: str
    rate: float
    runs: int
    mc_samples: int
    rtol: float
    z: float
    seed: int
    max_abs_diff: float  # max |f_r - f_0| over samples
    repeat_spread: float  # max spread over the repeated test-time predictions
    round_trip_diff: float  # max |f_r rebuilt from file - f_r recorded at training|
    run_dir: Path  # the training run compared
    compare_dir: Path  # this comparison's own run folder
    samples: list[Sample]
    checks: list[Check]
    trained_now: bool  # True when this comparison trained the run itself


@dataclass(frozen=True)
class Measured:
    """The raw measurements behind the checks, over the seed's 3 inputs."""

    f_r: np.ndarray  # (runs, samples): trained net at its rate, test time, repeated
    f_0: np.ndarray  # (runs, samples): the no-dropout reload, repeated
    g: np.ndarray  # (samples,): rate-0 net with the dropout layer's input x keep
    mean: np.ndarray  # (samples,): mean of the training-mode passes (float64)
    se: np.ndarray  # (samples,): its standard error
    recorded: np.ndarray  # (samples,): test-time predictions recorded at training
    layer_class: str  # public name of the dropout layer's class


def decide(inverted: bool, vanilla: bool, consistent: bool) -> str:
    """The verdict from the three checks (see the module docstring)."""
    if not consistent:
        return "inconsistent"
    if inverted and vanilla:
        return "indistinguishable"
    return "inverted" if inverted else "vanilla" if vanilla else "other"


def run(config: CompareConfig, source: Path | train_exp.TrainConfig,
        ctx: RunContext = RunContext()) -> CompareResult:
    """Train (when ``source`` is a TrainConfig) or open RUN, then run the three checks."""
    from dropout_lab.tfenv import import_tf, seed_everything

    trained_now = isinstance(source, train_exp.TrainConfig)
    if not trained_now:
        toy_run, train_config = reload_exp.open_toy_run(source)
    else:
        train_config = source
    _require_positive_rate(train_config.rate)
    seed = train_config.seed if config.seed is None else config.seed
    import_tf()
    seed_everything(seed)
    if trained_now:
        toy_run, _ = reload_exp.open_toy_run(train_exp.train_into_run(train_config, ctx).run_dir)
    measured = _measure(toy_run, train_config, config, seed, ctx)
    return _record(config, train_config, toy_run, measured, seed, trained_now, ctx)


def _require_positive_rate(rate: float) -> None:
    if rate <= 0:
        raise invalid_value("rate", "a rate in (0, 1): at rate 0 inverted and vanilla dropout "
                                    "are the same function", rate)


def _measure(toy_run, train_config, config, seed, ctx) -> Measured:
    from dropout_lab import layers, toy

    rate = train_config.rate
    trained = reload_exp.rebuild(toy_run, train_config, rate, seed + 1)
    reloaded = reload_exp.rebuild(toy_run, train_config, 0.0, seed + 1, layer="keras")
    f_r = np.stack([toy.predict(trained) for _ in range(config.runs)])  # (runs, samples)
    f_0 = np.stack([toy.predict(reloaded) for _ in range(config.runs)])
    ctx.report("measure", 1, 2)
    passes = toy.training_mode_samples(trained, config.mc_samples).astype(np.float64)
    ctx.report("measure", 2, 2)
    return Measured(f_r=f_r, f_0=f_0, g=toy.vanilla_expectation(reloaded, 1.0 - rate),
                    mean=passes.mean(axis=0),
                    se=passes.std(axis=0, ddof=1) / np.sqrt(config.mc_samples),
                    recorded=np.asarray(toy_run.read_json("results.json")["test/predictions"]),
                    layer_class=layers.qualified_name(type(trained.get_layer("dropout"))))


def checks_from(m: Measured, rtol: float, z: float) -> list[Check]:
    """The three hypothesis tests on measured arrays (see module docstring)."""
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
    checks.append(Check("consistency", "E[training-mode output] = f_r",
                        ok, float(np.max(zscores)),
                        f"|mean - f_r| <= {z:g} se + {rtol:g} * |f_r| "
                        f"(false alarm <= {false_alarm(z, len(f_r)):.1g})"))
    return checks


def false_alarm(z: float, samples: int) -> float:
    """Bonferroni bound on P(any of ``samples`` |z-scores| > z) under the normal approximation."""
    import math

    return samples * math.erfc(z / math.sqrt(2))  # 2 * P(Z > z) = erfc(z / sqrt 2)


def _samples(m: Measured) -> list[Sample]:
    from dropout_lab import toy

    f_r, f_0 = m.f_r[0].astype(np.float64), m.f_0[0].astype(np.float64)
    return [Sample(input=x, trained_test=float(a), reload_rate0=float(b), diff=float(a - b),
                   ratio=float(a / b) if b else float("nan"), vanilla_expected=float(gv),
                   train_mode_mean=float(mu), train_mode_se=float(se))
            for x, a, b, gv, mu, se in zip(toy.INPUTS.tolist(), f_r, f_0, m.g, m.mean, m.se)]


def _record(config, train_config, toy_run, m: Measured, seed, trained_now, ctx) -> CompareResult:
    checks = checks_from(m, config.rtol, config.z)
    result = dict(verdict=decide(*(c.passed for c in checks)), layer=train_config.layer,
                  layer_class=m.layer_class, rate=train_config.rate, runs=config.runs,
                  mc_samples=config.mc_samples, rtol=config.rtol, z=config.z, seed=seed,
                  max_abs_diff=float(np.abs(m.f_r[0] - m.f_0[0]).max()),
                  repeat_spread=float(max(np.ptp(m.f_r, axis=0).max(), np.ptp(m.f_0, axis=0).max())),
                  round_trip_diff=float(np.abs(m.f_r[0] - m.recorded).max()),
                  run_dir=toy_run.path, samples=_samples(m), checks=checks,
                  trained_now=trained_now)
    with new_run(ctx.out, KIND, cfg.to_dict(config), seed, ctx.command,
                 {"source_run": str(toy_run.path)}) as folder:
        folder.write_json("results.json", to_json(CompareResult(compare_dir=folder.final_path,
                                                                **result)))
    return CompareResult(compare_dir=folder.path, **result)


def to_json(result: CompareResult) -> dict:
    """The JSON object of ``compare --json`` (also the run's results.json)."""
    import dataclasses

    out = dataclasses.asdict(result)
    out["run_dir"], out["compare_dir"] = str(result.run_dir), str(result.compare_dir)
    out["checks"] = {c.name: {k: v for k, v in dataclasses.asdict(c).items() if k != "name"}
                     for c in result.checks}
    return out
