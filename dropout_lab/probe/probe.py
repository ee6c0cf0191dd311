"""``probe``: what each dropout implementation does, measured per rate (S001-S004, claim C10).

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
by default); the derivation is in ``dropout_lab.probe.stats`` and docs/methods.md.
"""

from __future__ import annotations

import dataclasses
import math
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropout_lab import __version__
from dropout_lab.core import config as cfg
from dropout_lab.core import results, stats
from dropout_lab.core.runs import RunContext, new_run
from dropout_lab.core.tfenv import seed_everything
from dropout_lab.core.verdict import Verdict
from dropout_lab.dropouts import numpy_ref, registry
from dropout_lab.dropouts.registry import Implementation
from dropout_lab.frameworks import sides, workers
from dropout_lab.probe import classify, verdicts
from dropout_lab.probe import stats as probe_stats
from dropout_lab.probe.config import EDGE_RATES, ProbeConfig
from dropout_lab.probe.stats import DrawStats

KIND = "probe"


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
class ProbeResult:
    """Everything a probe run measured."""

    config: ProbeConfig
    alpha: float  # per-test level
    z: float  # two-sided normal bound at alpha
    rows: list[ProbeRow]
    rate_meaning: dict[str, str]  # per implementation, from rates other than 0, 0.5 and 1
    edges: dict[str, dict[str, str]]  # implementation -> rate label ("0", "NaN") -> behaviour
    verdicts: list[Verdict]
    run_dir: Path
    wall_seconds: float


def run(config: ProbeConfig, ctx: RunContext = RunContext()) -> ProbeResult:
    """Probe every implementation at every rate; write ``ctx.out/probe/<run-id>/``."""
    started = time.monotonic()
    chosen = [registry.resolve(name) for name in config.names]
    if any(impl.framework != "numpy" and impl.worker is None for impl in chosen):
        seed_everything(config.seed)  # NumPy references use explicit per-row generators
    alpha = probe_stats.per_test_alpha(config.false_alarm, len(config.rates))
    rows, edges = [], {}
    total = len(chosen) * (len(config.rates) + (len(EDGE_RATES) if config.edges else 0))
    elsewhere = _in_workers([i for i in chosen if i.worker is not None], config, alpha, ctx)
    for impl in chosen:
        if impl.worker is not None:  # measured in its framework's worker process
            rows += elsewhere[impl.name][0]
            if config.edges:
                edges[impl.name] = elsewhere[impl.name][1]
            continue
        for rate in config.rates:
            rows.append(measure_row(impl, rate, config.size, config.seed, alpha))
            ctx.report("probe", len(rows) + len(EDGE_RATES) * len(edges), total)
        if config.edges:
            edges[impl.name] = {rate_label(r): edge_behaviour(impl, r, config.seed)
                                for r in EDGE_RATES}
    meaning = {impl.name: overall_meaning([r for r in rows if r.layer == impl.name])
               for impl in chosen}
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 started=ctx.started) as folder:
        result = ProbeResult(config=config, alpha=alpha, z=stats.normal_quantile(alpha),
                             rows=rows, rate_meaning=meaning, edges=edges,
                             verdicts=[verdicts.c10(rows, meaning, alpha)],
                             run_dir=folder.final_path,
                             wall_seconds=round(time.monotonic() - started, 3))
        folder.write_json("results.json", to_json(result))
    return result


def _in_workers(chosen: list[Implementation], config: ProbeConfig, alpha: float,
                ctx: RunContext) -> dict[str, tuple[list[ProbeRow], dict[str, str]]]:
    """Rows and edges of other frameworks' implementations, from one worker per framework."""
    found = {}
    for worker in dict.fromkeys(impl.worker for impl in chosen):
        names = [impl.name for impl in chosen if impl.worker == worker]
        answer = workers.call(worker, {
            "task": "probe", "names": names, "rates": list(config.rates), "size": config.size,
            "seed": config.seed, "alpha": alpha, "skip_extras": True},
            progress=lambda done, total: ctx.report(f"probe ({worker})", done, total))
        for one in answer["implementations"]:
            found[one["name"]] = ([row_from_json(r) for r in one["rows"]], one["edges"])
    return found


def row_seed(seed: int, name: str, rate: float) -> int:
    """A 31-bit seed for one (implementation, rate), the same whichever others are probed."""
    words = [seed, zlib.crc32(name.encode()), zlib.crc32(repr(float(rate)).encode())]
    return int(np.random.SeedSequence(words).generate_state(1)[0] >> 1)


