"""``frameworks``: every framework's dropouts probed side by side, one worker process each.

Each worker (``workers``) imports one framework (or one Keras backend) and
measures its implementations as ``probe`` does (``measure``); a second,
short-lived process of the same worker draws each implementation's first
mask again with the same seed, so the matrix can say whether a seed gives
the same mask in a new process. The parent imports no framework: it
collects the answers, summarises one matrix row per implementation
(``matrix``), checks each against its documentation, and writes the run
folder, whose results.json holds every worker's raw answer (the numbers
behind each cell, at ``implementations/<i>``).
"""

from __future__ import annotations

import concurrent.futures
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field

from dropout_lab.core import config as cfg
from dropout_lab.core import results
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import RunContext, new_run
from dropout_lab.core.verdict import Verdict
from dropout_lab.dropouts import drawstats, registry, worker_probe
from dropout_lab.dropouts.frameworks import NEEDS, missing
from dropout_lab.frameworks import catalog, matrix
from dropout_lab.frameworks.config import FrameworksConfig
from dropout_lab.frameworks.matrix import MatrixRow
from dropout_lab.workers import parent as workers

KIND = "frameworks"


@dataclass(frozen=True)
class WorkerRecord:
    """One worker process: what it imported, how long the import and the work took."""

    worker: str
    versions: dict[str, str]
    import_seconds: Real
    seconds: Real  # the whole worker process, import included (the parent's wall clock)
    implementations: list[str]


@record
class FrameworksResult:
    """The matrix, the raw answers behind it, the documentation checks."""

    KIND: ClassVar[str] = KIND

    config: FrameworksConfig
    alpha: Annotated[float, Field(alias="alpha_per_test")]
    rows: Annotated[list[MatrixRow], Field(alias="matrix")]
    implementations: list[dict[str, Any]]  # each worker's raw answer per implementation
    workers: list[WorkerRecord]
    skipped: dict[str, str]  # worker -> why it did not run (not installed)
    verdicts: list[Verdict]
    run_dir: Path
    wall_seconds: float


def plan(config: FrameworksConfig) -> dict[str, list[str]]:
    """worker -> the matrix's implementations it measures."""
    chosen: dict[str, list[str]] = {worker: [] for worker in config.workers}
    for name in catalog.MATRIX:
        worker = registry.known(name).worker or "tensorflow"
        if worker in chosen:
            chosen[worker].append(name)
    return chosen


Result = FrameworksResult


def run(config: FrameworksConfig, ctx: RunContext | None = None) -> FrameworksResult:
    """Run every chosen worker (``config.jobs`` at a time) and write ``ctx.out/frameworks/``."""
    ctx = ctx or RunContext()
    config.require_installed()
    alpha = drawstats.per_test_alpha(config.false_alarm, len(config.rates))
    chosen = plan(config)
    request = {"task": worker_probe.TASK, "rates": list(config.rates), "size": config.size,
               "seed": config.seed, "alpha": alpha}
    answers, seconds = _run_workers(chosen, request, config, ctx)
    rows: list[MatrixRow] = []
    raw: list[dict[str, Any]] = []  # each worker's answer per implementation, as it came
    records: list[WorkerRecord] = []
    for worker, names in chosen.items():
        main, again = answers[(worker, "main")], answers[(worker, "again")]
        shas = {a["name"]: a["seeding"].get("sha256") for a in again["implementations"]}
        for answer in main["implementations"]:
            rows.append(matrix.summarise(answer, shas.get(answer["name"]), len(raw)))
            raw.append({"worker": worker, **answer})
        records.append(WorkerRecord(worker, main["versions"], main["import_seconds"],
                                    seconds[worker], names))
    skipped = {w: f"not installed: pip install 'dropout-lab[{NEEDS[w][0]}]'"
               for w in NEEDS if w not in chosen and missing(w) and not config.frameworks}
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 started=ctx.started) as folder:
        result = FrameworksResult(
            config=config, alpha=alpha, rows=rows, implementations=raw, workers=records,
            skipped=skipped, verdicts=[matrix.verdict(r, list(config.rates), alpha)
                                       for r in rows],
            run_dir=folder.final_path, wall_seconds=round(time.monotonic() - ctx.started, 3))
        folder.write_json("results.json", results.to_json(result))
    return result


def _run_workers(chosen: dict[str, list[str]], request: dict, config: FrameworksConfig,
                 ctx: RunContext) -> tuple[dict, dict[str, float]]:
    """Every worker's main answer and its second (seeding) answer; wall seconds per worker."""
    jobs = [(worker, kind) for worker in chosen for kind in ("main", "again")]
    done: dict = {}
    seconds: dict[str, float] = {}

    def one(worker: str, kind: str) -> dict:
        started = time.monotonic()
        task = {**request, "names": chosen[worker], "only_seeding": kind == "again"}
        report = (lambda d, t: ctx.report(f"{worker} worker", d, t)) if kind == "main" else None
        answer = workers.call(worker, task, config.timeout, report)
        if kind == "main":
            seconds[worker] = round(time.monotonic() - started, 3)
        return answer

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=config.jobs)
    try:
        futures = {pool.submit(one, *job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            done[futures[future]] = future.result()
    except BaseException:  # Ctrl-C or a failed worker: stop the others at once
        workers.kill_all()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return done, seconds
