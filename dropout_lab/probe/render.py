"""Tables for ``probe`` and ``noise-shape`` (their JSON comes from the experiment modules)."""

from __future__ import annotations

import numpy as np
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import Either, num, verdict_lines
from dropout_lab.probe import summary
from dropout_lab.probe.summary import MEANING_STYLE
from dropout_lab.probe.verdicts import related_note


def probe(result, detail: bool = False) -> list:
    """The summary (``summary.table``: one line per implementation and rate), or with
    ``detail`` the main tables (on a narrow terminal, one card per implementation) and the
    edge behaviours; then the deviations, the verdict and the run folder."""
    parts: list[RenderableType | None]
    if not detail:
        parts = [summary.table(result), _deviations_table(result), summary.more(result)]
        parts += verdict_lines(result.verdicts, related_note())
        parts.append(Text(f"Run folder: {result.run_dir}"))
        return [p for p in parts if p is not None]
    parts = [Either(_rows_tables(result), _cards(result)), _deviations_table(result)]
    if result.edges:
        parts += _edges(result.edges)
    parts += verdict_lines(result.verdicts, related_note())
    parts.append(Text(f"Run folder: {result.run_dir}"))
    return [p for p in parts if p is not None]


_MASK_COLUMNS = ("dropped [CI]", "rate means", "shared axes", "kept ×", "Var ratio")
_SCALE_COLUMNS = ("E[out]/E[in] [CI]", "E[train]/test [CI]", "scaling", "test time", "∂out/∂in")


def _rows_tables(result) -> list[Table]:
    config = result.config
    head = (f"one training-mode draw per row ({config.size} entries); intervals at "
            f"{num(1 - result.alpha, 7)} per test (Bonferroni: ≤ {num(config.false_alarm, 2)} "
            "false alarms per layer)")
    return [_table(result.rows, f"probe — the mask: {head}", _MASK_COLUMNS, _mask_cells,
                   _MASK_CAPTION),
            _table(result.rows, "probe — the scaling: training mean, test time, gradient",
                   _SCALE_COLUMNS, _scale_cells, _SCALE_CAPTION)]


_MASK_CAPTION = ("rate means: which of rate / 1 - rate the dropped-fraction interval covers "
                 "(both at 0.5: undecidable). shared axes: axes along which the mask is constant. "
                 "kept ×: out/in of kept entries. Var ratio: Var[out/in] / (rate/(1 - rate)), "
                 "1 = the noise of Bernoulli dropout.")
_SCALE_CAPTION = ("E[train]/test: training-mode mean over the inference output (a function has "
                  "no inference mode: n/a, compared with the input). inverted = x 1/keep in "
                  "training, identity at test; vanilla = x 1, then x keep at test; none = never "
                  "rescaled. ∂out/∂in of the same draw; mask/keep = kept indicator / keep, "
                  "exactly.")


def _cards(result) -> list:
    """One table per implementation, a column per rate: readable at 80 columns."""
    config = result.config
    parts: list = [Text(f"probe: one training-mode draw per row ({config.size} entries); "
                        f"intervals at {num(1 - result.alpha, 7)} per test (Bonferroni: ≤ "
                        f"{num(config.false_alarm, 2)} false alarms per layer)", "bold")]
    labels = (*_MASK_COLUMNS, *_SCALE_COLUMNS)
    for layer in dict.fromkeys(r.layer for r in result.rows):
        rows = [r for r in result.rows if r.layer == layer]
        table = Table(title=f"{layer} ({rows[0].framework} {rows[0].framework_version})")
        table.add_column("")
        for row in rows:
            table.add_column(f"rate {num(row.rate)}", overflow="fold")
        cells = [_card_cells(row) for row in rows]
        for index, label in enumerate(labels):
            table.add_row(Text(label.replace(" [CI]", "")), *(c[index] for c in cells))
        parts.append(table)
    return parts + [Text(_MASK_CAPTION + " " + _SCALE_CAPTION, "dim")]


