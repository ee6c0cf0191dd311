"""How much each extra of dropout-lab adds on disk, measured from the installed packages.

For an extra, the packages it pulls are the closure of its requirements (on
this platform, markers evaluated) minus the closure of the base install; the
size is the sum of the installed files each of them records (RECORD). The
numbers are what ``pip install 'dropout-lab[extra]'`` adds to a base install
on this platform, with the versions installed here. Packages required but not
installed are listed (their size is unknown). Usage:
``python scripts/extra_sizes.py [extra ...]``.
"""

from __future__ import annotations

import contextlib
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _declared(dist: str) -> list[str]:
    """Requirement lines: dropout-lab's from its pyproject.toml (this checkout, whatever is
    installed), any other distribution's from its installed metadata."""
    if _name(dist) != "dropout-lab":
        return metadata.requires(dist) or []
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    lines = list(project["dependencies"])
    for extra, reqs in project.get("optional-dependencies", {}).items():
        lines += [f"{r}; extra == '{extra}'" for r in reqs]
    return lines


def _requirements(dist: str, extras: set[str]) -> list[Requirement]:
    found = []
    for line in _declared(dist):
        req = Requirement(line)
        environments = [{**default_environment(), "extra": e} for e in extras or {""}]
        if req.marker is None or any(req.marker.evaluate(env) for env in environments):
            found.append(req)
    return found


def closure(dist: str, extras: set[str], missing: set[str]) -> set[str]:
    """Every installed distribution ``dist[extras]`` needs, ``dist`` itself included."""
    seen: set[str] = set()
    todo = [(dist, frozenset(extras))]
    while todo:
        name, wanted = todo.pop()
        key = _name(name)
        if (key, wanted) in seen:
            continue
        seen.add((key, wanted))
        if key != "dropout-lab":
            try:
                metadata.distribution(name)
            except metadata.PackageNotFoundError:
                missing.add(key)
                continue
        for req in _requirements(name, set(wanted)):
            if req.name.lower() == "dropout-lab":  # all = dropout-lab[torch,jax,...]
                todo.append(("dropout-lab", frozenset(req.extras)))
            else:
                todo.append((req.name, frozenset(req.extras)))
    return {key for key, _ in seen}


def size(dist: str) -> int:
    """Bytes of the files a distribution installed (its RECORD)."""
    total = 0
    for file in metadata.distribution(dist).files or []:
        with contextlib.suppress(OSError):  # a file RECORD lists but no longer there
            total += file.locate().stat().st_size
    return total


def main() -> None:
    extras = sys.argv[1:] or ["torch", "jax", "mlflow", "all"]
    missing: set[str] = set()
    base = closure("dropout-lab", set(), missing) - {"dropout-lab"}
    print(f"base install: {len(base)} distributions, "
          f"{sum(size(d) for d in base if d not in missing) / 1e9:.2f} GB")
    for extra in extras:
        added = closure("dropout-lab", {extra}, missing) - base - missing
        sizes = sorted(((size(d), d) for d in added), reverse=True)
        total = sum(s for s, _ in sizes)
        largest = ", ".join(f"{d} {s / 1e6:.0f} MB" for s, d in sizes[:4])
        print(f"[{extra}]: {len(added)} distributions beyond the base, {total / 1e9:.2f} GB "
              f"(largest: {largest})")
    if missing:
        print("required but not installed here (not counted):", ", ".join(sorted(missing)))


if __name__ == "__main__":
    main()
