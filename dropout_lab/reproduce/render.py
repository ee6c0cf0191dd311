"""Tables for ``reproduce``: every claim's verdict, the steps that gave them, the report.

Its JSON is the experiment's ``to_json``; the long form of each verdict (the
stated test and the evidence) is in the report, so the terminal shows the
claims table, the steps with their run folders, and where the report is.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import outcome_text, run_folder


def reproduce(result) -> list:
    """Claims table, steps table, then the report's files."""
    config = result.config
    head = Text(f"dropout-lab reproduce: profile {config.profile}, seed {config.seed}; "
                f"{len(result.verdicts)} claims from {len(result.steps)} experiments in "
                f"{result.wall_seconds:.0f} s.")
    report = Text("Report: ")
    report.append(" and ".join(str(result.run_dir / name) for name in result.report.values()))
    return [head, claims_table(result), *against(result), steps_table(result), report,
            run_folder(result.run_dir)]


def against(result) -> list:
    """The claims left undecided here (why, and the command that settles each), then, in
    bold red, every decided verdict that is not the README's."""
    if result.against_readme is None:  # a run of dropout-lab 0.2
        return []
    shown = []
    undecided = [a for a in result.against_readme if a.undecided]
    if undecided:
        text = Text(f"Undecided at the {result.config.profile} profile's size "
                    f"({len(undecided)}):", "bold yellow")
        for item in undecided:
            text.append(f"\n  {item.claim} {item.outcome} (README: {item.reference}): "
                        f"{item.why}.\n    Settle it with: {item.settle}", "yellow")
        shown.append(text)
    differs = [a for a in result.against_readme if not a.undecided]
    if differs:
        text = Text(f"DIFFERS FROM THE README'S TABLE ({len(differs)}):", "bold white on red")
        for item in differs:
            kind = "the OPPOSITE verdict" if item.opposite else "another verdict"
            text.append(f"\n  {item.claim} {item.outcome.upper()} here, README: "
                        f"{item.reference} ({kind}); rerun: {item.settle}", "bold red")
        shown.append(text)
    else:
        decided = len(result.verdicts) - len(undecided)
        shown.append(Text(f"Every decided verdict ({decided} of {len(result.verdicts)}) is the "
                          "README's.", "green"))
    return shown


def claims_table(result) -> Table:
    """One row per claim: its id and source, what it says, the verdict, its key number."""
    by_claim = {claim: step.name for step in result.steps for claim in step.claims}
    table = Table(title="Every claim, its verdict and its key number")
    table.add_column("claim", no_wrap=True)
    table.add_column("what the source says", overflow="fold", ratio=3)
    table.add_column("verdict", no_wrap=True)
    table.add_column("key number", overflow="fold", ratio=1)
    table.add_column("step", overflow="fold")
    for verdict in result.verdicts:
        claim = Text(verdict.claim, "bold")
        if verdict.source:
            claim.append(f"\n{verdict.source}", "dim")
        table.add_row(claim, verdict.statement, outcome_text(verdict.outcome),
                      verdict.key_number(), by_claim.get(verdict.claim, ""))
    return table


def steps_table(result) -> Table:
    """One row per experiment run: its claims, wall time and run folder."""
    table = Table(title="The experiments (each reruns alone with the command in the report)")
    table.add_column("step", no_wrap=True)
    table.add_column("claims", overflow="fold")
    table.add_column("wall [s]", justify="right", no_wrap=True)
    table.add_column("run folder", overflow="fold", ratio=1)
    for step in result.steps:
        table.add_row(step.name, ", ".join(step.claims), f"{step.wall_seconds:.1f}",
                      step.run_dir)
    return table
