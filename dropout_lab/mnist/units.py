"""Units of an MNIST sweep: one (arm, seed) trained, timed, saved and read back.

A unit is written to ``units/<arm>_seed<k>/`` in its run folder through a
temporary ``.<name>.tmp`` folder renamed when whole, so a folder without the
dot is always complete: ``unit.json`` (curves, final numbers, timings, and
``made_with``: the unit's arm, seed, the config fields that change what it
learns and the versions that change its numbers) and ``weights.h5``
(dropout_lab.weights format). A resumed sweep reuses a unit only when its
``made_with`` is exactly what this sweep would train; otherwise it is refused,
naming what differs. Folders are made, removed and read without following a
link (``core.safe_paths``). Imports no TensorFlow itself; ``train_unit``
imports ``core.mlp`` (TensorFlow) when called.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dropout_lab.core import config as cfg
from dropout_lab.core import weights
from dropout_lab.core.atomic import atomic_write_json, to_jsonable
from dropout_lab.core.batches import PassOrders
from dropout_lab.core.errors import ExperimentError, invalid_value
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.printable import printable
from dropout_lab.core.reading import MAX_JSON_BYTES, parse_json
from dropout_lab.core.results import Real
from dropout_lab.core.runs import RunFolder
from dropout_lab.core.safe_paths import LinkRefused, check_real_dir, make_dirs, remove_tree
from dropout_lab.core.series import Series, finite, points
from dropout_lab.core.tfenv import versions
from dropout_lab.mnist.config import TRAINING_FIELDS, MnistConfig

UNITS_DIR = "units"
UNIT_FILE = "unit.json"
WEIGHTS_FILE = "weights.h5"
METRICS = ("train/loss", "train/accuracy", "test/accuracy", "test/loss")
MADE_WITH = "made_with"  # unit.json's record of what the unit was trained with
#: Config fields that change a unit's numbers: its training, and how it is evaluated.
UNIT_FIELDS = (*TRAINING_FIELDS, "eval_every", "train_eval_size")
NUMBERS_VERSIONS = ("tensorflow", "keras", "numpy")  # versions that change a unit's numbers
_LEFTOVER = re.compile(r"\..+\.tmp")  # a unit's temporary folder: .<arm>_seed<k>.tmp


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


def unit_series(unit: Unit, config, run_id: str) -> Series:
    """A unit as TensorBoard and MLflow show it: its curves per evaluation, its hparams
    (the sweep's run id, arm, seed, largest drop rate, L2 weight) and final numbers."""
    return Series(
        unit_name(unit.arm, unit.seed),
        {key: points(unit.steps, unit.curves[key]) for key in METRICS},
        {"run": run_id, "arm": unit.arm, "seed": unit.seed,
         "drop_rate": max(config.arm_drop_rates(unit.arm), default=0.0),
         "l2_weight": config.arm_l2_weight(unit.arm)},
        finite({"final/test_accuracy": unit.final_test_accuracy,
                "final/train_accuracy": unit.final_train_accuracy,
                "final/test_error": 1.0 - unit.final_test_accuracy,
                "train/steps_per_second": unit.steps_per_second}))
def made_with(config, arm: str, seed: int, found: dict | None = None) -> dict[str, Any]:
    """What a unit of ``config`` is trained with, as unit.json records it (JSON values).

    Args:
        found: the versions of the process that trains it (default: this one's).
    """
    found = found or versions()
    return {"arm": arm, "seed": seed,
            "config": to_jsonable({name: getattr(config, name) for name in UNIT_FIELDS}),
            "versions": {name: found.get(name) for name in NUMBERS_VERSIONS}}


def read_unit(path: Path, config) -> Unit:
    """A completed unit written by ``train_unit`` (``resumed=True``), checked against ``config``.

    Raises:
        ExperimentError: unit.json is unreadable, not what this sweep's unit would hold,
            or records other training (config, seed or versions) than this sweep's.
    """
    try:
        data = parse_json(read_bytes(path / UNIT_FILE, MAX_JSON_BYTES, follow_links=False),
                          path / UNIT_FILE)
    except UnsafeFile as exc:
        raise ExperimentError(f"Cannot read unit {printable(path)}: {exc}.") from None
    recorded = data.pop(MADE_WITH, None) if isinstance(data, dict) else None
    problems = unit_problems(data, config, path.name)
    if problems:
        raise ExperimentError(f"Unit {printable(path)} is damaged: "
                              + "; ".join(printable(p) for p in problems[:3])
                              + ". Remove its folder and resume again to train it anew.")
    differs = made_with_problems(recorded, made_with(config, data["arm"], data["seed"]))
    if differs:
        raise ExperimentError(f"Unit {printable(path)} is not this sweep's work: {differs}. "
                              "Remove its folder and resume again to train it with this "
                              "sweep's config, or start a new sweep.")
    return Unit(**data, resumed=True)


def made_with_problems(recorded: Any, expected: dict[str, Any]) -> str | None:
    """How a unit's recorded ``made_with`` differs from ``expected`` (None when it does not)."""
    if not isinstance(recorded, dict):
        return (f"its {UNIT_FILE} does not record what it was trained with (`{MADE_WITH}`; "
                "units of dropout-lab 0.2 and earlier do not)")
    found = []
    for key in ("arm", "seed"):
        if recorded.get(key) != expected[key]:
            found.append(f"{key} {recorded.get(key)!r}, not {expected[key]!r}")
    for group in ("config", "versions"):
        given: dict[str, Any] = recorded[group] if isinstance(recorded.get(group), dict) else {}
        for name, value in expected[group].items():
            if given.get(name) != value:
                found.append(f"{name} {given.get(name)!r}, not {value!r}")
    return "trained with " + ", ".join(found[:4]) if found else None


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
    curves: dict[str, list[Any]] = {key: [] for key in METRICS}
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

    Raises:
        ExperimentError: the unit cannot be written; LinkRefused: ``units`` (or the
            temporary folder) is a link.
    """
    final = folder.path / UNITS_DIR / unit_name(unit.arm, unit.seed)
    tmp = final.with_name(f".{final.name}.tmp")
    trained_with = computed_with or versions()
    attrs = {"arm": unit.arm, "seed": unit.seed, "drop_rates": list(config.arm_drop_rates(
        unit.arm)), "hidden_units": list(config.hidden_units), "versions": trained_with}
    record = {**unit.to_json(), MADE_WITH: made_with(config, unit.arm, unit.seed, trained_with)}
    try:
        make_dirs(folder.path, UNITS_DIR)
        remove_tree(tmp.parent, tmp.name)  # left by an interrupted write; never a link
        make_dirs(folder.path, f"{UNITS_DIR}/{tmp.name}")
        weights.save_snapshot(saved, tmp / WEIGHTS_FILE, attrs)
        atomic_write_json(tmp / UNIT_FILE, record)
        os.rename(tmp, final)
    except LinkRefused:
        raise
    except OSError as exc:
        raise ExperimentError(f"Cannot write unit {printable(final)}: {exc.strerror}.") from None
    return final


def completed_units(folder_path: Path, config) -> dict[tuple[str, int], Unit]:
    """Units already written in a (resumed) run folder; leftovers of a unit in flight removed.

    Only ``.<name>.tmp`` entries (this module's temporary folders) are removed,
    and only when they are not links; a unit folder that is a link is refused.

    Raises:
        LinkRefused: ``units``, or an entry in it, is a link.
        ExperimentError: a unit is damaged or not this sweep's work.
    """
    found: dict[tuple[str, int], Unit] = {}
    units_dir = folder_path / UNITS_DIR
    if not os.path.lexists(units_dir):
        return found
    check_real_dir(units_dir, "resume")
    with os.scandir(units_dir) as entries:
        listed = sorted((entry.name, entry.is_symlink(), entry.is_dir(follow_symlinks=False))
                        for entry in entries)
    for name, is_link, is_dir in listed:
        if _LEFTOVER.fullmatch(name):
            remove_tree(units_dir, name)  # a unit interrupted mid-write (refused if a link)
        elif is_link:
            check_real_dir(units_dir / name, "resume")  # raises: names the link
        elif is_dir and not name.startswith(".") and _is_file(units_dir / name / UNIT_FILE):
            unit = read_unit(units_dir / name, config)
            found[(unit.arm, unit.seed)] = unit
    return found


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode) or os.path.islink(path)
    except OSError:
        return False


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
