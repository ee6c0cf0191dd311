"""``runs list`` and ``runs show``: the runs already made, without rerunning them."""

from __future__ import annotations

import functools
import inspect
from pathlib import Path

import click

from dropout_lab.core import kinds, results
from dropout_lab.core.commands import Output, lab_command, out_option, output_options
from dropout_lab.core.errors import ConfigError, DropoutLabError, ExperimentError
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.printable import printable, printable_tree
from dropout_lab.core.reading import MAX_MANIFEST_BYTES, open_run, parse_json
from dropout_lab.core.runs import MANIFEST
from dropout_lab.index import listing, locate


@click.group("runs")
def runs_group() -> None:
    """The run folders already made: list them, or show one again.

    \b
    Example:
      dropout-lab runs list --kind compare
      dropout-lab runs show compare/20261125-120000-a1b2c3
    """


@runs_group.command("list")
@click.option("--kind", help="Only runs of this kind (train, compare, probe, mnist...) [all].")
@click.option("--sort", type=click.Choice(listing.SORTS), default="when", show_default=True,
              help="Order: newest first, by kind, or by status.")
@out_option
@output_options
@lab_command
def runs_list_cmd(kind, sort, out, as_json, quiet):
    """An index of the run folders under --out: kind, id, when, command, status, verdicts.

    A run is complete when every file its manifest records matches its
    sha256 (each file is read); interrupted ones show as partial (resumable
    when --resume can continue them); damaged ones, and links, say why.

    \b
    Example:
      dropout-lab runs list
      dropout-lab runs list --kind mnist --sort status --json
    """
    output = Output(as_json, quiet)
    if kind is not None:
        kind = kinds.get(kind).name  # an unknown kind: one line listing the known ones
    entries = listing.index(Path(out), kind, sort)
    from dropout_lab.index import render  # rich: only when there is a table to show

    output.show(*render.runs(entries, out))
    output.emit(results.head("runs list", {"out": str(out), "kind": kind, "sort": sort},
                             runs=[e.to_json() for e in entries]))


@runs_group.command("show")
@click.argument("run", metavar="RUN")
@click.option("--detail", is_flag=True,
              help="The long form of a kind that prints a summary by default: probe's "
                   "every table, frameworks' card per implementation.")
@out_option
@output_options
@lab_command
def runs_show_cmd(run, detail, out, as_json, quiet):
    """Show a finished run's tables again, from its results.json (nothing is recomputed).

    RUN is a run folder, or what `runs list` prints: a run id, or kind/run-id
    (looked up under --out). --json prints the run's results.json, checked
    against its manifest.

    \b
    Example:
      dropout-lab runs show 20261125-120000-a1b2c3
      dropout-lab runs show probe/20261125-120000-a1b2c3
      dropout-lab runs show results/probe/20261125-120000-a1b2c3
    """
    output = Output(as_json, quiet)
    run_dir = str(locate.run_folder(run, Path(out)))
    kind = _kind(Path(run_dir))
    data = open_run(run_dir, (kind,)).read_json("results.json")
    where = printable(Path(run_dir) / "results.json")
    try:  # every string from the folder made printable before it is shown
        result = results.from_json(kinds.experiment(kind).Result, printable_tree(data))
    except (ValueError, ArithmeticError) as exc:  # pydantic's ValidationError is a ValueError
        raise ExperimentError(f"{where} is not a valid {kind} result ({printable(exc)})."
                              ) from None
    try:
        shown = _renderer(kind, detail)(result)
    except (DropoutLabError, KeyError, TypeError, ValueError, AttributeError, IndexError,
            ArithmeticError) as exc:
        raise ExperimentError(f"{where} is not a valid {kind} result ({type(exc).__name__}: "
                              f"{printable(exc)}).") from None
    output.show(*shown)
    output.emit(data)


def _renderer(kind: str, detail: bool):
    """The kind's renderer, asked for its detail when it has one and --detail was given."""
    render = kinds.renderer(kind)
    if detail and "detail" in inspect.signature(render).parameters:
        return functools.partial(render, detail=True)
    return render


def _kind(path: Path) -> str:
    """The kind a run folder's manifest states, if dropout-lab can show it."""
    expected = "a run folder of one of " + ", ".join(kinds.names())
    try:
        manifest = parse_json(read_bytes(path / MANIFEST, MAX_MANIFEST_BYTES, follow_links=False),
                              path / MANIFEST)
    except UnsafeFile as exc:
        raise ConfigError(f"Invalid value for `RUN`: expected {expected}. Received: "
                          f"RUN={str(path)!r} ({exc}).", param="run") from None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    kind = kinds.canonical(kind) if isinstance(kind, str) else None
    if kind not in kinds.names():
        raise ConfigError(f"Invalid value for `RUN`: expected {expected}. Received: "
                          f"RUN={str(path)!r}, a {kind!r} run.", param="run")
    return kind
