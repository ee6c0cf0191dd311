"""The report's figures: drawn for the probe and noise-shape, copied from the MNIST runs.

- ``probe.png``: per implementation and rate, the dropped fraction with its
  interval (against drop = rate and keep = rate) and what kept entries are
  multiplied by (against 1/keep, inverted, and 1, vanilla);
- ``noise_shape.png``: the first draw's mask as small heatmaps, one per
  sample: which entries share a mask;
- the MNIST curves (S003's test accuracy, S001's train vs test) and the
  Monte-Carlo averaging plot, copied from their run folders.

matplotlib's object-oriented API only (no pyplot state); files written atomically.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

from dropout_lab.core.reading import open_run
from dropout_lab.mnist.plots import MC_AVERAGE_PNG, TEST_ACCURACY_PNG, TRAIN_VS_TEST_PNG
from dropout_lab.sweep.plots import RATE_PNG, SIZE_PNG

FIGURES_DIR = "figures"
COPIED = (("mnist-s003", "mnist", TEST_ACCURACY_PNG, "mnist_s003_test_accuracy.png"),
          ("mnist-s001", "mnist", TRAIN_VS_TEST_PNG, "mnist_s001_train_vs_test.png"),
          ("mc-average", "mc-average", MC_AVERAGE_PNG, "mc_average.png"),
          ("sweep-rate", "sweep", RATE_PNG, "sweep_rate.png"),
          ("sweep-width", "sweep", RATE_PNG, "sweep_width.png"),
          ("sweep-size", "sweep", SIZE_PNG, "sweep_size.png"))


def draw(folder, made: dict) -> list[str]:
    """Write every figure the finished steps allow into ``figures/``; return their names."""
    names = []
    if "probe" in made:
        names.append(_save(folder, "probe.png", probe_figure(made["probe"])))
    if "noise-shape" in made:
        names.append(_save(folder, "noise_shape.png", mask_figure(made["noise-shape"])))
    for step, kind, source, target in COPIED:
        result = made.get(step)
        if result is not None and source in _plots(result):
            data = open_run(result.run_dir, (kind,)).verified(source).read_bytes()
            folder.write_bytes(f"{FIGURES_DIR}/{target}", data)
            names.append(target)
    return names


def _plots(result) -> list[str]:
    return result.plots if hasattr(result, "plots") else [result.plot]


def _save(folder, name: str, figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    folder.write_bytes(f"{FIGURES_DIR}/{name}", buffer.getvalue())
    return name


def probe_figure(result) -> Figure:
    """Dropped fraction and kept-entry multiplier per implementation and rate."""
    figure = Figure(figsize=(11, 4.8), dpi=100, layout="constrained")
    fraction, multiplier = figure.subplots(1, 2)
    grid = np.linspace(0.02, 0.9, 50)
    fraction.plot(grid, grid, "k--", lw=1, label="drop = rate")
    fraction.plot(grid, 1 - grid, "k:", lw=1, label="drop = 1 - rate (rate keeps)")
    multiplier.plot(grid, 1 / (1 - grid), "k--", lw=1, label="1/keep (inverted)")
    multiplier.plot(grid, np.ones_like(grid), "k:", lw=1, label="1 (vanilla, none)")
    layers = list(dict.fromkeys(r.layer for r in result.rows))
    colours = [f"C{i % 10}" for i in range(len(layers))]
    markers = "osD^v<>PXh*"
    for index, layer in enumerate(layers):
        rows = [r for r in result.rows if r.layer == layer and r.stats is not None]
        style = dict(color=colours[index], marker=markers[index % len(markers)], ls="none",
                     ms=5, alpha=0.85)
        rates = np.array([r.rate for r in rows])
        shift = (index - len(layers) / 2) * 0.004  # side by side, not on top of each other
        mid = np.array([r.stats.drop_fraction.estimate for r in rows])
        low = np.array([r.stats.drop_fraction.low for r in rows])
        high = np.array([r.stats.drop_fraction.high for r in rows])
        fraction.errorbar(rates + shift, mid, yerr=[mid - low, high - mid], label=layer,
                          capsize=2, **style)
        kept = [(r.rate, r.stats.multipliers.values[0]) for r in rows
                if r.stats.multipliers.kind == "constant"]
        if kept:
            multiplier.plot([k[0] + shift for k in kept], [k[1] for k in kept], **style)
    fraction.set(xlabel="rate", ylabel="dropped fraction (exact interval)",
                 title="What rate means: the fraction dropped")
    multiplier.set(xlabel="rate", ylabel="kept entries x", yscale="log",
                   title="What kept entries are multiplied by")
    for axes in (fraction, multiplier):
        axes.grid(alpha=0.3)
    multiplier.legend(*[h[:2] for h in multiplier.get_legend_handles_labels()],
                      loc="upper left", fontsize=7)  # the two reference curves
    figure.legend(*fraction.get_legend_handles_labels(), loc="outside right center",
                  fontsize=7)
    return figure


def mask_figure(result) -> Figure:
    """Masks that show the pattern: up to 3 draws in which every sample keeps some entries and
    drops some, one row per draw and one heatmap per sample, then the control's (the layer
    without noise_shape: single entries dropped); a 0.2 run's first draw when it has none."""
    rows = [(f"draw {d['draw'] + 1}", d["mask"]) for d in result.shown_draws or []]
    rows += [(f"control, draw {d['draw'] + 1}", d["mask"]) for d in (result.control_draws
                                                                      or [])[:1]]
    rows = rows or [("first draw", result.mask)]
    masks = [_as_3d(np.asarray(mask, dtype=np.float64)) for _, mask in rows]
    samples = min(masks[0].shape[0], 6)
    figure = Figure(figsize=(2.6 * samples + 0.8, 2.0 * len(rows) + 0.6), dpi=100,
                    layout="constrained")
    axes = np.asarray(figure.subplots(len(rows), samples, squeeze=False))
    for (label, _), mask, line in zip(rows, masks, axes, strict=True):
        for index, panel in enumerate(line):
            image = panel.imshow(mask[index] != 0, cmap="Greys_r", vmin=0, vmax=1,
                                 aspect="auto")
            panel.set(title=f"{label}, sample {index}", xlabel="features",
                      ylabel="timesteps" if index == 0 else "")
            panel.set_xticks(range(mask.shape[2])) if mask.shape[2] <= 16 else None
            panel.set_yticks(range(mask.shape[1])) if mask.shape[1] <= 16 else None
    figure.suptitle(f"noise_shape {tuple(result.noise_shape)} on input "
                    f"{tuple(result.input_shape)}: white = kept; a column of one colour is a "
                    "mask shared over timesteps", fontsize=9)
    figure.colorbar(image, ax=list(axes.ravel()), ticks=[0, 1], shrink=0.8)
    return figure


def _as_3d(mask: np.ndarray) -> np.ndarray:
    """(samples, rows, features): rank-1 and rank-2 masks get axes, higher ranks are flattened."""
    if mask.ndim == 1:
        return mask[None, None, :]
    if mask.ndim == 2:
        return mask[:, None, :]
    if mask.ndim > 3:
        return mask.reshape(mask.shape[0], -1, mask.shape[-1])
    return mask
