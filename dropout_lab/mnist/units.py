"""Units of an MNIST sweep: one (arm, seed) trained, timed, saved and read back.

A unit is written to ``units/<arm>_seed<k>/`` in its run folder through a
temporary ``.<name>.tmp`` folder renamed when whole, so a folder without the
dot is always complete: ``unit.json`` (curves, final numbers, timings) and
``weights.h5`` (dropout_lab.weights format). Imports no TensorFlow itself;
``train_unit`` imports ``core.mlp`` (TensorFlow) when called.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
import types
from dataclasses import dataclass
from pathlib import Path

from dropout_lab.core import config as cfg
from dropout_lab.core import weights
from dropout_lab.core.atomic import atomic_write_json
from dropout_lab.core.batches import PassOrders
from dropout_lab.core.errors import ExperimentError, invalid_value
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.reading import MAX_JSON_BYTES, parse_json
from dropout_lab.core.results import Real
from dropout_lab.core.runs import RunFolder
from dropout_lab.core.tfenv import versions
from dropout_lab.mnist.config import MnistConfig

UNITS_DIR = "units"
UNIT_FILE = "unit.json"
WEIGHTS_FILE = "weights.h5"
METRICS = ("train/loss", "train/accuracy", "test/accuracy", "test/loss")


def unit_name(arm: str, seed: int) -> str:
    """Sub-folder of a unit under ``units/``."""
    return f"{arm}_seed{seed}"


@dataclass(frozen=True)
class Unit:
    """One trained (arm, seed): curves, final numbers, timings.

    ``curves`` maps metric keys (METRICS) to one value per step in ``steps``:
    ``train/loss`` is the mean training objective (cross-entropy + L2 term,
    training mode) over the steps since the previous evaluation; the
    accuracies and ``test/loss`` are inference-mode, on the first
    ``train_eval_size`` training images and on all 10000 test images.
    """

    arm: str
    seed: int
    steps: list[int]
    curves: dict[str, list[Real]]
    final_test_accuracy: Real
    final_train_accuracy: Real
    steps_per_second: Real  # updates / train_seconds
    train_seconds: Real  # inside the compiled loop only (no tracing, no evaluation)
    eval_seconds: Real
    trace_seconds: Real  # building the model and tracing the compiled functions
    wall_seconds: Real  # the whole unit, saving included
    resumed: bool = False  # True when read back from an earlier session (--resume)

    def to_json(self) -> dict:
        """The unit's ``unit.json`` (everything but ``resumed``)."""
        return {k: v for k, v in self.__dict__.items() if k != "resumed"}


def read_unit(path: Path, config) -> Unit:
    """A completed unit written by ``train_unit`` (``resumed=True``), checked against ``config``.

    Raises:
        ExperimentError: unit.json is unreadable, or not what this sweep's unit would hold.
    """
    try:
        data = parse_json(read_bytes(path / UNIT_FILE, MAX_JSON_BYTES), path / UNIT_FILE)
    except UnsafeFile as exc:
        raise ExperimentError(f"Cannot read unit {path}: {exc}.") from None
    problems = unit_problems(data, config, path.name)
    if problems:
        raise ExperimentError(f"Unit {path} is damaged: " + "; ".join(problems[:3]) + ". Remove "
                              "its folder and resume again to train it anew.")
    return Unit(**data, resumed=True)


def unit_problems(data, config, folder_name: str) -> list[str]:
    """What keeps ``data`` from being the unit.json of the unit in ``folder_name``."""
    fields = [f.name for f in dataclasses.fields(Unit) if f.name != "resumed"]
    if not isinstance(data, dict) or sorted(data) != sorted(fields):
        return [f"expected the keys {fields}"]
    found = []
    if data["arm"] not in config.arms or data["seed"] not in config.unit_seeds \
            or unit_name(data["arm"], data["seed"]) != folder_name:
        found.append(f"arm {data['arm']!r} and seed {data['seed']!r} are not this sweep's "
                     f"{folder_name}")
    if data["steps"] != config.eval_steps:
        found.append("its evaluation steps are not this sweep's")
    curves = data["curves"]
    if not (isinstance(curves, dict) and sorted(curves) == sorted(METRICS) and all(
            isinstance(v, list) and len(v) == len(config.eval_steps) and all(_number(x) for x in v)
            for v in curves.values())):
        found.append(f"`curves` must hold {list(METRICS)}, one number per evaluation")
    if not all(_number(data[k]) for k in fields if k not in ("arm", "seed", "steps", "curves")):
        found.append("its final numbers and timings must be numbers")
    return found