def _card_cells(row) -> list:
    if row.stats is None:
        return [Text(row.behaviour, "red")] + [""] * (len(_MASK_COLUMNS + _SCALE_COLUMNS) - 1)
    cells = [*_mask_cells(row.stats), *_scale_cells(row.stats)]
    return [Text(c.replace(" [", "\n[")) if isinstance(c, str) and " [" in c else c
            for c in cells]


def _table(rows, title: str, columns: tuple[str, ...], cells, caption: str) -> Table:
    table = Table(title=title, caption=Text(caption))
    table.add_column("layer", overflow="fold", max_width=22)
    table.add_column("rate", justify="right")
    for name in columns:  # intervals stay on one line; the other cells wrap
        table.add_column(Text(name), overflow="fold", no_wrap="[CI]" in name)
    previous = None
    for row in rows:
        label = Text("")
        if row.layer != previous:
            if previous is not None:
                table.add_section()
            label = Text(row.layer)
            label.append(f"\n{row.framework} {row.framework_version}", "dim")
        previous = row.layer
        values = ([Text(row.behaviour, "red")] + ["—"] * (len(columns) - 1)
                  if row.stats is None else cells(row.stats))
        table.add_row(label, num(row.rate), *(Text(v) if isinstance(v, str) else v
                                              for v in values))
    return table


def _mask_cells(s) -> list:
    return [_interval(s.drop_fraction),
            Text(s.rate_means, MEANING_STYLE.get(s.rate_means, "")),
            "?" if s.shared_axes is None else str(s.shared_axes), multipliers(s.multipliers),
            "—" if s.variance_ratio is None else num(s.variance_ratio, 4)]


def _scale_cells(s) -> list:
    return [_interval(s.mean_ratio), _interval(s.train_test_ratio), s.scaling, s.test_time,
            "mask/keep" if s.gradient_is_mask_over_keep else s.gradient]


def _interval(value) -> str:
    return f"{value.estimate:.4f} [{value.low:.4f}, {value.high:.4f}]"


def multipliers(m) -> str:
    """What kept entries are multiplied by, in a few characters."""
    if m.kind == "constant":
        return num(m.values[0], 6)
    if m.kind == "discrete":
        return "{" + ", ".join(num(v, 4) for v in m.values) + "}"
    if m.kind == "affine":
        return f"{num(m.values[0], 4)}·x {m.values[1]:+.4g} (affine)"
    if m.kind == "continuous":
        return f"mean {m.mean:.4f}, var {m.var:.4g}"
    if m.kind == "additive":
        return f"x + noise, var {m.var:.4g}"
    return "—"


def _deviations_table(result) -> Table | None:
    """Rows with deviations; rates of one layer with the same wording share a line."""
    grouped: dict[tuple, list[str]] = {}
    for row in result.rows:
        if row.stats is not None and row.stats.deviations:
            grouped.setdefault((row.layer, tuple(row.stats.deviations)), []).append(num(row.rate))
    if not grouped:
        return None
    table = Table(title="How each row differs from standard inverted dropout "
                        "(rate = drop probability, x 1/keep, identity at test, mask per entry)")
    for name in ("layer", "rate", "differences"):
        table.add_column(name)
    for (layer, deviations), rates in grouped.items():
        table.add_row(Text(layer), ", ".join(rates), Text("\n".join(deviations)))
    return table


def _edges(edges: dict[str, dict[str, str]]) -> list:
    rates = list(next(iter(edges.values())))
    table = Table(title="Edge and invalid rates (behaviour in training mode)")
    table.add_column("layer", overflow="fold")
    for rate in rates:
        table.add_column(f"rate {rate}", overflow="fold")
    messages: list[str] = []
    for name, by_rate in edges.items():
        table.add_row(Text(name), *(_edge_cell(by_rate[r], messages) for r in rates))
    notes = Text("Raised: " + "\n".join(f"[{i + 1}] {m}" for i, m in enumerate(messages)),
                 "dim")
    return [table, notes]


