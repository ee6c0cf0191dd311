"""``probe``'s command: its config's options and ``--detail`` (how much of the result to print)."""

from __future__ import annotations

import functools

import click

from dropout_lab.core.flags import Invocation, experiment_command

_detail = click.option("--detail", is_flag=True,
                       help="Print every table: intervals, multipliers, variance, gradients "
                            "and edge rates (by default one line per implementation and rate).")


@experiment_command("probe", _detail)
def probe_cmd(invocation: Invocation, detail: bool) -> None:
    from dropout_lab.probe import render

    invocation.execute(invocation.resolve(),
                       render=functools.partial(render.probe, detail=True) if detail else None)
