"""Tables for ``frameworks``: the matrix, its findings, the workers; JSON is ``to_json``.

The matrix is ``compact``'s (codes, a legend) where it fits (about 120 columns,
about 100 with long names on two lines); on a narrower terminal, or with
``--cards``, one card per implementation
(``matrix_table`` stacked by ``Fitting``), each naming where its numbers are
in results.json.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import Either, run_folder, verdict_lines
from dropout_lab.frameworks import compact

INVALID_SHOWN = ("-0.1", "1.5", "NaN")  # matrix.INVALID, as the matrix tests them


def frameworks(result, cards: bool = False, detail: bool = False) -> list:
    """Head, matrix (``compact``: codes and their legend; one card per implementation where
    the terminal is narrower, or with ``cards``), findings, workers, refuted documentation
    checks, run folder. ``detail`` (``runs show --detail``) is ``cards``."""
    cards = cards or detail
    config = result.config
    head = Text(f"{len(result.rows)} dropout implementations in {len(result.workers)} worker "
                f"processes, rates {', '.join(f'{r:g}' for r in config.rates)}, {config.size} "
                f"entries per draw, seed {config.seed}; training-mode output and gradient, "
                f"test-time output, shared mask axes, edge and invalid rates. Each row's "
                f"numbers: results.json at the pointer shown.")
    legend = compact.legend(result)
    narrow = Either([compact.table(result, compact.NAME_WIDTH), legend], [matrix_table(result)])
    matrix = ([matrix_table(result)] if cards else
              [Either([compact.table(result), legend], [narrow])])
    shown = [head, *matrix, *findings(result), compact.switches(result), workers_table(result)]
    if result.skipped:
        shown.append(Text("Not run: " + "; ".join(f"{w} ({why})" for w, why
                                                  in result.skipped.items()), "yellow"))
    refuted = [v for v in result.verdicts if v.outcome != "confirmed"]
    shown += two_questions(result)
    return [*shown, *verdict_lines(refuted), run_folder(result.run_dir)]


def two_questions(result) -> list:
    """Behaving as documented and validating the rate are two questions, counted apart:
    agreeing with a documentation that says nothing of rate -0.1 endorses nothing about it."""
    agree = sum(v.outcome == "confirmed" for v in result.verdicts)
    accepting = [row for row in result.rows if row.accepted_invalid]
    documented = Text(f"Behaves as documented (rate's meaning, scaling, test-time output, at "
                      f"every measured rate): {agree} of {len(result.verdicts)}.", "bold")
    validates = Text(f"Validates its rate (rejects {', '.join(INVALID_SHOWN)}): "
                     f"{len(result.rows) - len(accepting)} of {len(result.rows)}", "bold")
    if accepting:
        validates.append(f"; {len(accepting)} accept an invalid rate without an error: "
                         + ", ".join(f"{r.name} ({', '.join(r.accepted_invalid)})"
                                     for r in accepting)
                         + ". Behaving as documented is not validating input.", "bold red")
    else:
        validates.append(".")
    return [documented, validates]


def matrix_table(result) -> Table:
    """One row per implementation; the invalid-rates cell is red when any is accepted."""
    table = Table(title="Dropout across frameworks (measured)")
    for name in ("implementation", "rate means", "scaling", "test time", "mask shared along",
                 "rate 1 (training)", "validates its rate", "seeded mask", "with defaults",
                 "behaves as documented"):
        table.add_column(name, overflow="fold")
    for row in result.rows:
        label = Text(row.name, "bold")
        label.append(f"\n{row.framework} {row.version}\n#{row.pointer}", "dim")
        table.add_row(label, row.rate_means, row.scaling,
                      f"{row.switch}: {row.test_time}", _shared(row), row.rate_one,
                      _invalid(row), _seeding(row),
                      row.default_call, _docs(row))
    return table


def _shared(row) -> str:
    if row.shared_argument == "none":  # nothing to set: say what was measured, once
        return f"{row.shared_axes} (no argument for it)"
    return f"{row.shared_argument}: {row.shared_axes}"


def _invalid(row) -> Text:
    if not row.accepted_invalid:
        return Text("yes: " + ", ".join(INVALID_SHOWN) + " rejected", "green")
    # one bullet per rate, so that the cell still reads when stacked onto one line
    text = Text("NO, ACCEPTED without error:", "bold red")
    for label in row.accepted_invalid:
        text.append(f"\n\N{BULLET} {label}: {row.invalid[label]}", "red")
    return text


def _seeding(row) -> str:
    def said(value, yes: str, no: str) -> str:
        return "?" if value is None else yes if value else no

    return (f"new process: {said(row.new_process_same_mask, 'same', 'DIFFERENT')}; "
            f"rebuilt: {said(row.same_seed_same_mask, 'same', 'DIFFERENT')}; "
            f"two calls: {said(row.two_calls_differ, 'differ', 'IDENTICAL')}")


def _docs(row) -> Text:
    return (Text("yes (its documentation says nothing of invalid rates)" if row.accepted_invalid
                 else "yes", "green") if not row.mismatches
            else Text("no, differs: " + "; ".join(row.mismatches), "bold red"))


def findings(result) -> list:
    """What a user porting a model between frameworks should know, from the matrix."""
    lines = []
    for row in result.rows:
        version = f"({row.framework} {row.version})"
        if row.accepted_invalid:
            said = "; ".join(f"{k} -> {row.invalid[k]}" for k in row.accepted_invalid)
            lines.append(f"{row.name} {version} silently accepts invalid rates: {said}")
        for mismatch in row.mismatches:
            lines.append(f"{row.name} {version} differs from its documentation: {mismatch}")
        if row.same_seed_same_mask is False:
            lines.append(f"{row.name} {version}: the same seed gives a different mask when "
                         "built again in the same process")
        if row.two_calls_differ is False:
            lines.append(f"{row.name} {version}: two calls with the same key draw the same "
                         "mask (split the key per step)")
        for warning in row.warnings:
            lines.append(f"{row.name} {version} warns: {warning}")
    shown = [Text("Findings", "bold"), *[Text(f"- {line}") for line in lines]]
    return [*shown, rate_one_table(result)] if lines else [rate_one_table(result)]


def rate_one_table(result) -> Table:
    """Implementations grouped by what rate 1 does to output and gradient in training."""
    groups: dict[str, list[str]] = {}
    for row in result.rows:
        groups.setdefault(row.rate_one, []).append(row.name)
    table = Table(title="Rate 1 in training mode: output and gradient")
    table.add_column("what happens", overflow="fold", ratio=1)
    table.add_column("implementations", overflow="fold", ratio=2)
    for behaviour, names in sorted(groups.items(), key=lambda item: -len(item[1])):
        table.add_row(behaviour, ", ".join(names))
    return table


def workers_table(result) -> Table:
    """Each worker process: its versions, the import floor and the whole run."""
    table = Table(title="Worker processes (one per framework / Keras backend)")
    table.add_column("worker", no_wrap=True)
    table.add_column("versions", overflow="fold")
    table.add_column("import [s]", justify="right", no_wrap=True)
    table.add_column("total [s]", justify="right", no_wrap=True)
    for record in result.workers:
        table.add_row(record.worker, ", ".join(f"{k} {v}" for k, v in record.versions.items()),
                      f"{record.import_seconds:.1f}", f"{record.seconds:.1f}")
    table.caption = f"whole run {result.wall_seconds:.1f} s (workers run {result.config.jobs} " \
                    "at a time)"
    return table
