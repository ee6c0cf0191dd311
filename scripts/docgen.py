"""Generated parts of the docs and of tests/typecheck_experiments.py, for cog.

Each function returns the text cog puts between the markers of a file
(``[[[cog ...]]]`` ... ``[[[end]]]``). ``cog -r -I scripts FILES`` regenerates;
``cog --check -I scripts FILES`` (in .ci/run) fails when a file is stale.
"""

from __future__ import annotations

from dropout_lab.core import kinds


def typecheck_experiments() -> str:
    """One assignment per registered kind: mypy checks each module against the Protocol."""
    lines = []
    for index, kind in enumerate(kinds.kinds()):
        alias = f"_{index}"
        lines.append(f"import {kind.experiment} as {alias}  # {kind.name}")
    lines.append("")
    lines += [f"_{index}_checked: Experiment = _{index}" for index, _ in enumerate(kinds.kinds())]
    return "\n".join(lines)