_SHORT = (("returns the input unchanged", "identity"), ("returns zeros", "zeros"),
          ("gradient is None", "∂ None"), ("gradient is NaN", "∂ NaN"),
          ("gradient is 1", "∂ = 1"), ("gradient is zero", "∂ = 0"),
          ("gradient = out/in", "∂ = out/in"), ("returns noisy values", "noisy"))


def _edge_cell(behaviour: str, messages: list[str]) -> Text:
    if not behaviour.startswith("raises "):
        for long, short in _SHORT:
            behaviour = behaviour.replace(long, short)
        return Text(behaviour)
    head, _, message = behaviour.partition(": ")
    message = message.split(" Received:")[0]  # the rate itself is the column
    if message not in messages:
        messages.append(message)
    return Text(f"{head.removeprefix('raises ')} [{messages.index(message) + 1}]", "red")


MAX_MASK_ROWS, MAX_MASK_COLUMNS = 48, 16


def noise_shape(result) -> list:
    """Summary, per-axis verification, the first draw's mask, claim lines, run folder."""
    config = result.config
    summary = Table(title=f"noise-shape: {config.layer} ({result.framework} "
                          f"{result.framework_version}) in training mode", show_header=False)
    summary.add_column(no_wrap=True)
    summary.add_column(overflow="fold")
    for key, value in (("input shape", tuple(result.input_shape)),
                       ("noise_shape", _shape(result.noise_shape)),
                       ("noise_shape at call time", tuple(result.resolved_noise_shape)),
                       ("rate", num(config.rate)), ("draws compared", config.draws),
                       ("kept fraction (all draws)", f"{result.kept_fraction:.4f}")):
        summary.add_row(key, Text(str(value)))
    return [summary, _axes_table(result), _mask_table(result), *verdict_lines(result.verdicts),
            Text(f"Run folder: {result.run_dir}")]


def _shape(dims) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in dims) + ")"


def _axes_table(result) -> Table:
    table = Table(title="Which axes share the mask (slices compared in every draw; "
                        "control: the same layer without noise_shape)")
    table.caption = (f"equal in: draws (of {result.config.draws}) in which every slice along "
                     "the axis was identical; ✓ = as noise_shape says; indep. = independent")
    for name in ("axis", "size / noise", "expected", "equal in", "measured", "control"):
        table.add_column(name)
    for a, c in zip(result.axes, result.control_axes, strict=True):
        table.add_row(f"{a.axis} {a.name}", f"{a.input_size} / {a.noise_size}",
                      _short(a.expected), f"{a.constant_draws}/{result.config.draws}",
                      _checked(a), _checked(c))
    return table


def _short(word: str) -> str:
    return {"independent": "indep.", "undetermined": "undet."}.get(word, word)


def _checked(axis) -> Text:
    return Text(_short(axis.measured) + (" ✓" if axis.verified else " ✗"),
                "green" if axis.verified else "red")


def _mask_table(result) -> Table:
    """The first draw's multipliers (0 = dropped): one row per position of the leading axes."""
    mask = np.asarray(result.mask, dtype=np.float64)
    rows = mask.reshape(-1, mask.shape[-1]) if mask.ndim > 1 else mask[None, :]
    lead = list(np.ndindex(*mask.shape[:-1])) if mask.ndim > 1 else [()]
    table = Table(title="Mask of the first draw (out / in; 0 = dropped)"
                        + (f", first {MAX_MASK_ROWS} rows" if len(rows) > MAX_MASK_ROWS else ""))
    lead_names = [a.name for a in result.axes[:-1]]
    for name in lead_names:
        table.add_column(name, justify="right")
    last = result.axes[-1].name
    for j in range(min(rows.shape[1], MAX_MASK_COLUMNS)):
        table.add_column(f"{last} {j}", justify="right")
    for i, (index, values) in enumerate(zip(lead[:MAX_MASK_ROWS], rows[:MAX_MASK_ROWS],
                                            strict=True)):
        if i and index[:1] != lead[i - 1][:1]:
            table.add_section()  # a new sample
        cells = [Text(num(v, 4), "dim" if v == 0 else "bold") for v in values[:MAX_MASK_COLUMNS]]
        table.add_row(*(str(k) for k in index), *cells)
    return table
