"""Tables for ``gradients`` (S002); its JSON is the experiment's ``to_json``."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import num, run_folder, verdict_lines


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.2f}%"


def _trainable(row) -> str:
    return "—" if row.trainable is None else "yes" if row.trainable else "frozen"


def _moved(row) -> str:
    if row.weights_changed_fraction is None:
        return "—"
    if row.weights_changed_fraction == 0:
        return "bit-identical"
    return f"{_percent(row.weights_changed_fraction)} changed"


def _rate1(row) -> str:
    if not row.rate1_gradient:
        return "—"
    return ", ".join(row.rate1_gradient.values())


def gradients(result) -> list:
    """Forward table (C5), backward table (C6, C7), activation order, notes and verdicts."""
    config, versions = result.config, result.frameworks
    title = (f"S002 net, keras.layers.Dropout(rate={num(config.rate)}) (Keras "
             f"{versions.get('keras')}, TF {versions.get('tensorflow')}; batch "
             f"{config.batch_size}, seed {config.seed})")
    notes = Text(
        f"Dropout zeroed {result.drop_count} of {result.drop_trials} nonzero Dense(1024) outputs"
        f" = {result.drop_fraction.estimate:.4f}; Clopper-Pearson interval at confidence "
        f"1 - {config.false_alarm:g}: [{result.drop_fraction.low:.4f}, "
        f"{result.drop_fraction.high:.4f}] (rate = drop probability {num(config.rate)}).\n"
        "Frozen layers' gradients are computed by watching their weights explicitly; no "
        "optimizer step uses them.\n" + _rate1_notes(result.rate1))
    return [Text(title, "bold"), _forward(result.layers), _backward(result.layers), notes,
            _orders(result.orders), *verdict_lines(result.verdicts), run_folder(result.run_dir)]


def _forward(rows) -> Table:
    table = Table(title="Forward: each layer's output with vs without dropout (C5)")
    for name in ("layer", "kind", "zeros without", "zeros with", "newly zeroed", "max |Δ out|"):
        left = name in ("layer", "kind")
        table.add_column(name, justify="left" if left else "right", no_wrap=left)
    for row in rows:
        table.add_row(row.layer, row.kind, _percent(row.zero_fraction_without),
                      _percent(row.zero_fraction_with), str(row.newly_zeroed),
                      num(row.output_max_abs_change, 4))
    return table


def _backward(rows) -> Table:
    table = Table(title="Backward: gradients, one RMSprop step, rate 1 (C6, C7)")
    for name in ("layer", "trainable", "‖g_drop − g_none‖ / ‖g_none‖", "after 1 step",
                 "rate-1 gradient (kernel, bias)"):
        table.add_column(name, justify="left" if name in ("layer", "trainable") else "right")
    for row in rows:
        if row.trainable is not None:
            table.add_row(row.layer, _trainable(row), num(row.gradient_rel_change, 4),
                          _moved(row), _rate1(row))
    return table


def _rate1_notes(rate1) -> str:
    warned = "; ".join(rate1.optimizer_warnings) or "none"
    return (f"Rate 1: training-mode Dropout output is {_percent(rate1.train_zero_fraction)} zeros;"
            f" test-time Dropout(rate=1) is "
            f"{'the identity' if rate1.test_time_identity else 'not the identity'}"
            f"; Keras warnings at train_on_batch: {warned}")


def _orders(orders) -> Table:
    table = Table(title="Dropout before, act(drop(z)), vs after, drop(act(z)), the activation; "
                        "same mask; z = Dense(1024)'s pre-activation")
    for name in ("activation", "same mask", "equal", "max |diff|", "differ", "mean before",
                 "mean after"):
        table.add_column(name, justify="right", no_wrap=name == "activation")
    for o in orders:
        table.add_row(o.activation, "yes" if o.same_mask else "no",
                      "exactly" if o.exactly_equal else "no", num(o.max_abs_diff, 4),
                      _percent(o.differing_fraction), num(o.mean_before, 5), num(o.mean_after, 5))
    return table
