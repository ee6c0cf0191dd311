"""``reproduce``: every claim of the sources, settled in one run; options from ReproduceConfig."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from dropout_lab.core.commands import command_line, given
from dropout_lab.core.flags import Invocation, experiment_command
from dropout_lab.core.printable import printable
from dropout_lab.core.resume import resume_out
from dropout_lab.executors.options import EXECUTOR_OPTIONS, choice
from dropout_lab.reproduce.config import plan

#: The steps' commands that train or evaluate on MNIST.
MNIST_COMMANDS = ("mnist", "mnist-speed", "mc-average", "sweep")

_resume = click.option("--resume", "resume_path", type=click.Path(file_okay=False),
                       help="Continue an interrupted reproduction (its .partial folder): "
                            "finished experiments are kept, the recorded config is used.")


@experiment_command("reproduce", _resume, *EXECUTOR_OPTIONS)
def reproduce_cmd(invocation: Invocation, resume_path: str | None, executor: str,
                  address: str | None, retries: int) -> None:
    """Settle every claim of the sources in one run and write one report.

    Runs each experiment (compare, probe, noise-shape, gradients, numpy-demo,
    mnist for S003 and S001, mnist-speed, mc-average) into its own run folder,
    then writes report.md and a self-contained report.html (figures embedded,
    no network) with each claim's verdict, the key number, the stated test, a
    link to the run that settled it and the command that reruns it. The quick
    profile's sizes are planned to reach the full profile's verdicts
    (docs/methods.md#power); C4, C9 and the 2014 paper's studies it leaves to
    --profile full, and its summary says so, with the command. A verdict that
    differs from the README's table is flagged. Needs MNIST for C4, C9, C11,
    MC and the studies: when it is not cached, it says so before it starts and
    fetches it (`dropout-lab data mnist` gets it once).

    \b
    Examples:
      dropout-lab reproduce
      dropout-lab reproduce --profile full --executor ray
      dropout-lab reproduce --claims C1,C10 --json
      dropout-lab reproduce --resume results/reproduce/.20261126-120000-a1b2c3.partial
    """
    from dropout_lab.reproduce import experiment  # pydantic

    runner = choice(executor, address, retries)  # for the mnist and sweep steps' units
    folder = None
    if resume_path is not None:
        invocation.reject_with("--resume", "a reproduction continues with its recorded config.",
                               *invocation.flags)
        folder, config = experiment.open_resume(Path(resume_path), command_line())
        out = resume_out(folder, invocation.out if given("out") else None)  # where it finishes
        invocation = dataclasses.replace(invocation, out=str(out))
    else:
        config = invocation.resolve()
    steps = plan(config)  # every step's config checked before any work
    if any(step.command in MNIST_COMMANDS for step in steps):
        from dropout_lab.core.data.mnist import fetch_notice  # NumPy

        notice = fetch_notice(invocation.context.get("data_dir"))
        if notice:  # said before the run starts, not minutes into it
            invocation.output.show(printable(notice))
    invocation.execute(config, resume=folder, executor=runner)
