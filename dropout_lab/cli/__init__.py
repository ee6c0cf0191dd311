"""The ``dropout-lab`` command: a Click group; each command lives in a sub-module.

The CLI only parses, calls the library and renders. Importing it does not
import TensorFlow, NumPy or rich, so ``--help`` and ``--version`` are instant.
"""

from __future__ import annotations

import sys

import click

from dropout_lab import __version__
from dropout_lab.cli import common


class LabGroup(click.Group):
    """A group that records its arguments (for run manifests) and keeps command order."""

    def main(self, args=None, *a, **kw):
        common.INVOCATION[:] = list(sys.argv[1:] if args is None else args)
        return super().main(args, *a, **kw)

    def list_commands(self, ctx):
        return list(self.commands)


@click.group(cls=LabGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dropout-lab")
def main() -> None:
    """Settle how dropout really behaves, by reproducible experiment.

    Every experiment writes a run folder (results/<kind>/<run-id>/) with a
    manifest, its config and JSON results. Start with:

    \b
      dropout-lab compare --runs 10
    """


def _register() -> None:
    from dropout_lab.cli import data, layers, mnist, reference, toy

    for module in (toy, layers, reference, data, mnist):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
