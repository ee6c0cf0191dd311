"""``reproduce``: run the plan, collect each claim's verdict from its owner, write the report.

Each step runs one experiment exactly as its own command would (the same
``run(config, ctx)``), writing its own run folder under ``--out``; the
reproduce folder records every step (``steps/<name>.json``: its run folder,
its wall time, the command that reruns it, with its config in
``configs/<name>.toml``), so an interrupted reproduction continues with
``--resume`` from the first unfinished step whose finished work is proven to
be the work asked for (``reproduce.reuse``). The verdict on each claim is the
owner step's; a quick-profile verdict that is inconclusive says so, with the
command that settles it, and a claim the quick profile leaves to the full one
(``config.NEEDS_FULL``: C4, C9 and the 2014 paper's studies) is "not measured",
saying why (``summary``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from dropout_lab.core import config as cfg
from dropout_lab.core import kinds, results
from dropout_lab.core.errors import DropoutLabError, ExperimentError
from dropout_lab.core.files import UnsafeFile
from dropout_lab.core.reading import open_run
from dropout_lab.core.results import record
from dropout_lab.core.resume import reopen_with_config, resumable_run
from dropout_lab.core.runs import RunContext, RunFolder
from dropout_lab.core.tfenv import USER_ENVIRONMENT, versions
from dropout_lab.core.verdict import Verdict
from dropout_lab.reproduce import reuse
from dropout_lab.reproduce.config import ReproduceConfig, Step, needs_full, plan
from dropout_lab.reproduce.reuse import STEPS_DIR, StepRecord
from dropout_lab.reproduce.summary import Against, against_readme, deferred, sized

KIND = "reproduce"
PLAN = "plan"  # the progress task over the whole plan (core.commands keeps it open)


@record
class ReproduceResult:
    """Every claim's verdict, the steps that gave them, the report's files."""

    KIND: ClassVar[str] = KIND
    config: ReproduceConfig
    run_dir: Path
    verdicts: list[Verdict]
    steps: list[StepRecord]
    figures: list[str]  # file names under figures/
    environment: dict[str, Any]
    report: dict[str, str]  # "markdown" / "html" -> file name in the run folder
    wall_seconds: float
    against_readme: list[Against] | None = None  # None in runs of 0.2, which had no summary

    def part_runs(self) -> list[Path]:
        """Every step's run folder (MLflow logs each as a child run)."""
        return [Path(step.run_dir) for step in self.steps]


Result = ReproduceResult


def _module(command: str):
    """The experiment module a step's command runs (imported late: TensorFlow and NumPy)."""
    return kinds.experiment(command)


def open_resume(path: Path, command: str) -> tuple[RunFolder, ReproduceConfig]:
    """The interrupted reproduction at ``path`` and its recorded config (nothing written)."""
    return reopen_with_config(path, KIND, ReproduceConfig, command)


def run(config: ReproduceConfig, ctx: RunContext | None = None) -> ReproduceResult:
    """Run every step not yet done, then write the report; see the module docstring."""
    ctx = ctx or RunContext()
    from dropout_lab.reproduce import figures, report  # matplotlib, Jinja2

    steps = plan(config)
    environment = {"start": machine()}
    with resumable_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                       resume=ctx.resume, started=ctx.started) as folder:
        out = folder.final_path.parent.parent  # steps land beside the reproduction
        done = reuse.finished(folder, out, steps)
        made: dict[str, Any] = {}
        for index, step in enumerate(steps):
            ctx.report(PLAN, index, len(steps))
            made[step.name] = _reused(done.get(step.name), step, made, folder)
            if made[step.name] is None:
                with _stopped(step, index, len(steps), folder):
                    done[step.name] = _run_step(step, folder, made, out, ctx)
                made[step.name] = _load(done[step.name], step)
        ctx.report(PLAN, len(steps), len(steps))
        records = [done[s.name] for s in steps]
        environment["end"] = machine()
        found = figures.draw(folder, made)
        verdicts = collect(config, steps, made)
        result = ReproduceResult(
            config=config, run_dir=folder.final_path, verdicts=verdicts,
            steps=records, figures=found, environment=environment,
            report={"markdown": "report.md", "html": "report.html"},
            wall_seconds=round(time.monotonic() - ctx.started, 3),
            against_readme=against_readme(config, verdicts))
        report.write(folder, result, made.get("frameworks"), made.get("export"))
        folder.write_json("results.json", results.to_json(result))
    return result


