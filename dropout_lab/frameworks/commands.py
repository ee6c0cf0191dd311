"""``frameworks``: PyTorch, JAX (Flax NNX, Linen, Equinox) and Keras's backends side by side."""

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
from dropout_lab.frameworks import render
from dropout_lab.frameworks.config import NEEDS, FrameworksConfig, installed
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


def installed_line() -> str:
    """``torch, jax installed; keras-torch not (pip install ...)``, for the group's help."""
    found = installed()
    missing = [w for w in WORKERS if w not in found]
    extras = sorted({NEEDS[w][0] for w in missing})
    return (f"Frameworks installed: {', '.join(found)}"
            + (f"; not installed: {', '.join(missing)} (pip install "
               f"'dropout-lab[{','.join(extras)}]')" if missing else ""))


@click.command("frameworks", cls=InstalledHelp)
@click.option("--framework", "frameworks", multiple=True, type=click.Choice(list(WORKERS)),
              help="A worker to run (repeatable): tensorflow, torch, jax (Flax, Equinox), "
                   "keras-jax, keras-torch [every installed one].")
@click.option("--rate", "rates", multiple=True, type=float,
              help="A rate in (0, 1) to measure at (repeatable) [0.2 and 0.8].")
@click.option("--size", type=int, help="Entries per draw [16384].")
@click.option("--seed", type=int, help="Seed of every draw [0].")
@click.option("--timeout", type=float, help="Seconds a worker may take [300].")
@click.option("--jobs", type=int, help="Workers run at once [2].")
@config_option()
@out_option
@output_options
@lab_command
def frameworks_cmd(frameworks, rates, size, seed, timeout, jobs, config_path, out, as_json,
                   quiet):
    """Dropout across frameworks: one measured matrix.

    Probes PyTorch's dropouts, Flax NNX's (with and without broadcast_dims),
    Flax Linen's and Equinox's, and Keras's on its TensorFlow, JAX and
    PyTorch backends exactly as `probe` probes Keras's: what the rate means,
    the scaling, the test-time switch, the axes a mask is shared along, what
    rate 1 and the invalid rates -0.1, 1.5 and NaN do (output and gradient),
    whether a seed gives the same mask in a new process, and what a call
    with the defaults does. Each framework runs in its own worker process;
    each row is checked against its documentation. Method:
    docs/methods.md#frameworks.

    \b
    Examples:
      dropout-lab frameworks
      dropout-lab frameworks --framework torch --framework jax --json
    """
    from dropout_lab.frameworks import experiment  # NumPy

    config = resolve_config(FrameworksConfig, config_path, dict(
        frameworks=tuple(frameworks) or None, rates=tuple(rates) or None, size=size,
        seed=seed, timeout=timeout, jobs=jobs))
    config.require_installed()
    execute(Output(as_json, quiet), out, experiment, config, render.frameworks,
            first="starting the worker processes")


COMMANDS = (frameworks_cmd,)
