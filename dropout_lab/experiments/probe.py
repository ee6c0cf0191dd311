"""``probe``: what each dropout implementation does, measured per rate (seeds 001-004).

For every (implementation, rate) one training-mode draw on a fixed input of
about ``size`` entries gives: the dropped fraction with its exact
(Clopper-Pearson) interval and what ``rate`` therefore means (drop
probability, keep probability, neither; at 0.5 the two coincide and the row
says ``undecidable``, which is why the default rates include 0.2 and 0.8);
the multipliers of kept entries (a set for Bernoulli masks, moments for
continuous noise); E[out]/E[in] with its interval; Var[out/in] against
Bernoulli dropout's rate/(1-rate); the inference-mode output (identity,
x keep, other); the gradient of the same draw (= mask/keep?); and the axes
along which the mask is constant. Edge rates 0 and 1 and invalid ones
(-0.1, 1.5, NaN) are recorded as behaviour strings, never as crashes.

Every statistical verdict is a test at the Bonferroni level
``alpha = false_alarm / (3 * len(rates))`` per test, so a correct
implementation fails any verdict in at most ``false_alarm`` of seeds (1e-4
by default); the derivation is in ``dropout_lab.probe_stats``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dropout_lab import config as cfg
from dropout_lab import implementations as impls
from dropout_lab import probe_classify
from dropout_lab.errors import invalid_value
from dropout_lab.runs import RunContext, new_run

if TYPE_CHECKING:
    from dropout_lab.probe_stats import DrawStats

KIND = "probe"
EDGE_RATES = (0.0, 1.0, -0.1, 1.5, float("nan"))
MIN_SIZE = 4096


@dataclass(frozen=True)
class ProbeConfig:
    """Settings of a probe run."""

    layers: tuple[str, ...] = ()  # implementation names or MODULE:CLASS; () = all built-in
    rates: tuple[float, ...] = (0.2, 0.5, 0.8)  # rates measured (0.5 alone cannot tell drop/keep)
    size: int = 131072  # entries per draw; rank-3 input (size // 1024, 16, 64)
    seed: int = 0  # seeds the run once; each row's seed derives from it
    false_alarm: float = 1e-4  # chance a correct implementation fails any verdict of a run
    edges: bool = True  # also record behaviour at rates 0, 1, -0.1, 1.5 and NaN

    def __post_init__(self):
        for name in self.layers:
            impls.check_name(name)
        for rate in self.rates:
            if not 0 <= rate <= 1:  # also rejects NaN
                raise invalid_value("rate", "a number in [0, 1] (invalid rates are probed as "
                                    "edge behaviour anyway)", rate)
        if not self.rates:
            raise invalid_value("rates", "at least one rate", list(self.rates))
        if self.size < MIN_SIZE:
            raise invalid_value("size", f"an integer >= {MIN_SIZE}", self.size)
        if not 0 < self.false_alarm < 1:
            raise invalid_value("false_alarm", "a probability in (0, 1)", self.false_alarm)

    @property
    def names(self) -> list[str]:
        """The implementations to probe, in order, without repeats."""
        return list(dict.fromkeys(self.layers or impls.known_names()))


@dataclass(frozen=True)
class ProbeRow:
    """One (implementation, rate): measured ``stats``, or a ``behaviour`` string."""

    layer: str
    framework: str
    framework_version: str
    rate: float
    seed: int
    input_shape: list[int]
    behaviour: str | None  # None when measured, e.g. "raises ValueError: ..." otherwise
    stats: DrawStats | None


@dataclass(frozen=True)
class Claim:
    """A seed claim and the probe's verdict on it, with the numbers."""

    claim: str  # "C10"
    statement: str  # what the seed says
    verdict: str  # confirmed | refuted | qualified | not measured
    evidence: str


@dataclass(frozen=True)
class ProbeResult:
    """Everything a probe run measured."""

    config: ProbeConfig
    alpha: float  # per-test level
    z: float  # two-sided normal bound at alpha
    rows: list[ProbeRow]
    rate_meaning: dict[str, str]  # per implementation, from rates other than 0, 0.5 and 1
    edges: dict[str, dict[str, str]]  # implementation -> rate label ("0", "NaN") -> behaviour
    claims: list[Claim]
    run_dir: Path
    wall_seconds: float


