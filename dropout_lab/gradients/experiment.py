"""S002: which layers does a Dropout layer affect? Claims C5, C6, C7 measured.

The net is S002's head (Flatten -> Dense(512, relu) -> Dense(1024, relu) ->
Dropout(rate) -> Dense(1, sigmoid)) on a small frozen conv base standing in for
InceptionV3 (see ``dropout_lab.gradients.net``). One random batch goes through it
twice, with dropout (training mode) and without (inference mode: Keras's
Dropout is then the identity); everything else is the same computation.

- C5 "only the outputs of the layer just before Dropout are zeroed". Tests:
  every layer before Dropout gives bit-identical outputs with and without
  dropout (exact: the forward pass before the mask does not depend on it); new
  zeros appear only at the Dropout output; there, the fraction of Dense(1024)'s
  nonzero outputs that are zeroed is Binomial(n, rate)/n, so its exact
  Clopper-Pearson interval at confidence 1 - ``false_alarm`` must cover
  ``rate`` (a correct layer fails this at most once in 1/false_alarm seeds).
- C6 "earlier trainable layers are affected through their gradients; frozen
  layers are not updated". Tests (exact): ||g_drop - g_none|| > 0 for every
  trainable layer before Dropout; after one Keras ``train_on_batch`` step,
  frozen weights are bit-identical and every trainable layer has changed.
- C7 "Dropout(rate=1) lets zero gradient flow". Keras's Dropout returns
  ``zeros_like(x)`` at rate 1, which cuts the graph: the test is that no
  upstream weight gets a nonzero gradient (None or exactly 0) and that a
  training step leaves upstream weights bit-identical; what TF returns (None
  or zeros) is reported as behaviour.
- Activation order: for a 0/1 mask m and k = 1 - rate > 0,
  relu(m*z/k) = m*relu(z)/k exactly (ReLU is positively homogeneous and
  relu(0) = 0, and the rounded products agree entry by entry), so the test is
  exact equality with the same mask; sigmoid(0) = 1/2 != 0, so sigmoid must differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from dropout_lab.core import config as cfg
from dropout_lab.core import results
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import RunContext, new_run
from dropout_lab.core.stats import Interval, clopper_pearson
from dropout_lab.core.tfenv import seed_everything, versions
from dropout_lab.core.verdict import Verdict
from dropout_lab.gradients.config import GradientsConfig
from dropout_lab.gradients.verdicts import verdicts

KIND = "gradients"


@dataclass(frozen=True)
class LayerRow:
    """What dropout did to one layer (None where a column does not apply)."""

    layer: str
    kind: str  # Keras class name
    trainable: bool | None  # None: the layer has no weights
    before_dropout: bool  # upstream of the Dropout layer
    zero_fraction_without: Real  # fraction of exactly-zero outputs, inference mode
    zero_fraction_with: Real  # the same in training mode (dropout applied)
    newly_zeroed: int  # entries zero with dropout but nonzero without
    output_max_abs_change: Real  # max |out_with - out_without|
    gradient_rel_change: Real | None  # ||g_with - g_without|| / ||g_without||
    weights_changed_fraction: Real | None  # fraction of weight entries moved by one step
    rate1_gradient: dict[str, str] | None  # weight -> "None", "zero" or "nonzero" at rate 1


@dataclass(frozen=True)
class OrderResult:
    """Dropout before vs after one activation, with the same mask."""

    activation: str
    same_mask: bool
    exactly_equal: bool
    max_abs_diff: Real
    differing_fraction: Real
    mean_before: Real  # mean of act(dropout(z))
    mean_after: Real  # mean of dropout(act(z))


@dataclass(frozen=True)
class Rate1Result:
    """What Dropout(rate=1) did (C7)."""

    train_zero_fraction: Real  # of the Dropout output in training mode
    test_time_identity: bool  # inference-mode output equals its input
    gradients: dict[str, str]  # weight path -> "None", "zero" or "nonzero"
    gradients_zero_mode: dict[str, str]  # the same with UnconnectedGradients.ZERO
    upstream_unchanged_after_step: bool
    optimizer_warnings: list[str]


@record
class GradientsResult:
    """Everything ``gradients`` measured."""

    KIND: ClassVar[str] = KIND

    config: GradientsConfig
    run_dir: Path
    layers: list[LayerRow]
    drop_count: int  # nonzero Dense(1024) outputs zeroed by dropout
    drop_trials: int  # nonzero Dense(1024) outputs
    drop_fraction: Interval  # exact (Clopper-Pearson) at confidence 1 - false_alarm
    orders: list[OrderResult]
    rate1: Rate1Result
    verdicts: list[Verdict]
    frameworks: dict[str, str]


Result = GradientsResult


def run(config: GradientsConfig, ctx: RunContext | None = None) -> GradientsResult:
    """Seed once, build the net, measure C5-C7 and the activation order, write a run."""
    ctx = ctx or RunContext()
    seed_everything(config.seed)
    from dropout_lab.gradients import net as transfer  # TensorFlow

    ctx.report("measure", 0, 4)
    model = transfer.build(config.rate, dropout_seed=config.seed)
    images, labels = transfer.batch(config.batch_size, config.seed)
    dropped = transfer.forward_backward(model, images, labels, training=True)
    plain = transfer.forward_backward(model, images, labels, training=False)
    ctx.report("measure", 1, 4)
    rate1_model = transfer.build(1.0, dropout_seed=config.seed)
    rate1_model.set_weights(model.get_weights())
    moved = _step_changes(transfer, model, images, labels, config.learning_rate)
    ctx.report("measure", 2, 4)
    rate1, rate1_by_layer = _rate1(transfer, rate1_model, images, labels, config.learning_rate)
    ctx.report("measure", 3, 4)
    orders = _orders(transfer, model, plain, config)
    ctx.report("measure", 4, 4)
    rows = _rows(model, transfer.layer_weights(model), dropped, plain, moved, rate1_by_layer)
    count, trials = _drop_counts(plain, dropped, transfer.DROPOUT)
    interval = clopper_pearson(count, max(trials, 1), 1 - config.false_alarm)
    found = verdicts(rows, interval, (count, trials), rate1, orders, config)
    fields = dict(config=config, layers=rows, drop_count=count, drop_trials=trials,
                  drop_fraction=interval, orders=orders, rate1=rate1, verdicts=found,
                  frameworks=versions())
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 started=ctx.started) as folder:
        result = GradientsResult(run_dir=folder.final_path, **fields)
        folder.write_json("results.json", results.to_json(result))
    return result


def _drop_counts(plain, dropped, dropout: str) -> tuple[int, int]:
    """(nonzero inputs of the Dropout layer that it zeroed, nonzero inputs)."""
    nonzero = plain.outputs[dropout] != 0  # inference mode: the Dropout input itself
    return (int(np.count_nonzero(nonzero & (dropped.outputs[dropout] == 0))),
            int(np.count_nonzero(nonzero)))


def _step_changes(transfer, model, images, labels, learning_rate) -> dict[str, np.ndarray]:
    """Weight path -> boolean array: which entries one training step changed."""
    before = transfer.snapshot(model)
    transfer.optimizer_step(model, images, labels, learning_rate)
    after = transfer.snapshot(model)
    return {path: (before[path] != after[path]).ravel() for path in before}


def _status(gradient) -> str:
    if gradient is None:
        return "None"
    return "zero" if not np.any(gradient) else "nonzero"


def _rate1(transfer, model, images, labels, learning_rate):
    """C7 on a copy of the net with Dropout(rate=1); also returns statuses by layer."""
    result = transfer.forward_backward(model, images, labels, training=True)
    zero_mode = transfer.forward_backward(model, images, labels, training=True,
                                          unconnected_zero=True)
    hidden = result.outputs["dense_1024"]
    test_out = model.get_layer(transfer.DROPOUT)(hidden, training=False).numpy()
    before = transfer.snapshot(model)
    warned = transfer.optimizer_step(model, images, labels, learning_rate)
    after = transfer.snapshot(model)
    upstream = [p for name, paths in transfer.layer_weights(model).items()
                if name in _upstream_names(model) for p in paths]
    rate1 = Rate1Result(
        train_zero_fraction=float(np.mean(result.outputs[transfer.DROPOUT] == 0)),
        test_time_identity=bool(np.array_equal(test_out, hidden)),
        gradients={p: _status(g) for p, g in result.gradients.items()},
        gradients_zero_mode={p: _status(g) for p, g in zero_mode.gradients.items()},
        upstream_unchanged_after_step=all(np.array_equal(before[p], after[p]) for p in upstream),
        optimizer_warnings=warned)
    by_layer = {name: {p.rsplit("/", 1)[-1]: rate1.gradients[p] for p in paths}
                for name, paths in transfer.layer_weights(model).items() if paths}
    return rate1, by_layer


def _upstream_names(model) -> list[str]:
    """Names of the layers before the (first) Dropout layer."""
    kinds = [type(layer).__name__ for layer in model.layers]
    return [layer.name for layer in model.layers[:kinds.index("Dropout")]]


def _orders(transfer, model, plain, config) -> list[OrderResult]:
    z = transfer.pre_activation(model, plain.outputs["dense_512"])  # (batch, 1024)
    results = []
    for activation in ("relu", "sigmoid"):
        before, after, same = transfer.activation_orders(z, config.rate, config.seed, activation)
        diff = np.abs(before.astype(np.float64) - after)
        results.append(OrderResult(activation, same, bool(np.array_equal(before, after)),
                                   float(diff.max()), float(np.mean(diff > 0)),
                                   float(before.mean(dtype=np.float64)),
                                   float(after.mean(dtype=np.float64))))
    return results


def _rows(model, weights, dropped, plain, moved, rate1_by_layer) -> list[LayerRow]:
    upstream = set(_upstream_names(model))
    rows = []
    for layer in model.layers:
        name, paths = layer.name, weights[layer.name]
        out_with, out_without = dropped.outputs[name], plain.outputs[name]
        rows.append(LayerRow(
            layer=name, kind=type(layer).__name__,
            trainable=bool(layer.trainable) if paths else None, before_dropout=name in upstream,
            zero_fraction_without=float(np.mean(out_without == 0)),
            zero_fraction_with=float(np.mean(out_with == 0)),
            newly_zeroed=int(np.count_nonzero((out_with == 0) & (out_without != 0))),
            output_max_abs_change=float(np.max(np.abs(out_with - out_without))),
            gradient_rel_change=_rel_change(dropped, plain, paths) if paths else None,
            weights_changed_fraction=(float(np.mean(np.concatenate([moved[p] for p in paths])))
                                      if paths else None),
            rate1_gradient=rate1_by_layer.get(name)))
    return rows


def _rel_change(dropped, plain, paths) -> float:
    """||g_with - g_without|| / ||g_without|| over all weights of a layer (float64)."""
    with_ = np.concatenate([dropped.gradients[p].ravel() for p in paths]).astype(np.float64)
    without = np.concatenate([plain.gradients[p].ravel() for p in paths]).astype(np.float64)
    norm = np.linalg.norm(without)
    return float(np.linalg.norm(with_ - without) / norm) if norm > 0 else math.inf
