"""docs/cli.md: every command's ``--help``, as click formats it at a fixed width.

The help is the one the CLI prints (the same click group and commands), at
``WIDTH`` columns whatever the terminal, with the epilog's frameworks line
as it reads with every extra installed (``pip install '.[all]'``), so that
the page does not depend on the machine that generates it.
"""

from __future__ import annotations

from collections.abc import Iterator
from unittest import mock

import click

from dropout_lab.cli import main
from dropout_lab.dropouts import frameworks

WIDTH = 80  # columns of every help text in docs/cli.md
PROG = "dropout-lab"


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()
                  ) -> Iterator[tuple[str, ...]]:
    """Every command of the CLI as its words after ``dropout-lab``: ``()``, ``("data", "idx")``."""
    yield prefix
    context = click.Context(group, info_name=PROG)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))
        elif command is not None:
            yield (*prefix, name)


def help_of(path: tuple[str, ...]) -> str:
    """The ``--help`` of ``dropout-lab PATH...`` at ``WIDTH`` columns, every extra installed."""
    with mock.patch.object(frameworks, "missing", lambda worker: []):
        context = click.Context(main, info_name=PROG, terminal_width=WIDTH,
                                max_content_width=WIDTH, **main.context_settings)
        command: click.Command = main
        for name in path:
            assert isinstance(command, click.Group)
            command = command.get_command(context, name)
            context = click.Context(command, info_name=name, parent=context)
        return command.get_help(context)


def anchor(path: tuple[str, ...]) -> str:
    """The heading anchor of a command's section, as GitHub makes it: ``dropout-lab-runs-show``."""
    return "-".join([PROG, *path])


def reference() -> str:
    """docs/cli.md's body: a contents line, then one section per command with its help."""
    paths = list(command_paths())
    contents = ", ".join(f"[{' '.join(p) or PROG}](#{anchor(p)})" for p in paths)
    parts = [f"Commands: {contents}.", ""]
    for path in paths:
        parts += [f"## {' '.join([PROG, *path])}", "", "```text",
                  f"$ {' '.join([PROG, *path, '--help'])}", help_of(path).rstrip(), "```", ""]
    return "\n".join(parts).rstrip()
