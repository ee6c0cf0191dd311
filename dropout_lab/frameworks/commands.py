"""``frameworks``: PyTorch, JAX (Flax NNX, Linen, Equinox) and Keras's backends side by side."""

from __future__ import annotations

import functools

import click

from dropout_lab.core.flags import Invocation, experiment_command
from dropout_lab.dropouts.frameworks import NEEDS, installed
from dropout_lab.workers.parent import WORKERS


class InstalledHelp(click.Command):
    """Help that ends with which frameworks are installed (found without importing them)."""

    def format_epilog(self, ctx, formatter):
        found = installed()
        rows = [(w, "installed" if w in found
                 else f"not installed (pip install 'dropout-lab[{NEEDS[w][0]}]')")
                for w in WORKERS]
        with formatter.section("Frameworks here"):
            formatter.write_dl(rows)


_cards = click.option("--cards", is_flag=True,
                      help="One card per implementation, every fact in words, instead of the "
                           "matrix of codes (the cards are shown anyway where the terminal is "
                           "narrower than the matrix, about 120 columns).")


@experiment_command("frameworks", _cards, cls=InstalledHelp)
def frameworks_cmd(invocation: Invocation, cards: bool) -> None:
    """Dropout across frameworks: one measured matrix.

    Probes PyTorch's dropouts, Flax NNX's (with and without broadcast_dims),
    Flax Linen's and Equinox's, and Keras's on its TensorFlow, JAX and
    PyTorch backends exactly as `probe` probes Keras's: what the rate means,
    the scaling, the test-time switch, the axes a mask is shared along, what
    rate 1 and the invalid rates -0.1, 1.5 and NaN do (output and gradient),
    whether a seed gives the same mask in a new process, and what a call
    with the defaults does. Each framework runs in its own worker process;
    each row is checked against its documentation. Prints one matrix
    (implementations x facts, short codes, their legend, the findings below);
    --cards prints a card per implementation. Method: docs/methods.md#frameworks.

    \b
    Examples:
      dropout-lab frameworks
      dropout-lab frameworks --framework torch --framework jax --json
    """
    config = invocation.resolve()
    config.require_installed()
    from dropout_lab.frameworks import render

    invocation.execute(config, render=functools.partial(render.frameworks, cards=True)
                       if cards else None)
