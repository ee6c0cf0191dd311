"""``reproduce``: every claim of the sources, settled in one run, with one report."""

from __future__ import annotations

from pathlib import Path

import click

from dropout_lab.core.commands import (
    Output,
    command_line,
    config_option,
    data_dir_option,
    execute,
    lab_command,
    out_option,
    output_options,
    reject_combined,
    resolve_config,
)
from dropout_lab.reproduce import experiment, render
from dropout_lab.reproduce.config import PROFILES, ReproduceConfig, parse_claims, plan


@click.command("reproduce")
@click.option("--profile", type=click.Choice(PROFILES),
              help="quick: small sizes, 2-3 minutes on 2 cores (the frameworks step, "
                   "run when other frameworks are installed, adds under a minute); full: the "
                   "published sizes, about 15 minutes [quick].")
@click.option("--claims", help="Comma-separated claims to settle, e.g. C1,C10 [all: C1-C12, "
                               "MC].")
@click.option("--seed", type=int, help="Seed of every experiment [0].")
@click.option("--resume", "resume_path", type=click.Path(file_okay=False),
              help="Continue an interrupted reproduction (its .partial folder): finished "
                   "experiments are kept, the recorded config is used.")
@data_dir_option
@config_option()
@out_option
@output_options
@lab_command
def reproduce_cmd(profile, claims, seed, resume_path, data_dir, config_path, out, as_json,
                  quiet):
    """Settle every claim of the sources in one run and write one report.

    Runs each experiment (compare, probe, noise-shape, gradients, numpy-demo,
    mnist for S003 and S001, mc-average) into its own run folder, then writes
    report.md and a self-contained report.html (figures embedded, no network)
    with each claim's verdict, the key number, the stated test, a link to the
    run that settled it and the command that reruns it. The quick profile
    says where its small sizes leave a verdict inconclusive. Needs MNIST
    (`dropout-lab data mnist` gets it once) for C4, C9, C11 and MC.

    \b
    Examples:
      dropout-lab reproduce
      dropout-lab reproduce --profile full
      dropout-lab reproduce --claims C1,C10 --json
      dropout-lab reproduce --resume results/reproduce/.20261126-120000-a1b2c3.partial
    """
    flags = dict(profile=profile, seed=seed,
                 claims=parse_claims(claims) if claims is not None else None)
    folder = None
    if resume_path is not None:
        reject_combined(flags, config_path, "--resume",
                        "a reproduction continues with its recorded config.")
        folder, config = experiment.open_resume(Path(resume_path), command_line())
    else:
        config = resolve_config(ReproduceConfig, config_path, flags)
    plan(config)  # every step's config checked before any work
    execute(Output(as_json, quiet), out, experiment, config, render.reproduce,
            resume=folder, data_dir=data_dir)


COMMANDS = (reproduce_cmd,)