def build(impl: Implementation, rate: float, seed: int, noise_shape=None):
    """An applier for ``impl`` (``dropouts.appliers``); the NumPy references need no TF.

    Other frameworks' implementations are built by their worker's side module;
    this runs inside that worker (``dropout_lab.frameworks.worker``).
    """
    if impl.framework == "numpy":
        return numpy_ref.applier(impl.name, rate, seed)
    if impl.worker is not None:
        return sides.module(impl.worker).build(impl, rate, seed)  # in its worker process
    from dropout_lab.dropouts import appliers  # TensorFlow

    return appliers.build(impl, rate, seed, noise_shape)


def framework_version(impl: Implementation) -> str:
    """The version of the framework ``impl`` comes from."""
    if impl.framework == "numpy":
        return np.__version__
    if impl.framework == "dropout-lab":
        return __version__
    if impl.worker is not None:
        return sides.framework_version(impl)
    from dropout_lab.dropouts import appliers  # TensorFlow

    return appliers.framework_version(impl.framework)


def measure_row(impl: Implementation, rate: float, size: int, seed: int,
                alpha: float) -> ProbeRow:
    """One draw of ``impl`` at ``rate``, analysed; a failing layer gives a behaviour row."""
    seed_of_row = row_seed(seed, impl.name, rate)
    x = classify.probe_input(impl.rank, size, impl.layout)
    row = ProbeRow(impl.name, impl.framework, framework_version(impl), rate, seed_of_row,
                   list(x.shape), None, None)
    try:
        applier = build(impl, rate, seed_of_row)
        out, grad = applier.train(x)
        test = applier.test(x)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a user's layer may raise anything)
        return dataclasses.replace(row, behaviour=registry.describe_exception(exc))
    if out.shape != x.shape:
        return dataclasses.replace(row, behaviour=f"returns shape {out.shape}")
    if not np.isfinite(out).all():
        return dataclasses.replace(row, behaviour=classify.describe_draw(x, out, grad, test))
    return dataclasses.replace(row, stats=probe_stats.analyse(x, out, grad, test, rate, alpha,
                                                                  impl.layout))


def edge_behaviour(impl: Implementation, rate: float, seed: int) -> str:
    """What ``impl`` does at an edge or invalid rate, as one string."""
    x = classify.probe_input(impl.rank, 2048, impl.layout)
    try:
        applier = build(impl, rate, row_seed(seed, impl.name, rate))
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a user's layer may raise anything)
        return registry.describe_exception(exc)
    try:
        out, grad = applier.train(x)
        test = applier.test(x)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a user's layer may raise anything)
        return registry.describe_exception(exc) + " (when called)"
    if out.shape != x.shape:
        return f"returns shape {out.shape}"
    return classify.describe_draw(x, out, grad, test)


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


def row_from_json(data: dict) -> ProbeRow:
    """A ProbeRow from its flat JSON form (``row_to_json``)."""
    return results.rebuild(ProbeRow, data, stats=None if data["behaviour"] is not None
                           else results.rebuild(DrawStats, data))


def row_to_json(row: ProbeRow) -> dict:
    """A row as one flat JSON object: the row's fields and its stats' (null when not measured)."""
    flat = {k: v for k, v in dataclasses.asdict(row).items() if k != "stats"}
    flat.update(dataclasses.asdict(row.stats) if row.stats
                else {f.name: None for f in dataclasses.fields(DrawStats)})
    return flat


def from_json(data: dict) -> ProbeResult:
    """The ProbeResult a results.json holds (``runs show``): the inverse of ``to_json``."""
    rows = [row_from_json(row) for row in data["rows"]]
    return results.rebuild(ProbeResult, data, config=cfg.resolve(ProbeConfig, data["config"]),
                           alpha=float(data["alpha_per_test"]), rows=rows)


def to_json(result: ProbeResult) -> dict:
    """The JSON object of ``probe --json``, also the run's results.json."""
    rows = [row_to_json(row) for row in result.rows]
    return results.result(
        KIND, result.run_dir, cfg.to_dict(result.config), result.verdicts,
        alpha_per_test=result.alpha, z=result.z, tests_per_row=probe_stats.TESTS_PER_ROW,
        rows=rows, rate_meaning=result.rate_meaning, edges=result.edges,
        related=verdicts.related_note(), wall_seconds=result.wall_seconds)


def rate_label(rate: float) -> str:
    """``0.2``, ``-0.1``, ``NaN``: how rates are keyed and printed."""
    return "NaN" if math.isnan(rate) else f"{rate:g}"
