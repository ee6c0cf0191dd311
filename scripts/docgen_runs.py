"""The reference runs behind docs/transcripts.md and the numbers the docs quote.

A reference run is a real run of a dropout-lab command with a fixed seed,
kept under ``docs/runs/<name>/`` as its ``results.json`` and ``manifest.json``
(no weights; its plots beside them), with ``docgen.json`` saying which
command made it, at which commit, in how long. ``reproduce --profile full``
is one of them: each of its steps is kept too, under
``docs/runs/reproduce-full/<step>/``, and most transcripts show those steps.

``refresh`` makes them again (``python scripts/docgen.py refresh``); the docs
are then regenerated from them by cog. ``rendered`` prints a stored result
with its kind's renderer exactly as the command prints it, at ``WIDTH``
columns with colours off: cog --check therefore proves that the transcripts
are what today's code prints for these runs.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from dropout_lab.core import kinds, results
from dropout_lab.core.console import fitted

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "docs" / "runs"
WIDTH = 100  # columns of every transcript
KEPT = ("results.json", "manifest.json")  # besides the run's top-level plots (*.png)
MADE = "docgen.json"  # how a reference run was made


@dataclass(frozen=True)
class Reference:
    """A command whose run the docs quote; ``name`` is its folder under docs/runs/."""

    name: str
    argv: tuple[str, ...]

    @property
    def command(self) -> str:
        return shlex.join(["dropout-lab", *self.argv])


#: Every reference run, in the order refresh makes them. Each takes its seed's default, 0.
REFERENCES = (
    Reference("reproduce-full", ("reproduce", "--profile", "full")),
    Reference("compare-vanilla", ("compare", "--runs", "10", "--layer", "vanilla")),
    Reference("compare-gaussian", ("compare", "--layer", "keras.layers.GaussianDropout")),
    Reference("compare-torch", ("compare", "--framework", "torch", "--rate", "0.2")),
    Reference("compare-jax", ("compare", "--framework", "jax", "--rate", "0.2")),
)


def reference(name: str) -> Reference:
    """The reference run called ``name`` (KeyError listing the names when there is none)."""
    found = {r.name: r for r in REFERENCES}
    if name not in found:
        raise KeyError(f"no reference run {name!r}; there are {', '.join(found)}")
    return found[name]


# ---------------------------------------------------------------- reading the stored runs


def folder(path: str) -> Path:
    """The stored folder of ``name`` or ``name/step`` (a step of a reproduce run)."""
    return RUNS / path


def data(path: str) -> dict[str, Any]:
    """The stored results.json of ``name`` or ``name/step``."""
    return json.loads((folder(path) / "results.json").read_text())


def manifest(path: str) -> dict[str, Any]:
    """The stored manifest.json of ``name`` or ``name/step``."""
    return json.loads((folder(path) / "manifest.json").read_text())


def made(name: str) -> dict[str, Any]:
    """How reference run ``name`` was made: command, commit, dirty, made_at, wall_seconds."""
    return json.loads((folder(name.split("/")[0]) / MADE).read_text())


def result(path: str) -> Any:
    """The stored result of ``name`` or ``name/step``, read as ``runs show`` reads it."""
    found = data(path)
    return results.from_json(kinds.experiment(found["kind"]).Result, found)


def rendered(path: str, width: int = WIDTH) -> str:
    """What the command printed for this run: its kind's renderer, ``width`` columns, no colour.

    Trailing spaces are dropped (they are invisible and markdown keeps them).
    """
    shown = result(path)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False,
                      markup=False, force_terminal=False, legacy_windows=False)
    for item in kinds.renderer(results.kind_of(shown))(shown):
        console.print(fitted(item))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def steps(name: str) -> list[str]:
    """The steps of stored reproduce run ``name``, in the order they ran."""
    return [step["name"] for step in data(name).get("steps", [])]


# ---------------------------------------------------------------- making them again


def refresh(names: list[str], work: Path, log=print) -> None:
    """Run the reference commands ``names`` (all when empty) in ``work``; keep their runs.

    Each runs as a user runs it, in ``work`` (configs/ copied there, results
    under ``work/results``), with this checkout's code. A reference whose run
    a former refresh finished in the same ``work`` is kept, not run again
    (``work/.docgen/<name>.json`` records it), so an interrupted refresh
    continues where it stopped.
    """
    work.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "configs", work / "configs", dirs_exist_ok=True)
    for ref in [reference(n) for n in names] if names else REFERENCES:
        record = _record_path(work, ref)
        done = json.loads(record.read_text()) if record.is_file() else {}
        if not (done.get("run_dir") and (work / done["run_dir"] / "manifest.json").is_file()):
            log(f"running {ref.command} in {work} ...")
            done = _run(ref, work, record)
        else:
            log(f"kept {ref.name}: {done['run_dir']} (made by {ref.command})")
        _keep(ref, work, done)
        log(f"stored {ref.name} in {folder(ref.name).relative_to(ROOT)} "
            f"({done['wall_seconds']:.0f} s)")


def _record_path(work: Path, ref: Reference) -> Path:
    return work / ".docgen" / f"{ref.name}.json"


def commit() -> tuple[str, bool]:
    """This checkout's commit, and whether it has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    return git("rev-parse", "HEAD"), bool(git("status", "--porcelain", "--untracked-files=no"))


def _run(ref: Reference, work: Path, record: Path) -> dict[str, Any]:
    kind = kinds.get(ref.argv[0]).name
    before = _runs_of(work, kind)
    sha, dirty = commit()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(WIDTH), "TERM": "dumb"}
    env.pop("NO_COLOR", None)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "dropout_lab", *ref.argv], cwd=work, env=env,
                          stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{ref.command} failed (exit {done.returncode}); nothing stored")
    new = sorted(_runs_of(work, kind) - before)
    if len(new) != 1:
        raise SystemExit(f"{ref.command} made {len(new)} {kind} run folders, expected 1")
    found = {"command": ref.command, "commit": sha, "dirty": dirty,
             "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
             "wall_seconds": round(time.monotonic() - started, 1),
             "run_dir": new[0], "printed": done.stdout}
    record.parent.mkdir(exist_ok=True)
    record.write_text(json.dumps(found, indent=2) + "\n")
    return found


def _runs_of(work: Path, kind: str) -> set[str]:
    base = work / "results" / kind
    return ({f"results/{kind}/{p.name}" for p in base.iterdir()
             if p.is_dir() and not p.name.startswith(".")} if base.is_dir() else set())


def _keep(ref: Reference, work: Path, done: dict[str, Any]) -> None:
    """Copy the run (and a reproduction's steps) to docs/runs/<name>/, replacing what was there."""
    target = folder(ref.name)
    if target.exists():
        shutil.rmtree(target)
    _copy(work / done["run_dir"], target)
    stored = data(ref.name)
    for step in stored.get("steps", []):
        _copy(work / step["run_dir"], target / step["name"])
    about = {k: done[k] for k in ("command", "commit", "dirty", "made_at", "wall_seconds")}
    (target / MADE).write_text(json.dumps(about, indent=2) + "\n")
    printed = "\n".join(line.rstrip() for line in done.get("printed", "").splitlines())
    if printed and printed != rendered(ref.name):
        print(f"warning: what {ref.command} printed differs from its rendered results.json "
              "(the transcript shows the latter)", file=sys.stderr)


def _copy(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for name in KEPT:
        shutil.copy2(source / name, target / name)
    for plot in sorted(source.glob("*.png")):
        shutil.copy2(plot, target / plot.name)
