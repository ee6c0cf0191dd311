"""``numpy-demo``: its options come from NumpyDemoConfig, plus ``--drop-rate`` for keep_prob."""

from __future__ import annotations

import click

from dropout_lab.core.flags import Invocation, experiment_command
from dropout_lab.numpy_demo.config import keep_prob_from

_drop_rate = click.option("--drop-rate", type=float,
                          help="Probability of DROPPING a unit, in [0, 1) (Keras's rate); "
                               "give this or --keep-prob.")


@experiment_command("numpy-demo", _drop_rate)
def numpy_demo_cmd(invocation: Invocation, drop_rate: float | None) -> None:
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
    keep_prob = keep_prob_from(invocation.flags["keep_prob"], drop_rate)
    invocation.execute(invocation.resolve(keep_prob=keep_prob))
