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
by default); the derivation is in ``dropout_lab.dropouts.drawstats`` and docs/methods.md.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import Field, computed_field

from dropout_lab.core import config as cfg
from dropout_lab.core import results, stats
from dropout_lab.core.results import record
from dropout_lab.core.runs import RunContext, new_run
from dropout_lab.core.tfenv import seed_everything
from dropout_lab.core.verdict import Verdict
from dropout_lab.dropouts import drawstats, registry, worker_probe
from dropout_lab.dropouts.probing import (
    EDGE_RATES,
    ProbeRow,
    edge_behaviour,
    measure_row,
    overall_meaning,
    rate_label,
    row_from_json,
)
from dropout_lab.dropouts.registry import Implementation
from dropout_lab.probe import verdicts
from dropout_lab.probe.config import ProbeConfig
from dropout_lab.workers import parent as workers

KIND = "probe"


@record
class ProbeResult:
    """Everything a probe run measured."""

    KIND: ClassVar[str] = KIND
    config: ProbeConfig
    alpha: Annotated[float, Field(alias="alpha_per_test")]  # per-test level
    z: float  # two-sided normal bound at alpha
    rows: list[ProbeRow]
    rate_meaning: dict[str, str]  # per implementation, from rates other than 0, 0.5 and 1
    edges: dict[str, dict[str, str]]  # implementation -> rate label ("0", "NaN") -> behaviour
    verdicts: list[Verdict]
    run_dir: Path
    wall_seconds: float

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def tests_per_row(self) -> int:
        """Statistical tests per row (T1-T3 of ``dropouts.drawstats``)."""
        return drawstats.TESTS_PER_ROW

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def related(self) -> str:
        """Where the claims probe touches but does not judge are settled."""
        return verdicts.related_note()


Result = ProbeResult


def run(config: ProbeConfig, ctx: RunContext | None = None) -> ProbeResult:
    """Probe every implementation at every rate; write ``ctx.out/probe/<run-id>/``."""
    ctx = ctx or RunContext()
    started = time.monotonic()
    chosen = [registry.resolve(name) for name in config.names]
    if any(impl.framework != "numpy" and impl.worker is None for impl in chosen):
        seed_everything(config.seed)  # NumPy references use explicit per-row generators
    alpha = drawstats.per_test_alpha(config.false_alarm, len(config.rates))
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
        folder.write_json("results.json", results.to_json(result))
    return result


def _in_workers(chosen: list[Implementation], config: ProbeConfig, alpha: float,
                ctx: RunContext) -> dict[str, tuple[list[ProbeRow], dict[str, str]]]:
    """Rows and edges of other frameworks' implementations, from one worker per framework."""
    found = {}
    for worker in dict.fromkeys(impl.worker for impl in chosen if impl.worker is not None):
        names = [impl.name for impl in chosen if impl.worker == worker]
        answer = workers.call(worker, {
            "task": worker_probe.TASK, "names": names, "rates": list(config.rates),
            "size": config.size, "seed": config.seed, "alpha": alpha, "skip_extras": True},
            progress=functools.partial(ctx.report, f"probe ({worker})"))
        for one in answer["implementations"]:
            found[one["name"]] = ([row_from_json(r) for r in one["rows"]], one["edges"])
    return found
