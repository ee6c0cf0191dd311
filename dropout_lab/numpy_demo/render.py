"""Tables for ``numpy-demo`` (S001); its JSON is the experiment's ``to_json``."""

from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import num, run_folder, verdict_lines
from dropout_lab.numpy_demo.config import GRADIENT_BOUND


def numpy_demo(result) -> list:
    """Means table, gradient-check table, timing table, interpretation and verdicts."""
    config = result.config
    head = Text(
        f"S001's 3-layer ReLU net, X of shape (3, {config.samples}); keep_prob = "
        f"{num(config.keep_prob)} (drop_rate = {num(config.drop_rate)}); seed {config.seed}.\n"
        "Expectation argument: E[mask * h] = keep_prob * h (vanilla training) and "
        "E[mask * h / keep_prob] = h (inverted training), so each test-time rule is exact at the "
        "layer and through linear maps; a ReLU after a dropout layer makes it approximate.")
    return [head, _means(result), _gradient_checks(result), _timing(result),
            _interpretation(result), *verdict_lines(result.verdicts), run_folder(result.run_dir)]


_SHORT = {"test time, identity": "test time, identity",
          "test time, x keep_prob": "test time, x keep_prob",
          "exact mask expectation": "exact E over masks"}


def _means(result) -> Table:
    confidence = 1 - result.config.false_alarm / len(result.comparisons)
    table = Table(title=f"Mean output: training mode vs test-time rules (shift = rule − training,"
                        f" paired per sample, ± half-width at confidence {confidence:.6g})")
    for name in ("dropout, where / rule", "mean", "shift ± half-width", "verdict"):
        table.add_column(name, justify="right" if name in ("mean", "shift ± half-width")
                         else "left")
    group = None
    for c in result.comparisons:
        if (c.point, c.implementation) != group:
            group = (c.point, c.implementation)
            table.add_row(Text(f"{c.implementation}, {c.point}, training", "bold"),
                          num(c.train_mean, 6), "", "")
        half = (c.shift.high - c.shift.low) / 2
        table.add_row(f"  {_SHORT.get(c.reference, c.reference)}", num(c.reference_mean, 6),
                      f"{c.shift.estimate:+.4g} ± {half:.2g}",
                      Text(c.verdict, "green" if c.verdict == "matches" else "yellow"))
    return table


def _gradient_checks(result) -> Table:
    table = Table(title="Gradient check of backward() (central differences, float64)")
    for name in ("layer", "mode", "max relative error", "bound", "passed"):
        table.add_column(name)
    for c in result.gradient_checks:
        table.add_row(c.layer, c.mode, f"{c.max_rel_error:.3g}", f"{GRADIENT_BOUND:g}",
                      Text("yes", "green") if c.passed else Text("no", "red"))
    return table


def _timing(result) -> Table:
    timing = result.timing
    rounds = timing.rounds or result.config.repeats
    table = Table(title=f"Test-time pass over {result.config.samples} samples, {rounds} "
                        f"interleaved rounds, by {timing.clock}")
    level = f"{timing.vanilla_ratio_ci.confidence:.1%}"
    table.add_column("variant", no_wrap=True)
    for name in ("median", f"{level} interval", "IQR", "min – max"):
        table.add_column(name, justify="right")
    labels = {"inverted": "inverted [ms]", "vanilla": "vanilla [ms]",
              "vanilla folded": "folded [ms]"}
    rows = [(labels[k], s, None, 2) for k, s in timing.pass_ms.items()]
    rows += [("vanilla/inverted", timing.vanilla_ratio, timing.vanilla_ratio_ci, 3),
             ("folded/inverted", timing.folded_ratio, timing.folded_ratio_ci, 3)]
    for label, s, ci, digits in rows:
        shown = ("" if ci is None else "— (too few rounds)" if not math.isfinite(ci.high)
                 else f"{ci.low:.{digits}f} – {ci.high:.{digits}f}")
        table.add_row(label, f"{s.median:.{digits}f}", shown,
                      f"{s.q25:.{digits}f} – {s.q75:.{digits}f}",
                      f"{s.min:.{digits}f} – {s.max:.{digits}f}")
    if timing.wall_ratio_ci is not None and timing.wall_pass_ms is not None:
        wall = timing.wall_ratio_ci
        shown = ("— (too few rounds)" if not math.isfinite(wall.high)
                 else f"{wall.low:.3f} – {wall.high:.3f}")
        table.add_row("wall clock: vanilla/inverted", f"{wall.estimate:.3f}", shown, "", "")
    load = timing.load
    stopped = f"; rounds stopped: {timing.stopped}" if timing.stopped else ""
    table.caption = (f"vanilla = x keep_prob at test time; folded = keep_prob folded into W2, "
                     f"W3; ratio intervals: exact signed-rank (0.2 runs: of the median)"
                     f"{stopped}; 1-minute load average {load['before']:.2f} → "
                     f"{load['after']:.2f} on {load['cpus']:g} CPUs"
                     + (" (under load)" if timing.loaded else ""))
    return table


def _interpretation(result) -> Text:
    timing, ms = result.timing, result.timing.pass_ms
    extra = ms["vanilla"].median - ms["inverted"].median
    rounds = timing.rounds or result.config.repeats
    return Text(
        f"C3, what was measured: the two x keep_prob multiplies of vanilla's test-time pass "
        f"changed its median time ({timing.clock}) by {extra:+.3g} ms "
        f"({100 * (timing.vanilla_ratio_ci.estimate - 1):+.1f}"
        f"% by the paired ratio; vanilla slower in {timing.vanilla_slower} of "
        f"{rounds} rounds, sign test p = {timing.sign_test_p:.2g}). Folding "
        f"keep_prob into W2 and W3 gives the same outputs (max relative difference "
        f"{timing.folded_max_rel_diff:.2g}) with no extra multiply, so the run-time argument "
        "for inverted dropout is about cheap elementwise multiplies that a framework can fold "
        "away; its practical advantage is that the test-time net is the plain net.")
