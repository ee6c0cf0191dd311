"""Tables of ``sweep`` (its JSON is ``experiment.to_json``)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import plus_minus, verdict_lines
from dropout_lab.sweep.config import PUBLISHED


def sweep(result) -> list:
    """The points' table, the gains (size), what is missing, the verdict, where the files are."""
    config = result.config
    shown: list[RenderableType] = [_size_table(result) if config.study == "size"
                                   else _rate_table(result)]
    shown.append(Text(f"Published ({config.claim}): {PUBLISHED[config.study]}.", "cyan"))
    reduced = config.reduced()
    if reduced:
        shown.append(Text(f"Profile {config.profile}: reduced from the paper's "
                          + ", ".join(reduced) + ".", "yellow"))
    shown += _faults(result)
    shown += verdict_lines(result.verdicts)
    if config.study == "size":
        shown.append(Text("S001's claim C4 (dropout stops overfitting on 300 images) lies "
                          "between the 100 and 500 points here: `dropout-lab mnist --config "
                          "configs/mnist_overfit.toml` finds it inconclusive.", "dim"))
    executor = result.executor
    where = executor.get("name", "local")
    if executor.get("nodes"):
        nodes = executor["nodes"]
        where += f" ({nodes} node{'s' if nodes > 1 else ''}, {executor.get('cpus')} CPUs)"
    shown.append(Text(f"{len(result.units)} units ({result.resumed_units} resumed), "
                      f"{config.steps} steps each, executor {where}, data: {result.data_source}."
                      f"\nRun folder: {result.run_dir}\nPlots: "
                      + (", ".join(result.plots) or "none (fewer than two points)")))
    return shown


def _rate_table(result) -> Table:
    config = result.config
    level = f"{config.confidence:.0%}"
    table = Table(title=f"{config.claim}: error per keep_prob ({config.study} study, "
                        f"{config.profile}), mean ± {level} t-interval half-width over seeds")
    for name in ("keep_prob", "widths", "seeds", "test error", "training error"):
        table.add_column(name, justify="right", no_wrap=name != "widths")
    for point in result.analysis.points:
        seeds = str(point.seeds) + (f" of {config.seeds}" if point.missing_seeds else "")
        table.add_row(f"{point.point['keep_prob']:.2f}", "-".join(map(str, point.widths)), seeds,
                      plus_minus(point.test_error), plus_minus(point.train_error))
    return table


def _size_table(result) -> Table:
    config = result.config
    level = f"{config.confidence:.0%}"
    errors = {(s.point["size"], s.point["arm"]): s for s in result.analysis.points}
    table = Table(title=f"{config.claim}: test error per training-set size, without and with "
                        f"dropout ({config.profile}), mean ± {level} half-width over seeds")
    for name in ("size", "seeds", "no dropout", "dropout", "gain", "sign"):
        table.add_column(name, justify="right", no_wrap=True)
    for gain in result.analysis.gains:
        none, drop = errors.get((gain.size, "none")), errors.get((gain.size, "dropout"))
        table.add_row(str(gain.size), str(gain.seeds),
                      plus_minus(none.test_error) if none else "—",
                      plus_minus(drop.test_error) if drop else "—",
                      plus_minus(gain.gain, signed=True),
                      Text(gain.sign, {"+": "green", "-": "red"}.get(gain.sign, "")))
    return table


def _faults(result) -> list[Text]:
    lines = []
    for unit, failures in result.retried.items():
        lines.append(Text(f"Retried {unit}: " + "; ".join(failures) + ".", "yellow"))
    for failure in result.failed:
        lines.append(Text(f"Failed {failure['unit']} after {failure['attempts']} attempt(s): "
                          f"{failure['error']}.", "bold red"))
    if result.analysis.missing:
        lines.append(Text("Missing points: " + ", ".join(result.analysis.missing) + ".",
                          "bold red"))
    diverged = [u.name for u in result.units if u.diverged]
    if diverged:
        lines.append(Text("Warning: training diverged (non-finite loss) in "
                          + ", ".join(diverged) + ".", "bold red"))
    return lines