def run(config: ProbeConfig, ctx: RunContext = RunContext()) -> ProbeResult:
    """Probe every implementation at every rate; write ``ctx.out/probe/<run-id>/``."""
    from dropout_lab import probe_stats
    from dropout_lab.experiments import probe_claims

    started = time.monotonic()
    chosen = [impls.resolve(name) for name in config.names]
    if any(impl.framework != "numpy" for impl in chosen):
        from dropout_lab.tfenv import seed_everything

        seed_everything(config.seed)  # NumPy references use explicit per-row generators
    alpha = probe_stats.per_test_alpha(config.false_alarm, len(config.rates))
    rows, edges = [], {}
    total = len(chosen) * (len(config.rates) + (len(EDGE_RATES) if config.edges else 0))
    for impl in chosen:
        for rate in config.rates:
            rows.append(measure_row(impl, rate, config.size, config.seed, alpha))
            ctx.report("probe", len(rows) + len(EDGE_RATES) * len(edges), total)
        if config.edges:
            edges[impl.name] = {rate_label(r): edge_behaviour(impl, r, config.seed)
                                for r in EDGE_RATES}
    meaning = {impl.name: overall_meaning([r for r in rows if r.layer == impl.name])
               for impl in chosen}
    result = ProbeResult(config=config, alpha=alpha, z=probe_stats.stats.normal_quantile(alpha),
                         rows=rows, rate_meaning=meaning, edges=edges,
                         claims=probe_claims.claims(rows, meaning, edges),
                         run_dir=Path(), wall_seconds=0.0)
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command) as folder:
        result = dataclasses.replace(result, run_dir=folder.final_path,
                                     wall_seconds=round(time.monotonic() - started, 3))
        folder.write_json("results.json", to_json(result))
    return result


def measure_row(impl: impls.Implementation, rate: float, size: int, seed: int,
                alpha: float) -> ProbeRow:
    """One draw of ``impl`` at ``rate``, analysed; a failing layer gives a behaviour row."""
    from dropout_lab import probe_stats  # scipy: imported once a run starts, not for --help

    row_seed = impls.row_seed(seed, impl.name, rate)
    x = probe_classify.probe_input(impl.rank, size)
    row = ProbeRow(impl.name, impl.framework, impl.version(), rate, row_seed, list(x.shape),
                   None, None)
    try:
        applier = impls.build(impl, rate, row_seed)
        out, grad = applier.train(x)
        test = applier.test(x)
    except Exception as exc:  # the layer's own failure is a measured behaviour
        return dataclasses.replace(row, behaviour=impls.describe_exception(exc))
    if out.shape != x.shape:
        return dataclasses.replace(row, behaviour=f"returns shape {out.shape}")
    if not np.isfinite(out).all():
        return dataclasses.replace(row, behaviour=probe_classify.describe_draw(x, out, grad, test))
    return dataclasses.replace(row, stats=probe_stats.analyse(x, out, grad, test, rate, alpha))


def edge_behaviour(impl: impls.Implementation, rate: float, seed: int) -> str:
    """What ``impl`` does at an edge or invalid rate, as one string."""
    x = probe_classify.probe_input(impl.rank, 2048)
    try:
        applier = impls.build(impl, rate, impls.row_seed(seed, impl.name, rate))
    except Exception as exc:
        return impls.describe_exception(exc)
    try:
        out, grad = applier.train(x)
        test = applier.test(x)
    except Exception as exc:
        return impls.describe_exception(exc) + " (when called)"
    if out.shape != x.shape:
        return f"returns shape {out.shape}"
    return probe_classify.describe_draw(x, out, grad, test)


def overall_meaning(rows: list[ProbeRow]) -> str:
    """What ``rate`` means for one implementation, from its decisive rows.

    Rates 0 and 1 are left out (any layer that never zeroes anything "drops
    with probability 0"), as are ``undecidable`` rows (rate 0.5).
    """
    found = {r.stats.rate_means for r in rows if r.stats is not None and 0 < r.rate < 1
             and r.stats.rate_means != "undecidable"}
    if not found:
        return "undecidable"
    return found.pop() if len(found) == 1 else "inconsistent"


def to_json(result: ProbeResult) -> dict:
    """The JSON object of ``probe --json`` (also the run's results.json)."""
    from dropout_lab import probe_stats

    empty = {f.name: None for f in dataclasses.fields(probe_stats.DrawStats)}
    rows = []
    for row in result.rows:
        flat = {k: v for k, v in dataclasses.asdict(row).items() if k != "stats"}
        flat.update(dataclasses.asdict(row.stats) if row.stats else empty)
        rows.append(flat)
    return {"run_dir": str(result.run_dir), "config": cfg.to_dict(result.config),
            "alpha_per_test": result.alpha, "z": result.z,
            "tests_per_row": probe_stats.TESTS_PER_ROW, "rows": rows,
            "rate_meaning": result.rate_meaning, "edges": result.edges,
            "claims": [dataclasses.asdict(c) for c in result.claims],
            "wall_seconds": result.wall_seconds}


def rate_label(rate: float) -> str:
    """``0.2``, ``-0.1``, ``NaN``: how rates are keyed and printed."""
    return "NaN" if math.isnan(rate) else f"{rate:g}"
