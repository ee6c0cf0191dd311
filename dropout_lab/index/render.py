"""The index table of ``runs list`` (``runs show`` uses each kind's own rendering)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import OUTCOME_STYLE

STATUS_STYLE = {"complete": "green", "damaged": "red"}


def runs(entries, out) -> list:
    """One row per run folder: kind and id (and its command), when, status, verdicts."""
    table = Table(title=f"Run folders in {out} ({len(entries)})")
    table.add_column("run", overflow="fold", ratio=3)
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("status", overflow="fold", max_width=11)
    table.add_column("verdicts", overflow="fold", ratio=2)
    for entry in entries:
        run = Text(f"{entry.kind} {entry.run_id}")
        if entry.command:
            run.append(f"\n{entry.command}", "dim")
        when = (entry.started_at or "")[:16].replace("T", " ")
        status = Text(entry.status, STATUS_STYLE.get(entry.status, "yellow"))
        if entry.problem:
            status.append(f"\n{entry.problem}", "dim")
        verdicts = Text()
        for claim, outcome in entry.verdicts:
            verdicts.append(f"{claim} ")
            verdicts.append(outcome, OUTCOME_STYLE.get(outcome, ""))
            verdicts.append("\n")
        verdicts.rstrip()
        table.add_row(run, when, status, verdicts)
    if not entries:
        return [Text(f"No run folders in {out}.")]
    return [table]
