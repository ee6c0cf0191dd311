"""Tables for ``gradients`` (seed 002) and ``numpy-demo`` (seed 001).

Rendering never computes results; it formats what the experiments measured.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dropout_lab.render import num


def claim_lines(claims) -> Text:
    """One block per verdict: id, holds / does not hold, the claim, numbers, tolerance."""
    text = Text()
    for claim in claims:
        text.append(f"{claim.name}: ", "bold")
        text.append("holds" if claim.holds else "does not hold",
                    "bold green" if claim.holds else "bold red")
        text.append(f" — {claim.claim}\n")
        text.append(f"    measured:  {claim.measured}\n", "default")
        text.append(f"    tolerance: {claim.tolerance}\n", "dim")
    return text


def _run_folder(path) -> Text:
    return Text(f"Run folder: {path}")


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
    title = (f"Seed 002 net, keras.layers.Dropout(rate={num(config.rate)}) (Keras "
             f"{versions.get('keras')}, TF {versions.get('tensorflow')}; batch "
             f"{config.batch_size}, seed {config.seed})")
    notes = Text(
        f"Dropout zeroed {result.drop_count} of {result.drop_trials} nonzero Dense(1024) outputs"
        f" = {result.drop_fraction:.4f}; Clopper-Pearson interval at confidence "
        f"1 - {config.false_alarm:g}: [{result.drop_fraction_ci[0]:.4f}, "
        f"{result.drop_fraction_ci[1]:.4f}] (rate = drop probability {num(config.rate)}).\n"
        "Frozen layers' gradients are computed by watching their weights explicitly; no "
        "optimizer step uses them.\n" + _rate1_notes(result.rate1))
    return [Text(title, "bold"), _forward(result.layers), _backward(result.layers), notes,
            _orders(result.orders), claim_lines(result.claims),
            _run_folder(result.run_dir)]


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
            f" test-time Dropout(rate=1) is {'the identity' if rate1.test_time_identity else 'not the identity'}"
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


def numpy_demo(result) -> list:
    """Means table, gradient-check table, timing table, interpretation and verdicts."""
    config = result.config
    head = Text(
        f"Seed 001's 3-layer ReLU net, X of shape (3, {config.samples}); keep_prob = "
        f"{num(config.keep_prob)} (drop_rate = {num(config.drop_rate)}); seed {config.seed}.\n"
        "Expectation argument: E[mask * h] = keep_prob * h (vanilla training) and "
        "E[mask * h / keep_prob] = h (inverted training), so each test-time rule is exact at the "
        "layer and through linear maps; a ReLU after a dropout layer makes it approximate.")
    return [head, _means(result), _gradient_checks(result), _timing(result),
            _interpretation(result), claim_lines(result.claims),
            _run_folder(result.run_dir)]


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
        half = (c.shift_ci[1] - c.shift_ci[0]) / 2
        table.add_row(f"  {_SHORT.get(c.reference, c.reference)}", num(c.reference_mean, 6),
                      f"{c.shift:+.4g} ± {half:.2g}",
                      Text(c.verdict, "green" if c.verdict == "matches" else "yellow"))
    return table


def _gradient_checks(result) -> Table:
    from dropout_lab.experiments.numpy_demo import GRADIENT_BOUND

    table = Table(title="Gradient check of backward() (central differences, float64)")
    for name in ("layer", "mode", "max relative error", "bound", "passed"):
        table.add_column(name)
    for c in result.gradient_checks:
        table.add_row(c.layer, c.mode, f"{c.max_rel_error:.3g}", f"{GRADIENT_BOUND:g}",
                      Text("yes", "green") if c.passed else Text("no", "red"))
    return table


def _timing(result) -> Table:
    timing = result.timing
    table = Table(title=f"Test-time pass over {result.config.samples} samples, "
                        f"{result.config.repeats} interleaved repeats")
    for name in ("variant", "median", "IQR", "min – max"):
        table.add_column(name, justify="right")
    labels = {"inverted": "inverted, identity [ms]", "vanilla": "vanilla, x keep_prob [ms]",
              "vanilla folded": "vanilla, folded [ms]"}
    rows = [(labels[k], s, 2) for k, s in timing.pass_ms.items()]
    rows += [("ratio vanilla / inverted", timing.vanilla_ratio, 3),
             ("ratio folded / inverted", timing.folded_ratio, 3)]
    for label, s, digits in rows:
        table.add_row(label, f"{s.median:.{digits}f}", f"{s.q25:.{digits}f} – {s.q75:.{digits}f}",
                      f"{s.min:.{digits}f} – {s.max:.{digits}f}")
    return table


def _interpretation(result) -> Text:
    timing, ms = result.timing, result.timing.pass_ms
    extra = ms["vanilla"].median - ms["inverted"].median
    return Text(
        f"C3, what was measured: the two x keep_prob multiplies of vanilla's test-time pass "
        f"changed its median time by {extra:+.3g} ms ({100 * (timing.vanilla_ratio.median - 1):+.1f}"
        f"% by the median ratio; vanilla slower in {timing.vanilla_slower} of "
        f"{result.config.repeats} repeats, sign test p = {timing.sign_test_p:.2g}). Folding "
        f"keep_prob into W2 and W3 gives the same outputs (max relative difference "
        f"{timing.folded_max_rel_diff:.2g}) with no extra multiply, so the run-time argument "
        "for inverted dropout is about cheap elementwise multiplies that a framework can fold "
        "away; its practical advantage is that the test-time net is the plain net.")
