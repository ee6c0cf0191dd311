"""``export``: train, export along every installed route, run each artifact in its own runtime.

Each framework's worker process (``tensorflow`` for Keras, ``torch``,
``jax``) trains the three nets and writes every route's artifact into the
run folder (``artifacts/<route>/<net>.*``, kept for inspection); as soon as
an exporter is done, one fresh process per runtime (``tensorflow``,
``onnxruntime``, ``litert``, ``torch``, ``jax``) loads its artifacts, lists
their dropout/random nodes and calls them (``running``). The parent imports
no framework: it turns the answers into one matrix cell per (route, net)
(``matrix``), each with its verdict, and writes the run folder, whose
results.json holds every raw answer (``measurements/<i>``).
"""

from __future__ import annotations

import concurrent.futures
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field

from dropout_lab.core import config as cfg
from dropout_lab.core import results, stats
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import RunContext, new_run
from dropout_lab.core.verdict import Verdict
from dropout_lab.export import exporting, matrix, routes, running
from dropout_lab.export.config import ExportConfig
from dropout_lab.export.matrix import Cell
from dropout_lab.workers import parent as workers

KIND = "export"
ARTIFACTS = "artifacts"
STAGE = "exporting and running artifacts (worker processes)"


@dataclass(frozen=True)
class RouteRow:
    """One route: its exporter, its runtime, one cell per net."""

    route: str
    framework: str
    exporter: str
    runtime: str
    mistake: bool
    cells: list[Cell]


@dataclass(frozen=True)
class ProcessRecord:
    """One worker process: what it did, its versions, the import and the whole process."""

    process: str  # e.g. "torch: export", "onnxruntime: torch artifacts"
    versions: dict[str, str]
    import_seconds: Real
    seconds: Real
    cpu_seconds: Real | None = None  # the process's CPU time: what a busy machine does not inflate


@record
class ExportResult:
    """The matrix, the raw answers behind it, the verdicts."""

    KIND: ClassVar[str] = KIND

    config: ExportConfig
    z: float  # of the mean test (matrix)
    rows: Annotated[list[RouteRow], Field(alias="matrix")]
    measurements: list[dict[str, Any]]  # per cell: the exporter's and the runtime's answers
    processes: list[ProcessRecord]
    skipped: dict[str, str]  # route -> what installs it
    verdicts: list[Verdict]
    run_dir: Path
    wall_seconds: float


Result = ExportResult


def run(config: ExportConfig, ctx: RunContext | None = None) -> ExportResult:
    """Run every chosen route (``config.jobs`` processes at a time); write ``ctx.out/export/``."""
    ctx = ctx or RunContext()
    config.require_installed()
    chosen = config.chosen
    z = stats.normal_quantile(config.false_alarm / (len(routes.ROUTES) * len(config.nets)
                                                    * config.batch))
    test = matrix.test_text(config.calls, config.batch, config.mean_calls, z,
                            config.false_alarm)
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 started=ctx.started) as folder:
        exported, ran, records = _run_workers(chosen, config, folder.path / ARTIFACTS, ctx)
        rows: list[RouteRow] = []
        raw: list[dict[str, Any]] = []  # the runtimes' answers, as they came
        skipped = {r.name: routes.install_hint(r) for r in routes.ROUTES
                   if r not in chosen and not config.routes and routes.missing(r)}
        for route in routes.ROUTES:
            if route in chosen:
                rows.append(_row(route, [_cell(route, net, exported, ran, z, raw)
                                         for net in config.nets]))
            elif route.name in skipped:
                rows.append(_row(route, [matrix.not_installed(net, skipped[route.name], "")
                                         for net in config.nets]))
        verdicts = [matrix.verdict(routes.BY_NAME[row.route], c, test) for row in rows
                    for c in row.cells]
        result = ExportResult(config=config, z=z, rows=rows, measurements=raw,
                              processes=records, skipped=skipped, verdicts=verdicts,
                              run_dir=folder.final_path,
                              wall_seconds=round(time.monotonic() - ctx.started, 3))
        folder.write_json("results.json", results.to_json(result))
    return result


def _row(route: routes.Route, cells: list[Cell]) -> RouteRow:
    return RouteRow(route.name, route.framework, route.exporter, route.runtime, route.mistake,
                    cells)


