"""``sweep``: its options come from SweepConfig, with the profile's values as their defaults."""

from __future__ import annotations

from pathlib import Path

import click

from dropout_lab.core.commands import command_line
from dropout_lab.core.config import load_toml
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.flags import Invocation, experiment_command
from dropout_lab.executors.options import EXECUTOR_OPTIONS, choice
from dropout_lab.sweep.config import resolve_profile

_resume = click.option("--resume", "resume_path", type=click.Path(file_okay=False),
                       help="Continue an interrupted sweep (its .partial folder) with its "
                            "recorded config; complete units are kept, failed ones tried again.")


@experiment_command("sweep", _resume, *EXECUTOR_OPTIONS)
def sweep_cmd(invocation: Invocation, resume_path: str | None, executor: str,
              address: str | None, retries: int) -> None:
    """The 2014 dropout paper's studies of the rate and of the data-set size.

    STUDY is rate (Figure 9a: fixed width 784-2048-2048-2048, hidden keep_prob
    0.1 to 1.0), width (9b: keep_prob x n fixed at 256-256-512) or size
    (Figure 10: 784-1024-1024-2048, keep_prob 0.8 input / 0.5 hidden, against
    no dropout, on 100 to 50K training images). Each (point, seed) trains one
    unit; prints per point the mean and interval over seeds of test and
    training error, the plot in the paper's form and a verdict on the
    paper's finding (P2014-F9a, -F9b, -F10). Units run in this process or as
    Ray tasks (--executor ray, on this machine's cores or on a cluster with
    --address). Method: docs/methods.md#sweep.

    \b
    Examples:
      dropout-lab sweep rate
      dropout-lab sweep size --seeds 5 --executor ray
      dropout-lab sweep rate --profile paper --executor ray --address 10.0.0.5:6379
      dropout-lab sweep --resume results/sweep/.20261204-120000-a1b2c3.partial
    """
    from dropout_lab.sweep import experiment  # pydantic

    runner = choice(executor, address, retries)
    if resume_path is not None:
        invocation.reject_with("--resume", "a sweep continues with its recorded config.",
                               *invocation.flags)
        folder, config = experiment.open_resume(Path(resume_path), command_line())
        _finished(invocation.execute(config, resume=folder, executor=runner))
        return
    flags = dict(invocation.flags)
    study, profile = flags.pop("study"), flags.pop("profile")
    values = load_toml(invocation.config_path) if invocation.config_path else {}
    named = values.get("study")  # a config file may name its study (reproduce's reruns do)
    if study is not None and named is not None and named != study:
        raise click.UsageError(f"STUDY {study} and the config file's study {named!r} differ; "
                               "give one of them.")
    if flags.get("steps") is not None and flags.get("eval_every") is None \
            and "eval_every" not in values:
        flags["eval_every"] = flags["steps"]  # --steps alone: evaluate once, at the end
    config = resolve_profile(study or named or "rate", profile or values.get("profile")
                             or "quick", values or None, flags,
                             source=str(invocation.config_path))
    _finished(invocation.execute(config, executor=runner))


def _finished(result) -> None:
    """Exit 1 (after the tables) when units are missing: the folder stays resumable."""
    if not result.complete:
        failed = ", ".join(f["unit"] for f in result.failed_units) or "none this session"
        raise ExperimentError(
            f"{len(result.missing)} points lack units (failed: {failed}); the results above "
            f"cover the others. {result.run_dir} stays resumable: dropout-lab sweep --resume "
            f"{result.run_dir}")
