"""PNG plots of the MNIST experiments, drawn with matplotlib's Agg backend.

matplotlib costs ~0.5 s to import: this module is imported only when a plot
is drawn. Only matplotlib's object-oriented API is used (``Figure``, no pyplot
state), so plotting works
without a display and leaks no figures. Files are written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from dropout_lab.core.atomic import atomic_path
from dropout_lab.core.stats import mean_interval

TEST_ACCURACY_PNG = "test_accuracy.png"
TRAIN_VS_TEST_PNG = "train_vs_test.png"
MC_AVERAGE_PNG = "mc_average.png"
COLOURS = {"none": "tab:gray", "dropout": "tab:blue", "l2": "tab:orange",
           "dropout+l2": "tab:green"}


def _figure(width: float, height: float):
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _save(figure, path: Path) -> str:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")
    return path.name


def _band(units, key: str, confidence: float):
    """(mean, low, high) per evaluation step over the units' curves of ``key``.

    The bounds are clipped to [0, 1], the range of an accuracy.
    """
    values = np.array([u.curves[key] for u in units])  # (seeds, evaluations)
    intervals = [mean_interval(column, confidence) for column in values.T]
    return (np.array([i.estimate for i in intervals]),
            np.clip([i.low for i in intervals], 0, 1), np.clip([i.high for i in intervals], 0, 1))


def _by_arm(config, units) -> dict[str, list]:
    grouped = {arm: [u for u in units if u.arm == arm] for arm in config.arms}
    return {arm: found for arm, found in grouped.items() if found}


def mnist_curves(folder: Path, config, units) -> list[str]:
    """Write both MNIST plots into ``folder``; return their file names.

    A curve needs two points: with a single evaluation (``eval_every`` >=
    ``steps``) no plot is drawn and the list is empty.
    """
    if len(config.eval_steps) < 2:
        return []
    grouped = _by_arm(config, units)
    return [_test_accuracy(folder / TEST_ACCURACY_PNG, config, grouped),
            _train_vs_test(folder / TRAIN_VS_TEST_PNG, config, grouped)]


def _test_accuracy(path: Path, config, grouped) -> str:
    figure = _figure(7, 4.5)
    axes = figure.add_subplot()
    for arm, units in grouped.items():
        steps = units[0].steps
        mean, low, high = _band(units, "test/accuracy", config.confidence)
        axes.plot(steps, mean, color=COLOURS[arm], label=f"{arm} (mean of {len(units)})")
        if len(units) > 1:
            axes.fill_between(steps, low, high, color=COLOURS[arm], alpha=0.2, linewidth=0)
    axes.set(xlabel="step", ylabel="test accuracy",
             title=f"MNIST test accuracy per arm ({config.setting}; band: "
                   f"{config.confidence:.0%} interval over seeds)")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    return _save(figure, path)


def _train_vs_test(path: Path, config, grouped) -> str:
    columns = min(len(grouped), 2)
    rows = -(-len(grouped) // columns)
    figure = _figure(4.5 * columns, 3.5 * rows)
    panels = figure.subplots(rows, columns, sharey=True, squeeze=False).ravel()
    # a spare panel (3 arms on a 2 x 2 grid) stays empty
    for axes, (arm, units) in zip(panels, grouped.items(), strict=False):
        steps = units[0].steps
        for key, style in (("train/accuracy", "-"), ("test/accuracy", "--")):
            mean, low, high = _band(units, key, config.confidence)
            axes.plot(steps, mean, style, color=COLOURS[arm], label=key.split("/")[0])
            if len(units) > 1:
                axes.fill_between(steps, low, high, color=COLOURS[arm], alpha=0.15, linewidth=0)
        axes.set(title=arm, xlabel="step", ylabel="accuracy (inference mode)")
        axes.grid(alpha=0.3)
        axes.legend(loc="lower right")
    for axes in panels[len(grouped):]:
        axes.set_visible(False)
    figure.suptitle(f"Train vs test accuracy ({config.setting}, {config.train_images} "
                    "training images)")
    return _save(figure, path)


def mc_average(folder: Path, ks: list[int], means, lows, highs, deterministic: float,
               paper_k: int, reached_k: int | None) -> str:
    """Test error vs number of averaged training-mode passes, with error bars."""
    figure = _figure(7, 4.5)
    axes = figure.add_subplot()
    means = np.asarray(means)
    errors = np.vstack([means - np.asarray(lows), np.asarray(highs) - means])
    finite = np.isfinite(errors).all(axis=0)
    axes.errorbar(ks, means, yerr=np.where(finite, errors, 0), fmt="o-", capsize=3,
                  label="Monte-Carlo average of k passes")
    axes.axhline(deterministic, color="tab:red", linestyle="--",
                 label="deterministic (weight-scaled) net")
    axes.axvline(paper_k, color="tab:gray", linestyle=":", label=f"paper: k ≈ {paper_k}")
    if reached_k is not None:
        axes.axvline(reached_k, color="tab:green", linestyle="-.",
                     label=f"here: reached at k = {reached_k}")
    axes.set(xscale="log", xlabel="k (training-mode passes averaged)", ylabel="test error",
             title="Monte-Carlo model averaging vs weight scaling (MNIST)")
    axes.grid(alpha=0.3, which="both")
    axes.legend()
    return _save(figure, folder / MC_AVERAGE_PNG)
