"""Tables for ``export``: the matrix, its findings, the processes; JSON is ``to_json``.

One row per route, one column per net; each cell says what the artifact
does (in ``matrix.BEHAVIOURS``' words), its largest difference from the
framework's inference output against its bound, and the dropout/random nodes
its graph holds. At 80 columns the matrix stacks into one card per route.
"""

from __future__ import annotations

from collections import Counter

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import OUTCOME_STYLE, run_folder
from dropout_lab.export import matrix

STYLE = {"off": "green", "random": "bold red", "baked": "bold red", "keep_lost": "bold red",
         "wrong": "bold red", "export_fails": "yellow", "load_fails": "yellow",
         "call_fails": "yellow", "not_installed": "dim"}


def export(result) -> list:
    """Head, matrix, findings, processes, the test, the verdict counts, run folder."""
    config = result.config
    head = Text(f"{len(result.rows)} export routes x {len(config.nets)} nets "
                f"({', '.join(config.nets)}), trained {config.steps} steps at drop rate "
                f"{config.drop_rate:g}, seed {config.seed}; each artifact run in its own "
                f"runtime process on {config.batch} probe inputs. The numbers behind each cell: "
                "results.json, `measurements` (route by route, net by net) and `verdicts`.")
    counts = Counter(v.outcome for v in result.verdicts)
    summary = Text("Verdicts (does the artifact compute the inference output, dropout off?): ",
                   "bold")
    summary.append(", ".join(f"{n} {o}" for o, n in counts.items()))
    test = Text(f"Test of every cell: {result.verdicts[0].test}." if result.verdicts else "",
                "dim")
    return [head, matrix_table(result), *findings(result), processes_table(result), summary,
            test, run_folder(result.run_dir)]


def matrix_table(result) -> Table:
    """One row per route; one cell per net."""
    table = Table(title="Does dropout stay off after export? (measured)")
    table.add_column("route (exporter \N{RIGHTWARDS ARROW} runtime)", overflow="fold", ratio=3)
    for net in result.config.nets:
        table.add_column(net, overflow="fold", ratio=3)
    for row in result.rows:
        label = Text(row.exporter, "bold")
        label.append(f"\n\N{RIGHTWARDS ARROW} {row.runtime}", "dim")
        if row.mistake:
            label.append("\nexported with dropout active", "italic")
        table.add_row(label, *[_cell(c) for c in row.cells])
    return table


def _cell(cell) -> Text:
    text = Text(matrix.BEHAVIOURS[cell.behaviour], STYLE[cell.behaviour])
    if cell.behaviour == "not_installed":  # the error is the pip command
        extras = cell.error.split("[")[-1].split("]")[0].replace(",", ", ")
        text.append(f"\nextras: {extras}" if "[" in cell.error else f"\n{cell.error}", "dim")
        return text
    if cell.error is not None:  # the exception's type here, its message in the findings
        text.append(f"\n{cell.error.split(':')[0]}", "dim")
        if cell.unsupported:
            text.append("\nops outside the format: "
                        + ", ".join(dict.fromkeys(cell.unsupported)), "dim")
        return text
    text.append(f"\n|\N{GREEK CAPITAL LETTER DELTA}| {cell.max_delta:.2g} "
                f"{'<=' if cell.max_delta <= cell.bound else '>'} {cell.bound:.2g}")
    if cell.mean_ok is not None:
        text.append(f"\nmean {'=' if cell.mean_ok else '!='} inference")
    text.append(f"\ngraph: {', '.join(cell.nodes) or 'none'}", "dim")
    if cell.unoptimized is not None and cell.unoptimized != cell.behaviour:
        text.append(f"\nno graph optimizations: {matrix.BEHAVIOURS[cell.unoptimized]}",
                    "bold red" if cell.unoptimized != "off" else "green")
    outcome = matrix.outcome(cell)
    text.append(f"\n{outcome}", OUTCOME_STYLE.get(outcome, "bold"))
    return text


