"""Tables for ``mnist`` and ``mc-average`` (their JSON is the experiments' ``to_json``)."""

from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import interval, plus_minus, verdict_lines
from dropout_lab.core.verdict import owned_elsewhere
from dropout_lab.mnist.config import PAPER_K

SPEED_NOTE = (owned_elsewhere(["C11"])[:-1] + ", over every pair that adds dropout in both "
              "nets, timed in interleaved rounds by CPU time; the steps/s above are wall-clock "
              "numbers of units trained one after another, so a change of load between units "
              "biases them.")


def mnist(result) -> list:
    """Per-arm table, paired differences, verdicts and where the files are."""
    config = result.config
    warning = ([Text(f"Warning: training diverged (the loss became non-finite) in "
                     f"{', '.join(result.diverged)}; their accuracies are those of a broken "
                     "net.", "bold red")] if result.diverged else [])
    reduced = config.reduced()
    note = ([Text(f"Published numbers are {config.setting}'s full runs; this run is reduced: "
                  + ", ".join(reduced) + ".", "yellow")] if reduced else [])
    return [_arms_table(result), _differences_table(result), *note, *warning,
            *verdict_lines(result.analysis.verdicts), Text(SPEED_NOTE, "dim"),
            Text(f"{len(result.units)} units ({result.resumed_units} resumed), "
                 f"{config.steps} steps each ({config.passes:g} passes over "
                 f"{config.train_images} training images), data: {result.data_source}.\n"
                 f"Run folder: {result.run_dir}\n" + _plots_line(result))]


def _plots_line(result) -> str:
    if result.plots:
        return "Plots: " + ", ".join(result.plots)
    return (f"Plots: none: a curve needs two evaluations, and this run evaluated once (at step "
            f"{result.config.steps}; --eval-every {result.config.eval_every} >= --steps).")


def _arms_table(result) -> Table:
    config = result.config
    level = f"{config.confidence:.0%}"
    table = Table(title=f"MNIST ({config.setting}): final accuracy per arm, mean ± {level} "
                        "t-interval half-width over seeds (intervals clipped to each "
                        "quantity's range)")
    table.add_column("arm", no_wrap=True, min_width=10)
    for name in ("seeds", "test accuracy", "published", "train accuracy", "train - test gap",
                 "steps/s"):
        table.add_column(name, justify="right")
    for arm in result.analysis.arms:
        published = ("—" if arm.published_test_accuracy is None
                     else f"{arm.published_test_accuracy:.4f}")
        table.add_row(arm.arm, str(arm.seeds), plus_minus(arm.test_accuracy), published,
                      plus_minus(arm.train_accuracy), plus_minus(arm.gap, signed=True),
                      plus_minus(arm.steps_per_second, 0))
    return table


def _differences_table(result) -> Table:
    level = f"{result.config.confidence:.0%}"
    table = Table(title="Paired differences of final test accuracy (same seed)")
    table.add_column("difference", no_wrap=True)
    for name in ("seeds", "mean", f"{level} interval", "published"):
        table.add_column(name, justify="right")
    for diff in result.analysis.differences:
        published = "—" if diff.published is None else f"{diff.published:+.4f}"
        table.add_row(f"{diff.second} - {diff.first}", str(diff.seeds),
                      f"{diff.difference.estimate:+.4f}", interval(diff.difference, signed=True),
                      published)
    return table


def speed(result) -> list:
    """One row per pair: the speed ratio by CPU time and by the wall clock; the C11 verdict."""
    table = Table(title="Steps per second with dropout / without (interleaved rounds, "
                        f"intervals at {result.pair_confidence:.5g} per pair)")
    for name in ("pair", "by CPU time", "by wall clock", "ms/step (CPU)", "rounds"):
        table.add_column(name, justify="left" if name == "pair" else "right", overflow="fold")
    for pair in result.pairs:
        per_step = " / ".join(f"{pair.ms_per_step[arm]['cpu']:.3g}"
                              for arm in (pair.base, pair.arm))
        table.add_row(pair.label, _speed(pair.speed_ratio), _speed(pair.wall_speed_ratio),
                      per_step, f"{pair.rounds} x {pair.block_steps} steps ({pair.stopped})")
    table.caption = ("CPU time: this process's, all TensorFlow threads (waiting for a busy core "
                     "does not count); each round times each arm's call of N steps 3 times and "
                     "keeps the fastest; ms/step: without / with dropout")
    return [table, *verdict_lines(result.verdicts),
            Text(f"Run folder: {result.run_dir}")]


def _speed(ratio) -> str:
    if not math.isfinite(ratio.high):
        return f"×{ratio.estimate:.3f} (too few rounds)"
    return f"×{ratio.estimate:.3f} [{ratio.low:.3f}, {ratio.high:.3f}]"


def mc_average(result) -> list:
    """Error per k with error bars, the deterministic error, and the k reached."""
    level = f"{result.config.confidence:.0%}"
    table = Table(title=f"Monte-Carlo averaging vs the deterministic net: test error on "
                        f"{result.test_images} images ({result.config.repeats} repeats per k)")
    for name in ("k passes", "test error", f"{level} interval", "- deterministic",
                 "reaches it"):
        table.add_column(name, justify="right", no_wrap=True)
    for k, row in zip(result.ks, result.intervals, strict=True):
        reached = row.low <= result.deterministic_error
        table.add_row(str(k), f"{row.estimate:.4f}", interval(row),
                      f"{row.estimate - result.deterministic_error:+.4f}",
                      Text("yes", "green") if reached else Text("no", "red"))
    reached = (f"k = {result.reached_k}" if result.reached_k is not None
               else f"not reached up to k = {max(result.ks)}")
    summary = Text("Deterministic (inverted dropout = weight-scaled) net: test error "
                   f"{result.deterministic_error:.4f}.\nSmallest k whose {level} interval "
                   f"reaches it: ")
    summary.append(reached, "bold")
    summary.append(f" (Srivastava et al. 2014, §7.5: k ≈ {PAPER_K}).\n"
                   f"Model: {result.model_source}\nRun folder: {result.run_dir}\n"
                   f"Plot: {result.plot}")
    return [table, summary, *verdict_lines(result.verdicts)]