def _cell(route: routes.Route, net: str, exported: dict, ran: dict, z: float,
          raw: list) -> Cell:
    answer = ran.get((route.name, net))
    artifact = exported[route.framework]["artifacts"][route.name][net]
    pointer = f"/measurements/{len(raw)}"
    raw.append({"route": route.name, "net": net,
                "artifact": {**artifact, "path": artifact["path"] and
                             f"{ARTIFACTS}/{artifact['path']}"},
                "reference": exported[route.framework]["nets"][net], "runtime": answer})
    return matrix.cell(route, net, exported[route.framework], answer, z, pointer)


def _run_workers(chosen: list[routes.Route], config: ExportConfig, folder: Path,
                 ctx: RunContext) -> tuple[dict, dict, list[ProcessRecord]]:
    """Exporters first (one per framework); each framework's runtimes as soon as it is done.

    Returns:
        framework -> the exporter's answer; (route, net) -> the runtime's answer;
        one record per process, in the plan's order.
    """
    frameworks = list(dict.fromkeys(r.framework for r in chosen))
    groups = {fw: list(dict.fromkeys(r.runtime for r in chosen if r.framework == fw))
              for fw in frameworks}
    total = len(frameworks) + sum(len(g) for g in groups.values())
    exported: dict[str, dict] = {}
    ran: dict[tuple[str, str], dict] = {}
    # a job: ("export", framework) or ("run", (runtime, framework))
    records: dict[tuple[str, Any], ProcessRecord] = {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=config.jobs)
    pending: dict[concurrent.futures.Future, tuple[str, Any]] = {
        pool.submit(_export, fw, chosen, config, folder): ("export", fw) for fw in frameworks}
    ctx.report(STAGE, 0, total)
    try:
        while pending:
            done, _ = concurrent.futures.wait(pending, return_when="FIRST_COMPLETED")
            for future in done:
                kind, key = job = pending.pop(future)
                answer, records[job] = future.result()
                if kind == "export":
                    exported[key] = answer
                    for runtime in groups[key]:
                        started = pool.submit(_run, runtime, key, chosen, answer, config, folder)
                        pending[started] = ("run", (runtime, key))
                else:
                    ran.update({(r["route"], r["net"]): r for r in answer["results"]})
                ctx.report(STAGE, len(records), total)
    except BaseException:  # Ctrl-C or a failed worker: stop the others at once
        workers.kill_all()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    plan = [("export", fw) for fw in frameworks] + [("run", (rt, fw)) for fw in frameworks
                                                    for rt in groups[fw]]
    return exported, ran, [records[job] for job in plan]  # the plan's order, not the finish's


def _export(framework: str, chosen: list[routes.Route], config: ExportConfig,
            folder: Path) -> tuple[dict, ProcessRecord]:
    worker = routes.EXPORTERS[framework]
    request = {"task": exporting.TASK, "framework": framework,
               "routes": [r.name for r in chosen if r.framework == framework],
               "nets": list(config.nets), "drop_rate": config.drop_rate,
               "steps": config.steps, "batch": config.batch, "seed": config.seed,
               "folder": str(folder)}
    started = time.monotonic()
    answer = workers.call(worker, request, config.timeout)
    return answer, ProcessRecord(f"{worker}: train and export ({framework})",
                                 answer["versions"], answer["import_seconds"],
                                 round(time.monotonic() - started, 3), answer["cpu_seconds"])


def _run(runtime: str, framework: str, chosen: list[routes.Route], exported: dict,
         config: ExportConfig, folder: Path) -> tuple[dict, ProcessRecord]:
    artifacts = []
    for route in chosen:
        if route.framework != framework or route.runtime != runtime:
            continue
        for net, artifact in exported["artifacts"][route.name].items():
            if artifact["path"] is not None:
                artifacts.append({"route": route.name, "net": net, "artifact": route.artifact,
                                  "path": str(folder / artifact["path"]),
                                  "layout": artifact.get("layout")})
    request = {"task": running.TASK, "artifacts": artifacts, "batch": config.batch,
               "seed": config.seed, "calls": config.calls, "mean_calls": config.mean_calls}
    started = time.monotonic()
    answer: dict[str, Any] = workers.call(runtime, request, config.timeout) if artifacts else \
        {"import_seconds": 0.0, "results": [], "cpu_seconds": 0.0}
    found = next((r["runtime"] for r in answer["results"] if r.get("runtime")), None)
    versions = dict([found.split(" ", 1)]) if found else {}
    return answer, ProcessRecord(f"{runtime}: run {framework}'s artifacts", versions,
                                 answer["import_seconds"], round(time.monotonic() - started, 3),
                                 answer["cpu_seconds"])

