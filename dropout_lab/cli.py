"""The ``dropout-lab`` command: a Click group over the registry of kinds and commands.

The CLI only parses, calls the library and renders. Its commands come from
``core.kinds``: every registered kind's command (generated from its config,
or the hand-built one it names) and every registered command (``data``,
``runs``). Importing it does not import TensorFlow or NumPy, so ``--help``
and ``--version`` are instant; each command imports its experiment when it runs.
"""

from __future__ import annotations

import sys

import click

from dropout_lab import __version__
from dropout_lab.core import commands, flags, kinds
from dropout_lab.dropouts.frameworks import installed_line


class LabGroup(click.Group):
    """The registry's commands, in its order; records its arguments (for run manifests)."""

    def main(self, args=None, *a, **kw):
        commands.INVOCATION[:] = list(sys.argv[1:] if args is None else args)
        return super().main(args, *a, **kw)

    def list_commands(self, ctx):
        return [entry.name for entry in kinds.commands()]

    def get_command(self, ctx, name):
        entry = next((e for e in kinds.commands() if e.name == name), None)
        if entry is None:
            return None
        if name not in self.commands:
            self.commands[name] = (flags.build(entry) if isinstance(entry, kinds.Kind)
                                   else kinds.load(entry.command))
        return self.commands[name]

    def format_epilog(self, ctx, formatter):
        formatter.write_paragraph()
        formatter.write_text(installed_line())


@click.group(cls=LabGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dropout-lab")
def main() -> None:
    """Settle how dropout really behaves, by reproducible experiment.

    Every experiment writes a run folder (results/<kind>/<run-id>/) with a
    manifest, its config and JSON results. Start with:

    \b
      dropout-lab compare --runs 10
    """
