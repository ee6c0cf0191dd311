"""The studies' plots in the paper's form: error vs keep_prob (Figure 9), vs training-set size (10).

matplotlib's object-oriented API only (no pyplot state); files written atomically.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dropout_lab.core.atomic import atomic_path
from dropout_lab.sweep.config import FLAT_REGION, PUBLISHED

RATE_PNG = "error_vs_keep_prob.png"
SIZE_PNG = "error_vs_size.png"


def draw(folder: Path, config, analysis) -> list[str]:
    """Write the study's plot into ``folder``; its file name (none without two points)."""
    if len(analysis.points) < 2:
        return []
    figure = Figure(figsize=(7.5, 4.8), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    if config.study == "size":
        _size(axes, config, analysis)
        name = SIZE_PNG
    else:
        _rate(axes, config, analysis)
        name = RATE_PNG
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize="small")
    figure.suptitle(textwrap.fill("Published (2014): " + PUBLISHED[config.study], 110),
                    fontsize=8, color="tab:gray")
    with atomic_path(folder / name) as tmp:
        figure.savefig(tmp, format="png")
    return [name]


def _bars(axes, xs, intervals, label: str, style: str, colour: str) -> None:
    means = np.array([i.estimate for i in intervals])
    spread = np.vstack([means - [i.low for i in intervals], [i.high for i in intervals] - means])
    spread = np.where(np.isfinite(spread), spread, 0)  # one seed: no bar
    axes.errorbar(xs, means * 100, yerr=spread * 100, fmt=style, color=colour, capsize=3,
                  label=label)


def _rate(axes, config, analysis) -> None:
    keeps = [s.point["keep_prob"] for s in analysis.points]
    _bars(axes, keeps, [s.test_error for s in analysis.points], "test error", "o-", "tab:blue")
    _bars(axes, keeps, [s.train_error for s in analysis.points], "training error", "s--",
          "tab:orange")
    if config.study == "rate":
        axes.axvspan(*FLAT_REGION, color="tab:green", alpha=0.08,
                     label="paper: test error flat here")
        title = "fixed width " + "-".join(map(str, config.hidden_units))
    else:
        axes.axvline(0.6, color="tab:green", linestyle=":", label="paper: optimum near 0.6")
        title = "keep_prob x n fixed at " + "-".join(map(str, config.hidden_units))
    # log scale: underfitting at small keep_prob is tens of percent, the flat region a few
    axes.set(xlabel="keep_prob of the hidden layers", yscale="log",
             ylabel="classification error (%, log scale)",
             title=f"Error vs keep_prob, MNIST ({title}; {config.seeds} seeds, "
                   f"{config.confidence:.0%} intervals)")


def _size(axes, config, analysis) -> None:
    for arm, colour, style in (("none", "tab:gray", "s--"), ("dropout", "tab:blue", "o-")):
        found = [s for s in analysis.points if s.point["arm"] == arm]
        _bars(axes, [s.point["size"] for s in found], [s.test_error for s in found],
              f"test error, {'with' if arm == 'dropout' else 'without'} dropout", style, colour)
    highest: dict[int, float] = {}  # the higher of the two arms' mean errors, per size
    for s in analysis.points:
        highest[s.point["size"]] = max(highest.get(s.point["size"], 0.0), s.test_error.estimate)
    for gain in analysis.gains:  # the sign of the gain above each size's points
        axes.annotate(gain.sign, (gain.size, highest[gain.size] * 100), xytext=(0, 12),
                      textcoords="offset points", ha="center", fontsize=12, weight="bold",
                      color={"+": "tab:green", "-": "tab:red"}.get(gain.sign, "tab:gray"))
    axes.set(xscale="log", yscale="log", xlabel="training-set size (images)",
             ylabel="classification error (%, log scale)",
             title=f"Error vs training-set size, MNIST ({'-'.join(map(str, config.hidden_units))}"
                   f"; marks: sign of the gain; {config.seeds} seeds)")
