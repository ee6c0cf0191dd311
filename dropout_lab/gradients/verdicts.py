"""Verdicts of ``dropout-lab gradients``: claims C5, C6, C7 and the activation order.

Each function turns measured rows into a ``Verdict`` with the numbers behind
it and its stated tolerance; the tests and their justification are in the
docstring of ``dropout_lab.gradients.experiment`` and in docs/methods.md.
"""

from __future__ import annotations

from dropout_lab.core.verdict import Verdict, check, judge


def _outcome(holds: bool) -> str:
    return "confirmed" if holds else "refuted"


def verdicts(rows, interval, counts, rate1, orders, config) -> list[Verdict]:
    """All four verdicts, in the order C5, C6, C7, order.

    Args:
        rows: the per-layer ``LayerRow`` list.
        interval: Clopper-Pearson interval of the drop fraction at the Dropout output.
        counts: (zeroed, nonzero inputs) at the Dropout layer.
        rate1: the ``Rate1Result``.
        orders: the ``OrderResult`` list (relu and sigmoid).
        config: the ``GradientsConfig``.
    """
    zeroed, nonzero = counts
    return [_c5(rows, zeroed, nonzero, interval, config), _c6(rows), _c7(rate1, rows),
            _order_claim(orders)]


def _c5(rows, count, trials, interval, config) -> Verdict:
    upstream = [r for r in rows if r.before_dropout]
    identical = all(r.output_max_abs_change == 0 for r in upstream)
    zeroing = [r.layer for r in rows if r.newly_zeroed > 0]
    dropouts = {r.layer for r in rows if r.kind == "Dropout"}
    covers = interval.covers(config.rate)
    measured = (f"{len(upstream)} layers before Dropout: outputs bit-identical with and without "
                f"dropout: {'yes' if identical else 'no'}; new zeros at: "
                f"{', '.join(zeroing) or 'none'}; Dropout zeroed {count} of {trials} nonzero "
                f"Dense(1024) outputs = {interval.estimate:.4f}, interval "
                f"[{interval.low:.4f}, {interval.high:.4f}] vs rate {config.rate:g}")
    return judge("C5", _outcome(identical and set(zeroing) <= dropouts and covers), measured,
                 f"exact equality before Dropout; Clopper-Pearson interval at confidence "
                 f"1 - {config.false_alarm:g} must cover rate", {"drop_fraction": interval})


def _c6(rows) -> Verdict:
    weighted = [r for r in rows if r.trainable is not None]
    upstream = [r for r in weighted if r.trainable and r.before_dropout]
    frozen = [r for r in weighted if not r.trainable]
    trained = [r for r in weighted if r.trainable]
    affected = all(r.gradient_rel_change > 0 for r in upstream)
    still = all(r.weights_changed_fraction == 0 for r in frozen)
    moved = all(r.weights_changed_fraction > 0 for r in trained)
    changes = ", ".join(f"{r.layer} {r.gradient_rel_change:.3g}" for r in upstream)
    measured = (f"||g_drop - g_none|| / ||g_none||: {changes}; after one train_on_batch step: "
                f"{sum(r.weights_changed_fraction == 0 for r in frozen)} of {len(frozen)} frozen "
                f"layers bit-identical, {sum(r.weights_changed_fraction > 0 for r in trained)} of "
                f"{len(trained)} trainable layers changed")
    return judge("C6", _outcome(affected and still and moved), measured,
                 "exact: relative change > 0; frozen weights bit-identical (array_equal); "
                 "trainable weights: some entry differs",
                 {f"gradient_rel_change/{r.layer}": r.gradient_rel_change for r in upstream})


def _c7(rate1, rows) -> Verdict:
    upstream = {r.layer: r.rate1_gradient for r in rows
                if r.before_dropout and r.trainable and r.rate1_gradient}
    statuses = [s for grads in upstream.values() for s in grads.values()]
    no_gradient = all(s != "nonzero" for s in statuses)
    zero_mode = all(s == "zero" for path, s in rate1.gradients_zero_mode.items()
                    if path.split("/")[-2] in upstream)
    shown = "; ".join(f"{layer}: " + ", ".join(f"{w} {s}" for w, s in grads.items())
                      for layer, grads in upstream.items())
    measured = (f"training-mode output zero fraction {rate1.train_zero_fraction:g}; upstream "
                f"gradients from tape.gradient: {shown}; with UnconnectedGradients.ZERO: "
                f"{'all exactly 0' if zero_mode else 'not all 0'}; after train_on_batch upstream "
                f"weights bit-identical: {'yes' if rate1.upstream_unchanged_after_step else 'no'}"
                f" ({len(rate1.optimizer_warnings)} Keras warning(s)); test time: "
                f"{'identity' if rate1.test_time_identity else 'not the identity'}")
    holds = no_gradient and rate1.upstream_unchanged_after_step
    outcome = _outcome(holds)
    if holds and any(s == "None" for s in statuses):
        outcome = "qualified"
        measured += ("; qualified: TF returns None (no gradient at all), not a zero tensor, "
                     "and Keras warns that gradients do not exist")
    nonzero = sum(s == "nonzero" for s in statuses)
    nones = sum(s == "None" for s in statuses)
    return judge("C7", outcome, measured, "exact: every upstream gradient None or all 0; "
                                          "upstream weights bit-identical after a step",
                 {"nonzero upstream gradients": f"{nonzero} of {len(statuses)} ({nones} None)"})


def _order_claim(orders) -> Verdict:
    by = {o.activation: o for o in orders}
    relu, sigmoid = by["relu"], by["sigmoid"]
    measured = (f"same mask: {'yes' if relu.same_mask and sigmoid.same_mask else 'no'}; relu: "
                f"max |before - after| = {relu.max_abs_diff:g}; sigmoid: max |before - after| = "
                f"{sigmoid.max_abs_diff:.4g} on {sigmoid.differing_fraction:.1%} of entries, "
                f"mean {sigmoid.mean_before:.4f} (before) vs {sigmoid.mean_after:.4f} (after)")
    holds = (relu.same_mask and sigmoid.same_mask and relu.exactly_equal
             and not sigmoid.exactly_equal)
    return check("order", "dropout before or after ReLU is the same; before or after sigmoid "
                          "is not", holds, measured,
                 "exact equality (array_equal) for relu; any difference for sigmoid")