def _number(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def train_unit(config, arm: str, seed: int, data, report) -> tuple[Unit, object]:
    """Train one unit; ``report(done_steps)`` after each chunk. Returns (unit, model)."""
    from dropout_lab.core import mlp as mm  # TensorFlow

    started = time.monotonic()
    model = mm.build_mlp(config.hidden_units, config.arm_drop_rates(arm), config.kernel_init, seed)
    trainer = mm.Trainer(model, data, config.batch_size, config.optimizer,
                         config.learning_rate, config.arm_l2_weight(arm))
    orders = PassOrders(config.train_images, mm.derived_seed(seed, 3))
    trainer.train_steps(orders, 0, 0)  # traces the loop, runs no step
    trainer.evaluate("train"), trainer.evaluate("test")  # traces the evaluation
    trace_seconds = time.monotonic() - started
    curves: dict[str, list[float]] = {key: [] for key in METRICS}
    train_seconds = eval_seconds = 0.0
    done = 0
    for target in config.eval_steps:
        tick = time.monotonic()
        curves["train/loss"].append(trainer.train_steps(orders, done, target - done))
        train_seconds += time.monotonic() - tick
        tick, done = time.monotonic(), target
        curves["train/accuracy"].append(trainer.evaluate("train")[0])
        test_accuracy, test_loss = trainer.evaluate("test")
        curves["test/accuracy"].append(test_accuracy)
        curves["test/loss"].append(test_loss)
        eval_seconds += time.monotonic() - tick
        report(done)
    unit = Unit(arm=arm, seed=seed, steps=config.eval_steps, curves=curves,
                final_test_accuracy=curves["test/accuracy"][-1],
                final_train_accuracy=curves["train/accuracy"][-1],
                steps_per_second=config.steps / train_seconds, train_seconds=train_seconds,
                eval_seconds=eval_seconds, trace_seconds=trace_seconds,
                wall_seconds=time.monotonic() - started)
    return unit, model


def save_unit(folder: RunFolder, unit: Unit, saved: dict, config,
              computed_with: dict | None = None) -> Path:
    """Write ``units/<arm>_seed<k>/`` atomically: a temporary folder renamed when whole.

    Args:
        saved: the unit's weights, ``weights.snapshot(model)``.
        computed_with: the versions of the process that trained it (default: this one's).
    """
    final = folder.path / UNITS_DIR / unit_name(unit.arm, unit.seed)
    tmp = final.with_name(f".{final.name}.tmp")
    attrs = {"arm": unit.arm, "seed": unit.seed, "drop_rates": list(config.arm_drop_rates(
        unit.arm)), "hidden_units": list(config.hidden_units),
        "versions": computed_with or versions()}
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        weights.save_snapshot(saved, tmp / WEIGHTS_FILE, attrs)
        atomic_write_json(tmp / UNIT_FILE, unit.to_json())
        tmp.rename(final)
    except OSError as exc:
        raise ExperimentError(f"Cannot write unit {final}: {exc.strerror}.") from None
    return final


def completed_units(folder_path: Path, config) -> dict[tuple[str, int], Unit]:
    """Units already written in a (resumed) run folder; leftovers of a unit in flight removed."""
    found: dict[tuple[str, int], Unit] = {}
    units_dir = folder_path / UNITS_DIR
    if not units_dir.is_dir():
        return found
    for path in sorted(units_dir.iterdir()):
        if path.name.startswith("."):
            shutil.rmtree(path, ignore_errors=True)  # a unit interrupted mid-write
        elif (path / UNIT_FILE).is_file():
            unit = read_unit(path, config)
            found[(unit.arm, unit.seed)] = unit
    return found


def unit_data(config, mnist):
    """The unit data (train subset, train-eval subset, test set) as TF tensors.

    Raises:
        ConfigError: the config trains on more images than ``mnist`` holds
            (MnistConfig's bounds are MNIST's 60000; a test stand-in is smaller).
    """
    size, available = config.train_images, len(mnist.x_train)
    if size > available:
        raise invalid_value("train_subset", f"an integer in [1, {available}] (the loaded data, "
                            f"{mnist.origin}, has {available} training images)",
                            config.train_subset)
    from dropout_lab.core.mlp import Tensors  # TensorFlow

    return Tensors.from_arrays(mnist.x_train[:size], mnist.y_train[:size], mnist.x_test,
                               mnist.y_test, min(config.train_eval_size, size))


#: The executor's name for ``run_unit`` (a worker imports this module to run it).
TASK = "dropout_lab.mnist.units:run_unit"
_TENSORS: dict[tuple, object] = {}  # the tensors of the last sweep's data, per process


def shared_data(config, mnist, token: str) -> dict:
    """What every unit of a sweep reads, as plain arrays (sent to Ray's object store once).

    Raises:
        ConfigError: the config trains on more images than ``mnist`` holds (``unit_data``).
    """
    size, available = config.train_images, len(mnist.x_train)
    if size > available:
        raise invalid_value("train_subset", f"an integer in [1, {available}] (the loaded data, "
                            f"{mnist.origin}, has {available} training images)",
                            config.train_subset)
    return {"token": token, "x_train": mnist.x_train[:size], "y_train": mnist.y_train[:size],
            "x_test": mnist.x_test, "y_test": mnist.y_test}


def run_unit(args: dict, shared: dict, report) -> dict:
    """The executor's task: train the unit ``args`` names; return what ``save_unit`` writes."""
    config = cfg.resolve(MnistConfig, args["config"])
    key = (shared["token"], config.train_images, config.train_eval_size)
    if key not in _TENSORS:
        _TENSORS.clear()  # one sweep's data at a time
        _TENSORS[key] = unit_data(config, types.SimpleNamespace(**shared))
    unit, model = train_unit(config, args["arm"], args["seed"], _TENSORS[key], report)
    return {"unit": unit.to_json(), "weights": weights.snapshot(model), "versions": versions()}
