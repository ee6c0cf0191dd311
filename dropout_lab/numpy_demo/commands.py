"""``numpy-demo``: S001's vanilla and inverted dropout in NumPy (claims C2, C3)."""

from __future__ import annotations

import click

from dropout_lab.core.commands import (
    Output,
    config_option,
    execute,
    lab_command,
    out_option,
    output_options,
    resolve_config,
)
from dropout_lab.numpy_demo import render
from dropout_lab.numpy_demo.config import NumpyDemoConfig, keep_prob_from


@click.command("numpy-demo")
@click.option("--keep-prob", type=float,
              help="Probability of KEEPING a unit, in (0, 1] (S001's p) [0.5].")
@click.option("--drop-rate", type=float,
              help="Probability of DROPPING a unit, in [0, 1) (Keras's rate); "
                   "give this or --keep-prob.")
@click.option("--samples", type=int, help="Columns of X, shape (3, samples) [1000000].")
@click.option("--seed", type=int, help="Seed of the weights, X and the masks [0].")
@click.option("--repeats", type=int, help="Timed test-time passes of each kind [21].")
@click.option("--false-alarm", type=float,
              help="Family-wise error of the matches/shifted tests [1e-4].")
@config_option()
@out_option
@output_options
@lab_command
def numpy_demo_cmd(keep_prob, drop_rate, samples, seed, repeats, false_alarm, config_path, out,
                   as_json, quiet):
    """S001 in NumPy: vanilla vs inverted dropout on a 3-layer ReLU net.

    Compares the training-mode mean output with the test-time output with and
    without the x keep_prob scaling, for vanilla and inverted dropout (C2),
    each as a paired interval test; checks backward() against central
    differences; and times vanilla vs inverted test-time passes (C3).
    Method: docs/methods.md#numpy-demo.

    \b
    Example:
      dropout-lab numpy-demo --keep-prob 0.5 --samples 1000000
      dropout-lab numpy-demo --drop-rate 0.2 --repeats 31 --json
    """
    from dropout_lab.numpy_demo import experiment

    config = resolve_config(NumpyDemoConfig, config_path, dict(
        keep_prob=keep_prob_from(keep_prob, drop_rate), samples=samples, seed=seed,
        repeats=repeats, false_alarm=false_alarm))
    execute(Output(as_json, quiet), out, experiment, config, render.numpy_demo,
            first=None)  # NumPy only: no TF to start


COMMANDS = (numpy_demo_cmd,)