@contextlib.contextmanager
def _stopped(step: Step, index: int, total: int, folder: RunFolder) -> Iterator[None]:
    """A step interrupted or failed: say what is kept and how to continue."""
    try:
        yield
    except (KeyboardInterrupt, ExperimentError) as exc:
        why = "Interrupted" if isinstance(exc, KeyboardInterrupt) else f"Failed ({exc})"
        raise ExperimentError(
            f"{why} in step {step.name}: {index} of {total} experiments are complete in "
            f"{folder.path}. Continue with: dropout-lab reproduce --resume {folder.path}"
        ) from None


def _run_step(step: Step, folder: RunFolder, made: dict, out: Path,
              ctx: RunContext) -> StepRecord:
    config = reuse.step_config(step, made)  # mc-average takes the model of mnist-s003's run
    _write_config(folder, step, config)
    rerun = reuse.rerun_command(step, folder, out)

    def progress(task: str, done: int, total: int) -> None:
        ctx.report(f"{step.name}: {task}", done, total)

    started = time.monotonic()
    sub = RunContext(out=out, command=rerun, progress=progress, data_dir=ctx.data_dir,
                     started=started, executor=ctx.executor)
    result = _module(step.command).run(config, sub)
    record = reuse.record(step, folder, out, result.run_dir, round(time.monotonic() - started, 3))
    folder.write_json(f"{STEPS_DIR}/{step.name}.json", dataclasses.asdict(record))
    return record


def _write_config(folder: RunFolder, step: Step, config) -> None:
    folder.write_text(reuse.config_file(step),
                      cfg.to_toml(config, f"dropout-lab reproduce: step {step.name}"))


def _reused(record: StepRecord | None, step: Step, made: dict, folder: RunFolder):
    """The result of a step an earlier attempt finished; None when it must run (again).

    Reused only when its run is the work the plan asks for (``reuse.differences``);
    its config file is then written again from the plan, never kept from the folder.
    """
    if record is None:
        return None
    config = reuse.step_config(step, made)
    try:
        run = open_run(record.run_dir, (step.command,))
        if reuse.differences(run.manifest, config):
            return None  # other work (another seed, size, version): run it again
        result = results.from_json(_module(step.command).Result,
                                   run.read_json("results.json"))
    except (DropoutLabError, UnsafeFile, TypeError, KeyError, ValueError, ArithmeticError):
        return None  # damaged since: run it again
    _write_config(folder, step, config)
    return result


def _load(record: StepRecord, step: Step):
    """A finished step's result, read back from its run folder (nothing recomputed)."""
    module = _module(step.command)
    run = open_run(record.run_dir, (step.command,))
    return results.from_json(module.Result, run.read_json("results.json"))


def collect(config: ReproduceConfig, steps: list[Step], made: dict) -> list[Verdict]:
    """One verdict per wanted claim, from the step that owns it (or why none ran)."""
    found = {}
    for step in steps:
        for verdict in made[step.name].verdicts:
            if verdict.claim in step.claims and verdict.claim not in found:
                found[verdict.claim] = sized(verdict, config)
    for claim in needs_full(config):
        found[claim] = deferred(claim, config)
    return [found[c] for c in config.wanted if c in found]


def machine() -> dict[str, Any]:
    """The machine as a report states it: versions, CPU, threads, load, the user's settings."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle
                        if line.startswith("model name")), platform.processor() or "unknown")
    except OSError:
        pass
    threads, tf = None, sys.modules.get("tensorflow")  # once an experiment has imported it
    if tf is not None:
        threads = {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                   "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}
    return {"versions": versions(), "platform": platform.platform(), "cpu": cpu,
            "cpus": os.cpu_count(), "tf_threads": threads, "load_1min": os.getloadavg()[0],
            "environment": USER_ENVIRONMENT}
