"""Generated parts of the docs and of tests/typecheck_experiments.py, for cog; and their refresh.

Each function below returns the text cog puts between the markers of a file
(``[[[cog ...]]]`` ... ``[[[end]]]``); the files are ``FILES``. The JSON
Schemas under docs/schema/ are written by ``write`` and checked by ``check``.

    python scripts/docgen.py check     # CI: fails when a generated text or schema is stale
    python scripts/docgen.py write     # regenerate them from today's code and docs/runs/
    python scripts/docgen.py refresh   # make the reference runs again (docs/runs/), then write

``check`` and ``write`` run ``cog --check -I scripts FILES`` and
``cog -r -I scripts FILES``. ``refresh [NAME...] [--work DIR]`` runs the
reference commands (docgen_runs.REFERENCES; ``reproduce --profile full`` is
most of the time, about 15 minutes alone on 2 cores, 44 minutes on a shared
machine); with ``--work`` a run that an interrupted refresh finished there is
kept. The commands run this checkout's code (PYTHONPATH is set to it); run the
script itself with ``PYTHONPATH=.`` where dropout-lab is installed from elsewhere.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from pathlib import Path

import docgen_facts as facts
import docgen_help
import docgen_readme
import docgen_runs as runs
import docgen_schema

from dropout_lab.core import kinds

ROOT = Path(__file__).resolve().parents[1]
FILES = ("README.md", "docs/cli.md", "docs/transcripts.md", "docs/results.md",
         "docs/methods.md", "tests/typecheck_experiments.py")

fill = facts.fill
seed_sentence = facts.seed_sentence
claims_table = facts.claims_table
profiles_table = facts.profiles_table
cli_reference = docgen_help.reference
fill_runs = docgen_readme.fill_runs
excerpt = docgen_readme.excerpt
readme = docgen_readme.readme
result_kinds = docgen_schema.kinds_section


def typecheck_experiments() -> str:
    """One assignment per registered kind: mypy checks each module against the Protocol."""
    lines = []
    for index, kind in enumerate(kinds.kinds()):
        alias = f"_{index}"
        lines.append(f"import {kind.experiment} as {alias}  # {kind.name}")
    lines.append("")
    lines += [f"_{index}_checked: Experiment = _{index}" for index, _ in enumerate(kinds.kinds())]
    return "\n".join(lines)


# ---------------------------------------------------------------- transcripts


def transcript(path: str, note: str = "") -> str:
    """A stored reference run (``name`` or ``reproduce-full/<step>``) as its command printed it.

    Shows where the run is stored, which command made it (a step: the command
    that gives the same config), then the output at ``runs.WIDTH`` columns.
    """
    name, _, step = path.partition("/")
    stored = f"[docs/runs/{path}](runs/{path}/)"
    command = facts.shown_command(path)
    if step:
        said = (f"Step `{step}` of the reference run `{runs.made(name)['command']}`, stored in "
                f"{stored}; the same config as `{command}`{note}:")
    else:
        said = f"The reference run `{command}`, stored in {stored}{note}:"
    plots = [p.name for p in sorted(runs.folder(path).glob("*.png"))]
    images = [f"![{plot} of {path}](runs/{path}/{plot})" for plot in plots]
    return "\n".join([said, "", "```console", f"$ {command}", runs.rendered(path), "```",
                      *([""] + images if images else [])])


def reference_runs() -> str:
    """The table of reference runs: command, commit, when, wall time, TensorFlow and Keras."""
    rows = ["| run | command | commit | made | wall | TensorFlow / Keras |",
            "|---|---|---|---|---|---|"]
    for ref in runs.REFERENCES:
        made, versions = runs.made(ref.name), runs.manifest(ref.name)["versions"]
        commit = made["commit"][:10] + (" + uncommitted changes" if made["dirty"] else "")
        rows.append(f"| [{ref.name}](runs/{ref.name}/) | `{made['command']}` | `{commit}` | "
                    f"{made['made_at'][:10]} | {made['wall_seconds']:.0f} s | "
                    f"{versions.get('tensorflow', '?')} / {versions.get('keras', '?')} |")
    return "\n".join(rows)


def printed(*argv: str) -> str:
    """A console block: ``dropout-lab ARGV``, what it prints and its exit code (quick commands:
    errors, help)."""
    from click.testing import CliRunner

    from dropout_lab.cli import main as cli

    done = CliRunner().invoke(cli, list(argv), prog_name="dropout-lab")
    return "\n".join(["```console", "$ " + shlex.join(["dropout-lab", *argv]),
                      done.output.rstrip(), "```", f"(exit code {done.exit_code})"])


def power_table() -> str:
    """docs/methods.md's power table of the quick profile (``reproduce.power``)."""
    from dropout_lab.reproduce import power

    return power.table()


# ---------------------------------------------------------------- write, check, refresh


def cog(*args: str) -> int:
    """Run cog over ``FILES`` from the repository root with ``scripts`` importable."""
    from cogapp import Cog

    return Cog().main(["cog", *args, "-I", str(ROOT / "scripts"),
                       *(str(ROOT / f) for f in FILES)])


def write() -> int:
    """Regenerate every cog section and schema file."""
    status = cog("-r")
    for path in docgen_schema.write_schemas():
        print(f"wrote {path.relative_to(ROOT)}")
    return status


def check() -> int:
    """1 when a generated text or schema file differs from what the code gives today."""
    status = cog("--check")
    stale = docgen_schema.stale_schemas()
    for path in stale:
        print(f"Stale: {path.relative_to(ROOT)} (python scripts/docgen.py write)")
    return 1 if status or stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/docgen.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("check", help="fail when a generated text or schema is stale")
    sub.add_parser("write", help="regenerate every generated text and schema")
    again = sub.add_parser("refresh", help="make the reference runs again, then write")
    again.add_argument("names", nargs="*",
                       help=f"only these: {', '.join(r.name for r in runs.REFERENCES)}")
    again.add_argument("--work", type=Path, help="folder the runs are made in (kept; a run "
                                                   "finished there before is reused)")
    args = parser.parse_args(argv)
    if args.action == "check":
        return check()
    if args.action == "refresh":
        work = args.work or Path(tempfile.mkdtemp(prefix="docgen-"))
        started = time.monotonic()
        runs.refresh(args.names, work)
        print(f"reference runs made in {time.monotonic() - started:.0f} s (in {work})")
    return write()


if __name__ == "__main__":
    sys.exit(main())

