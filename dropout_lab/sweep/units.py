"""Units of a ``sweep``: one (point, seed) trained, as the executors' task, and read back.

A unit trains ``core.mlp``'s net for its point (widths, input and hidden
keep_prob) from its own seed: initial weights, masks, batch order and its
training subset (a random one per seed, the same for both arms of a size
point) all derive from it, so a unit's numbers do not depend on where, or
after which other unit, it ran. Imports no TensorFlow until a unit trains.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from dropout_lab.core import config as cfg
from dropout_lab.core.series import Series, finite, points
from dropout_lab.core.tfenv import versions
from dropout_lab.executors.threads import pin_threads
from dropout_lab.sweep.config import SweepConfig

TASK = "dropout_lab.sweep.units:run_unit"
METRICS = ("train/loss", "train/error", "test/error")
TIMINGS = ("train_seconds", "eval_seconds", "trace_seconds", "wall_seconds")


def unit_name(point: dict, seed: int) -> str:
    """The folder of a unit under ``units/``: ``keep0.50_seed0`` or ``n1000_dropout_seed0``."""
    if "size" in point:
        return f"n{point['size']}_{point['arm']}_seed{seed}"
    return f"keep{point['keep_prob']:.2f}_seed{seed}"


@dataclass(frozen=True)
class Unit:
    """One trained (point, seed).

    ``curves`` has one value per step of ``steps``: ``train/loss`` the mean
    training objective (training mode) since the previous evaluation, the
    errors inference-mode, on the unit's first ``train_eval_size`` training
    images and on the 10000 test images.
    """

    point: dict[str, Any]
    seed: int
    widths: list[int]
    keeps: list[float]  # input keep_prob, hidden keep_prob
    train_images: int
    threads: int  # TF intra-op threads it was computed with (0: TF's default)
    steps: list[int]
    curves: dict[str, list[float]]
    final_test_error: float
    final_train_error: float
    train_seconds: float
    eval_seconds: float
    trace_seconds: float
    wall_seconds: float
    resumed: bool = False

    @property
    def name(self) -> str:
        return unit_name(self.point, self.seed)

    @property
    def diverged(self) -> bool:
        """The training loss became NaN or infinite."""
        return not all(v is not None and math.isfinite(v) for v in self.curves["train/loss"])

    def to_json(self) -> dict[str, Any]:
        """unit.json: everything but ``resumed``."""
        return {k: v for k, v in self.__dict__.items() if k != "resumed"}

    def numbers(self) -> dict[str, Any]:
        """What must not depend on the executor: everything but the timings."""
        return {k: v for k, v in self.to_json().items() if k not in TIMINGS}


def unit_series(unit: Unit, config, run_id: str) -> Series:
    """A unit as TensorBoard and MLflow show it: its curves per evaluation; its hparams
    (the sweep's run id, study, point, seed, widths, input and hidden keep_prob); its final
    errors and steps per second."""
    input_keep, hidden_keep = unit.keeps
    hparams = {"run": run_id, "study": config.study, **unit.point, "seed": unit.seed,
               "widths": ",".join(str(w) for w in unit.widths),
               "input_keep_prob": input_keep, "hidden_keep_prob": hidden_keep}
    return Series(unit.name, {key: points(unit.steps, unit.curves[key]) for key in METRICS},
                  hparams,
                  finite({"final/test_error": unit.final_test_error,
                          "final/train_error": unit.final_train_error,
                          "train/steps_per_second": (unit.steps[-1] / unit.train_seconds
                                                     if unit.train_seconds else None)}))


def eval_steps(config) -> list[int]:
    """Steps after which a unit is evaluated: every eval_every, and the last."""
    return sorted(set(range(config.eval_every, config.steps, config.eval_every)) | {config.steps})


def subset(seed: int, size: int, available: int) -> np.ndarray:
    """The unit's training images: a random ``size`` of ``available``, drawn from its seed."""
    from dropout_lab.core.batches import derived_seed

    if size >= available:
        return np.arange(available)
    return np.sort(np.random.default_rng(derived_seed(seed, 4)).permutation(available)[:size])


def run_unit(args: dict[str, Any], shared: dict[str, Any], report) -> dict[str, Any]:
    """The executors' task: train the unit ``args`` names; its payload for ``experiment``."""
    from dropout_lab.core import weights  # h5py

    config = cfg.resolve(SweepConfig, args["config"])
    unit, model = train_unit(config, args["point"], args["seed"], shared, report,
                             pin_threads(None))
    return {"unit": unit.to_json(), "weights": weights.snapshot(model), "versions": versions()}


def train_unit(config, point: dict, seed: int, shared: dict, report, threads: int):
    """Train one unit; ``report(step)`` after each evaluation. Returns (unit, model)."""
    from dropout_lab.core import mlp  # TensorFlow
    from dropout_lab.core.batches import PassOrders, derived_seed

    started = time.monotonic()
    chosen = subset(seed, config.train_images(point), len(shared["y_train"]))
    data = mlp.Tensors.from_arrays(shared["x_train"][chosen], shared["y_train"][chosen],
                                   shared["x_test"], shared["y_test"],
                                   min(config.train_eval_size, len(chosen)))
    input_keep, hidden_keep = config.keeps(point)
    widths = config.widths(point)
    model = mlp.build_mlp(widths, (1 - hidden_keep,) * len(widths), config.kernel_init, seed,
                          input_drop_rate=1 - input_keep)
    trainer = mlp.Trainer(model, data, config.batch_size, "sgd", config.learning_rate, 0.0,
                          momentum=config.momentum, max_norm=config.max_norm or None)
    orders = PassOrders(len(chosen), derived_seed(seed, 3))
    trainer.train_steps(orders, 0, 0)  # traces the loop, runs no step
    trainer.evaluate("train"), trainer.evaluate("test")  # traces the evaluation
    trace_seconds = time.monotonic() - started
    curves: dict[str, list[float]] = {key: [] for key in METRICS}
    train_seconds = eval_seconds = 0.0
    done = 0
    for target in eval_steps(config):
        tick = time.monotonic()
        curves["train/loss"].append(trainer.train_steps(orders, done, target - done))
        train_seconds += time.monotonic() - tick
        tick, done = time.monotonic(), target
        curves["train/error"].append(1 - trainer.evaluate("train")[0])
        curves["test/error"].append(1 - trainer.evaluate("test")[0])
        eval_seconds += time.monotonic() - tick
        report(done)
    unit = Unit(point=point, seed=seed, widths=list(widths), keeps=[input_keep, hidden_keep],
                train_images=len(chosen), threads=threads, steps=eval_steps(config),
                curves=curves, final_test_error=curves["test/error"][-1],
                final_train_error=curves["train/error"][-1], train_seconds=train_seconds,
                eval_seconds=eval_seconds, trace_seconds=trace_seconds,
                wall_seconds=time.monotonic() - started)
    return unit, model


def unit_problems(data: Any, config, folder_name: str) -> list[str]:
    """What keeps ``data`` from being the unit.json of this sweep's unit ``folder_name``."""
    fields = [name for name in Unit.__dataclass_fields__ if name != "resumed"]
    if not isinstance(data, dict) or sorted(data) != sorted(fields):
        return [f"expected the keys {fields}"]
    found = []
    if data["point"] not in config.points or data["seed"] not in config.unit_seeds \
            or unit_name(data["point"], data["seed"]) != folder_name:
        found.append(f"point {data['point']!r} and seed {data['seed']!r} are not this "
                     f"sweep's {folder_name}")
    if data["steps"] != eval_steps(config):
        found.append("its evaluation steps are not this sweep's")
    curves = data["curves"]
    if not (isinstance(curves, dict) and sorted(curves) == sorted(METRICS) and all(
            isinstance(v, list) and len(v) == len(eval_steps(config))
            and all(_number(x) for x in v) for v in curves.values())):
        found.append(f"`curves` must hold {list(METRICS)}, one number per evaluation")
    if not all(_number(data[k]) for k in ("final_test_error", "final_train_error", *TIMINGS)):
        found.append("its final numbers and timings must be numbers")
    return found


def _number(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