def _short(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " \N{HORIZONTAL ELLIPSIS}"


def findings(result) -> list:
    """What a user serving an exported model should know, from the matrix."""
    lines, clean = [], []
    for row in result.rows:
        measured = [c for c in row.cells if c.behaviour != "not_installed"]
        if not measured:
            continue
        if all(matrix.outcome(c) == "confirmed" for c in measured):
            clean.append(f"{row.exporter} \N{RIGHTWARDS ARROW} {row.runtime}")
            if row.mistake:  # exported with dropout active, yet off: the exporter switched
                lines.append(f"{row.exporter}: exported with dropout active, every artifact "
                             "is the inference output: the exporter exports inference "
                             "behaviour" + _warned(row, measured))
        else:
            lines.append(f"{row.exporter} \N{RIGHTWARDS ARROW} {row.runtime}: "
                         + "; ".join(_groups(measured)) + _warned(row, measured))
        lines += _deprecations(row, measured)
    if clean:
        lines.insert(0, "Dropout stays off (every net = its inference output within the bound, "
                        "bit-identical calls, no active dropout or random node): "
                        + "; ".join(clean))
    lines += _keep(result)
    missing = [f"{row.exporter} ({row.cells[0].error})" for row in result.rows
               if row.cells and row.cells[0].behaviour == "not_installed"]
    if missing:
        lines.append("Not run here, not installed: " + "; ".join(missing))
    return [Text("Findings", "bold"), *[Text(f"- {line}") for line in lines]]


def _keep(result) -> list[str]:
    """What the hand-written vanilla layer's x keep became on the routes that kept it off."""
    kept = [(row, c) for row in result.rows for c in row.cells
            if c.net == "vanilla" and c.behaviour == "off"]
    lost = [row.exporter for row in result.rows for c in row.cells
            if c.net == "vanilla" and c.behaviour == "keep_lost"]
    if not kept:
        return []
    gaps = [c.keep_gap for _, c in kept if c.keep_gap is not None]
    said = (f"The vanilla layer's x keep (x {1 - result.config.drop_rate:g}) survives "
            f"{len(kept)} inference export(s): each artifact = the inference output")
    if gaps:
        said += f", while the same net without x keep differs from it by at least {min(gaps):.3g}"
    return [said + (f"; lost on: {', '.join(lost)}" if lost else "; lost on none")]


def _groups(cells) -> list[str]:
    """One sentence per group of nets that behave alike."""
    groups: dict[tuple, list] = {}
    for cell in cells:
        groups.setdefault((cell.behaviour, tuple(cell.nodes), cell.unoptimized), []).append(cell)
    return [f"{', '.join(c.net for c in group)}: {_sentence(group[0])}"
            for group in groups.values()]


def _sentence(cell) -> str:
    nodes = ", ".join(cell.nodes) or "no dropout or random node"
    if cell.behaviour == "off":
        said = f"= inference as served, yet the graph holds {nodes}"
        if cell.unoptimized not in (None, "off"):
            said += (" (the runtime's default graph optimizations remove it); with none: "
                     f"{matrix.BEHAVIOURS[cell.unoptimized]}")
        return said
    if cell.behaviour == "random":
        return (f"a new draw every call, mean {'=' if cell.mean_ok else '!='} the inference "
                f"output (largest |mean - inference| / se {cell.mean_z:.2g}); graph: {nodes}")
    if cell.behaviour == "baked":
        return (f"the same output every call, {cell.max_delta:.2g} from inference: the exporting "
                f"process's own training-mode draw, baked in; graph: {nodes}")
    if cell.behaviour == "keep_lost":
        return "the output of the net without its x keep (vanilla scaling lost)"
    if cell.behaviour == "wrong":
        return f"deterministic, {cell.max_delta:.2g} from inference, matching no alternative"
    if cell.behaviour == "export_fails":
        return f"the exporter refuses: {cell.error}"
    said = f"{matrix.BEHAVIOURS[cell.behaviour]}: {_short(cell.error, 160)}"
    if cell.unsupported:
        said += f" (ops outside the format: {', '.join(dict.fromkeys(cell.unsupported))})"
    logged = [h for h in cell.heard if "not supported" in h or "Unsupported" in h]
    return said + (f"; the exporter only logged: {_short(logged[0], 200)}" if logged else "")


def _warned(row, cells) -> str:
    """For an export with dropout active: did the exporter say anything?"""
    if not row.mistake:
        return ""
    if any(c.behaviour == "load_fails" for c in cells):
        return ""  # its sentence quotes the log already
    heard = [h for c in cells for h in c.heard if "deprecat" not in h.lower()]
    if not heard:
        return " (no warning from the exporter)"
    return f" (the exporter warned: {_short(heard[0], 160)})"


def _deprecations(row, cells) -> list[str]:
    said = sorted({_short(h, 120) for c in cells for h in c.heard if "deprecat" in h.lower()})
    return [f"{row.exporter} is deprecated: {' | '.join(said)}"] if said else []


def processes_table(result) -> Table:
    """Each worker process: its versions, the import floor and the whole process."""
    table = Table(title="Worker processes (exporters, then one per runtime)")
    table.add_column("process", overflow="fold")
    table.add_column("versions", overflow="fold")
    table.add_column("import [s]", justify="right", no_wrap=True)
    table.add_column("total [s]", justify="right", no_wrap=True)
    table.add_column("CPU [s]", justify="right", no_wrap=True)
    for record in result.processes:
        table.add_row(record.process, ", ".join(f"{k} {v}" for k, v in record.versions.items()),
                      f"{record.import_seconds:.1f}", f"{record.seconds:.1f}",
                      "?" if record.cpu_seconds is None else f"{record.cpu_seconds:.1f}")
    cpu = sum(r.cpu_seconds or 0.0 for r in result.processes)
    table.caption = (f"whole run {result.wall_seconds:.1f} s, {cpu:.1f} CPU-seconds in the "
                     f"worker processes ({result.config.jobs} processes at a time)")
    return table
