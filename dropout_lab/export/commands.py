"""``export``: does dropout stay off after a model leaves its framework?"""

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
from dropout_lab.export import routes
from dropout_lab.export.config import ExportConfig


class RoutesHelp(click.Command):
    """Help that ends with the routes and whether each can run here (found without imports)."""

    def format_epilog(self, ctx, formatter):
        rows = [(r.name, f"{r.label}" + ("" if not routes.missing(r)
                                          else f" [not installed: {routes.install_hint(r)}]"))
                for r in routes.ROUTES]
        with formatter.section("Routes"):
            formatter.write_dl(rows)


@click.command("export", cls=RoutesHelp)
@click.option("--route", "route_names", multiple=True,
              type=click.Choice([r.name for r in routes.ROUTES]),
              help="A route to measure (repeatable) [every installed one].")
@click.option("--net", "nets", multiple=True, type=click.Choice(routes.NETS),
              help="A net to export (repeatable): toy, vanilla, conv [all three].")
@click.option("--drop-rate", type=float, help="Drop rate of every net's dropout [0.3].")
@click.option("--steps", type=int, help="Training steps with dropout active [20].")
@click.option("--batch", type=int, help="Probe inputs per call [8].")
@click.option("--calls", type=int, help="Calls that must be bit-identical [5].")
@click.option("--mean-calls", type=int,
              help="Calls averaged when an artifact draws anew each call [200].")
@click.option("--seed", type=int, help="Seed of training, probe inputs and runtimes [0].")
@click.option("--false-alarm", type=float,
              help="Chance that a correctly drawing artifact fails its mean test [1e-4].")
@click.option("--timeout", type=float, help="Seconds a worker process may take [300].")
@click.option("--jobs", type=int, help="Worker processes run at once [2].")
@config_option()
@out_option
@output_options
@lab_command
def export_cmd(route_names, nets, drop_rate, steps, batch, calls, mean_calls, seed,
               false_alarm, timeout, jobs, config_path, out, as_json, quiet):
    """Does dropout stay off after a model leaves its framework?

    Trains S000's toy net, the same net with a hand-written vanilla dropout
    and a small conv net with channel dropout, in Keras, PyTorch and Flax NNX,
    then exports each along every installed route (SavedModel, ONNX, LiteRT,
    torch.export, TorchScript, jax.export), including the classic mistakes:
    an export with dropout active. Each artifact runs in a fresh process of
    its own runtime (TensorFlow, onnxruntime, LiteRT, PyTorch, JAX): is it
    deterministic, does it equal the framework's inference output, which
    dropout or random nodes does its graph keep, in which mode? Method:
    docs/methods.md#export.

    \b
    Examples:
      dropout-lab export
      dropout-lab export --route torch-onnx-train --net toy --json
    """
    from dropout_lab.export import experiment, render  # NumPy

    config = resolve_config(ExportConfig, config_path, dict(
        routes=tuple(route_names) or None, nets=tuple(nets) or None, drop_rate=drop_rate,
        steps=steps, batch=batch, calls=calls, mean_calls=mean_calls, seed=seed,
        false_alarm=false_alarm, timeout=timeout, jobs=jobs))
    config.require_installed()
    execute(Output(as_json, quiet), out, experiment, config, render.export,
            first="starting the worker processes")


COMMANDS = (export_cmd,)
