"""The ``dropout-lab`` command: a Click group that registers each family's commands.

The CLI only parses, calls the library and renders. Importing it does not
import TensorFlow or NumPy, so ``--help`` and ``--version`` are instant; each
command imports its experiment when it runs.
"""

from __future__ import annotations

import sys

import click

from dropout_lab import __version__
from dropout_lab.core import commands
from dropout_lab.frameworks import commands as frameworks
from dropout_lab.gradients import commands as gradients
from dropout_lab.index import commands as index
from dropout_lab.mnist import commands as mnist
from dropout_lab.data import commands as data
from dropout_lab.numpy_demo import commands as numpy_demo
from dropout_lab.probe import commands as probe
from dropout_lab.reproduce import commands as reproduce
from dropout_lab.toy import commands as toy

FAMILIES = (toy, probe, gradients, numpy_demo, data, mnist, reproduce, frameworks, index)


class LabGroup(click.Group):
    """A group that records its arguments (for run manifests) and keeps command order."""

    def main(self, args=None, *a, **kw):
        commands.INVOCATION[:] = list(sys.argv[1:] if args is None else args)
        return super().main(args, *a, **kw)

    def list_commands(self, ctx):
        return list(self.commands)

    def format_epilog(self, ctx, formatter):
        formatter.write_paragraph()
        formatter.write_text(frameworks.installed_line())


@click.group(cls=LabGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dropout-lab")
def main() -> None:
    """Settle how dropout really behaves, by reproducible experiment.

    Every experiment writes a run folder (results/<kind>/<run-id>/) with a
    manifest, its config and JSON results. Start with:

    \b
      dropout-lab compare --runs 10
    """


for family in FAMILIES:
    for command in family.COMMANDS:
        main.add_command(command)
