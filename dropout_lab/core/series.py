"""What a trained model recorded, step by step: the one description TensorBoard and MLflow read.

A result whose run trains something says so with a ``series()`` method
returning one ``Series`` per trained model: the run's own model (``name``
"") or each unit of a sweep (``name`` the unit's). ``core.tensorboard``
writes each as a TensorBoard run (scalars, the config as text, HParams for
a unit), ``core.tracking`` as an MLflow run (metrics per step; a unit as a
child run). A result without ``series()`` trained nothing worth a curve;
it is still tracked (its config, verdicts and files), never drawn.

The numbers are the ones the experiment already recorded (its results.json):
nothing is measured again, and nothing is added to a training loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

#: A hyperparameter's value as TensorBoard's HParams plugin and MLflow take it.
HParam = bool | int | float | str


@dataclass(frozen=True)
class Series:
    """One trained model's curves, settings and final numbers.

    Attributes:
        name: the model within its run: "" for a run's only model, a unit's
            name (``dropout_seed1``) in a sweep; a folder name either way.
        scalars: metric key (``train/loss``) -> (step, value) pairs, in step order;
            values that are not finite numbers are left out (``points``).
        hparams: what distinguishes this model from the others of its sweep
            (arm, seed, rates); empty for a run's only model.
        metrics: its final numbers (``final/test_accuracy``...), one value each.
    """

    name: str
    scalars: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    hparams: dict[str, HParam] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


def points(steps: list[int], values: list[Any]) -> list[tuple[int, float]]:
    """(step, value) pairs of the finite numbers in ``values`` (a NaN or a null is a gap)."""
    return [(int(step), float(value)) for step, value in zip(steps, values, strict=True)
            if _finite(value)]


def finite(metrics: dict[str, Any]) -> dict[str, float]:
    """The entries of ``metrics`` that are finite numbers, as floats."""
    return {key: float(value) for key, value in metrics.items() if _finite(value)}


def _finite(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def series_of(result: Any) -> list[Series]:
    """The series a result declares (``result.series()``), or none."""
    method = getattr(result, "series", None)
    return list(method()) if callable(method) else []
