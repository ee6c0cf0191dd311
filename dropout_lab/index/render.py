"""The index table of ``runs list`` (``runs show`` uses each kind's own rendering).

Every cell comes from run folders (names, manifests, results): made
``printable`` before it is shown, so a name cannot draw a row or move the cursor.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import OUTCOME_STYLE
from dropout_lab.core.printable import printable

STATUS_STYLE = {"complete": "green", "damaged": "red"}


def runs(entries, out) -> list:
    """One row per run folder: kind and id (and its command), when, status, verdicts."""
    table = Table(title=f"Run folders in {printable(out)} ({len(entries)})")
    table.add_column("run", overflow="fold", ratio=3)
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("status", overflow="fold", max_width=11)
    table.add_column("verdicts", overflow="fold", ratio=2)
    for entry in entries:
        run = Text(f"{entry.kind} {printable(entry.run_id)}")
        if entry.command:
            run.append(f"\n{printable(entry.command)}", "dim")
        when = printable((entry.started_at or "")[:16].replace("T", " "))
        status = Text(entry.status, STATUS_STYLE.get(entry.status, "yellow"))
        if entry.problem:
            status.append(f"\n{printable(entry.problem)}", "dim")
        verdicts = Text()
        for claim, outcome in entry.verdicts:
            verdicts.append(f"{printable(claim)} ")
            verdicts.append(printable(outcome), OUTCOME_STYLE.get(outcome, ""))
            verdicts.append("\n")
        verdicts.rstrip()
        table.add_row(run, when, status, verdicts)
    if not entries:
        return [Text(f"No run folders in {printable(out)}.")]
    return [table]
