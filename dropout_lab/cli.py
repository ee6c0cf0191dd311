"""The ``dropout-lab`` command: a Click group over the registry of kinds and commands.

The CLI only parses, calls the library and renders. Its commands come from
``core.kinds``: every registered kind's command (generated from its config,
or the hand-built one it names) and every registered command (``data``,
``runs``). Importing it does not import TensorFlow or NumPy, so ``--help``
and ``--version`` are instant; each command imports its experiment when it runs.
Ctrl-C while this module's own imports run ends the program with one line,
not a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys

try:
    from dropout_lab.core import signals

    signals.install_sigint()  # a Ctrl-C swallowed during the imports below is still seen
    import click

    from dropout_lab import __version__
    from dropout_lab.core import commands, flags, kinds, tfenv
    from dropout_lab.core.printable import printable
    from dropout_lab.dropouts.frameworks import installed_line

    signals.checkpoint()
except KeyboardInterrupt:  # Ctrl-C in the first tenths of a second: nothing done yet
    if sys.stderr is not None:
        sys.stderr.write("Error: Interrupted.\n")
        sys.stderr.flush()
    os._exit(1)  # not Python's shutdown, with modules imported half-way


class LabGroup(click.Group):
    """The registry's commands, in its order; records its arguments (for run manifests)."""

    def main(self, args=None, *a, **kw):
        commands.INVOCATION[:] = list(sys.argv[1:] if args is None else args)
        return super().main(args, *a, **kw)

    def __call__(self, *args, **kwargs):
        """The program itself (tests call ``main``): a TensorFlow import abandoned by Ctrl-C
        is not waited for, nor left to Python's shutdown (``core.tfenv``); nor is a command
        that was interrupted."""
        try:
            return self.main(*args, **kwargs)
        except SystemExit as exc:
            # Interrupted: everything is cleaned up and said; Python's shutdown (TensorFlow's
            # teardown, 1.5-2 s) would only delay the exit the user asked for.
            if tfenv.import_abandoned() or signals.interrupted_command:
                signals.hard_exit(exc.code)
            raise

    def make_context(self, *args, **kwargs):
        with _printable_click_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with _printable_click_errors():
            return super().invoke(ctx)

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


@contextlib.contextmanager
def _printable_click_errors():
    """click's own errors quote what was typed (an argument, a path): made printable."""
    try:
        yield
    except click.ClickException as exc:
        # click 8.5 types it Final; the message is still the one it prints
        exc.message = printable(exc.message)  # type: ignore[misc]  # see the line above
        raise
