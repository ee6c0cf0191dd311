"""``export``: its help ends with every route and what brings a missing one."""

from __future__ import annotations

import click

from dropout_lab.core.flags import Invocation, experiment_command
from dropout_lab.export import routes


class RoutesHelp(click.Command):
    """Help that ends with the routes and whether each can run here (found without imports)."""

    def format_epilog(self, ctx, formatter):
        rows = [(r.name, r.label + ("" if not routes.missing(r)
                                    else f" [not installed: {routes.install_hint(r)}]"))
                for r in routes.ROUTES]
        with formatter.section("Routes"):
            formatter.write_dl(rows)


@experiment_command("export", cls=RoutesHelp)
def export_cmd(invocation: Invocation) -> None:
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
    config = invocation.resolve()
    config.require_installed()
    invocation.execute(config)
