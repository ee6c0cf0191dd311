"""One dropout implementation measured at one rate: the probe's draw, analysed.

For every (implementation, rate) one training-mode draw on a fixed input of
about ``size`` entries is analysed by ``dropouts.drawstats`` (dropped
fraction, kept multipliers, mean, variance, test-time output, gradient,
shared axes); edge and invalid rates (``EDGE_RATES``) are recorded as
behaviour strings, never as crashes. Used by ``probe`` and ``noise-shape``
in-process and by the ``frameworks`` workers in each framework's process:
the families share it from here. TensorFlow is imported only to build a
Keras implementation.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from typing import Any

import numpy as np
from pydantic import model_serializer, model_validator

from dropout_lab import __version__
from dropout_lab.core import results
from dropout_lab.core.results import record
from dropout_lab.dropouts import classify, drawstats, numpy_ref, registry, sides
from dropout_lab.dropouts.drawstats import DrawStats
from dropout_lab.dropouts.registry import Implementation

EDGE_RATES = registry.EDGE_RATES


@record
class ProbeRow:
    """One (implementation, rate): measured ``stats``, or a ``behaviour`` string.

    In JSON a row is one flat object: the row's own fields, then its stats'
    fields (all null when the row was not measured).
    """

    layer: str
    framework: str
    framework_version: str
    rate: float
    seed: int
    input_shape: list[int]
    behaviour: str | None  # None when measured, e.g. "raises ValueError: ..." otherwise
    stats: DrawStats | None

    @model_serializer(mode="wrap")
    def _flat(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        stats = data.pop("stats") or {f.name: None for f in dataclasses.fields(DrawStats)}
        return {**data, **stats}

    @model_validator(mode="before")
    @classmethod
    def _nested(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "stats" in data:
            return data
        names = {f.name for f in dataclasses.fields(DrawStats)}
        own = {k: v for k, v in data.items() if k not in names}
        measured = data.get("behaviour") is None
        return {**own, "stats": {k: v for k, v in data.items() if k in names} if measured
                else None}


def row_seed(seed: int, name: str, rate: float) -> int:
    """A 31-bit seed for one (implementation, rate), the same whichever others are probed."""
    words = [seed, zlib.crc32(name.encode()), zlib.crc32(repr(float(rate)).encode())]
    return int(np.random.SeedSequence(words).generate_state(1)[0] >> 1)


def build(impl: Implementation, rate: float, seed: int, noise_shape=None):
    """An applier for ``impl`` (``dropouts.appliers``); the NumPy references need no TF.

    Other frameworks' implementations are built by their worker's side module;
    this runs inside that worker (``dropout_lab.workers.child``).
    """
    if impl.framework == "numpy":
        return numpy_ref.applier(impl.name, rate, seed)
    if impl.worker is not None:
        return sides.module(impl.worker).build(impl, rate, seed)  # in its worker process
    from dropout_lab.dropouts import appliers  # TensorFlow

    return appliers.build(impl, rate, seed, noise_shape)


def framework_version(impl: Implementation) -> str:
    """The version of the framework ``impl`` comes from."""
    if impl.framework == "numpy":
        return np.__version__
    if impl.framework == "dropout-lab":
        return __version__
    if impl.worker is not None:
        return sides.framework_version(impl)
    from dropout_lab.dropouts import appliers  # TensorFlow

    return appliers.framework_version(impl.framework)


def measure_row(impl: Implementation, rate: float, size: int, seed: int,
                alpha: float) -> ProbeRow:
    """One draw of ``impl`` at ``rate``, analysed; a failing layer gives a behaviour row."""
    seed_of_row = row_seed(seed, impl.name, rate)
    x = classify.probe_input(impl.rank, size, impl.layout)
    row = ProbeRow(impl.name, impl.framework, framework_version(impl), rate, seed_of_row,
                   list(x.shape), None, None)
    try:
        applier = build(impl, rate, seed_of_row)
        out, grad = applier.train(x)
        test = applier.test(x)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a user's layer may raise anything)
        return dataclasses.replace(row, behaviour=registry.describe_exception(exc))
    if out.shape != x.shape:
        return dataclasses.replace(row, behaviour=f"returns shape {out.shape}")
    if not np.isfinite(out).all():
        return dataclasses.replace(row, behaviour=classify.describe_draw(x, out, grad, test))
    return dataclasses.replace(row, stats=drawstats.analyse(x, out, grad, test, rate, alpha,
                                                                  impl.layout))


def edge_behaviour(impl: Implementation, rate: float, seed: int) -> str:
    """What ``impl`` does at an edge or invalid rate, as one string."""
    x = classify.probe_input(impl.rank, 2048, impl.layout)
    try:
        applier = build(impl, rate, row_seed(seed, impl.name, rate))
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a user's layer may raise anything)
        return registry.describe_exception(exc)
    try:
        out, grad = applier.train(x)
        test = applier.test(x)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a user's layer may raise anything)
        return registry.describe_exception(exc) + " (when called)"
    if out.shape != x.shape:
        return f"returns shape {out.shape}"
    return classify.describe_draw(x, out, grad, test)


def overall_meaning(rows: list[ProbeRow]) -> str:
    """What ``rate`` means for one implementation, from its decisive rows.

    Rates 0 and 1 are left out (any layer that never zeroes anything "drops
    with probability 0"), as are ``undecidable`` rows (rate 0.5).
    """
    found = {r.stats.rate_means for r in rows if r.stats is not None and 0 < r.rate < 1
             and r.stats.rate_means != "undecidable"}
    if not found:
        return "undecidable"
    return found.pop() if len(found) == 1 else "inconsistent"


def row_from_json(data: dict) -> ProbeRow:
    """A ProbeRow from its flat JSON form (a worker's answer, a results.json row)."""
    return results.parse(ProbeRow, data)


def row_to_json(row: ProbeRow) -> dict:
    """A row as one flat JSON object: the row's fields and its stats' (null when not measured)."""
    return results.plain(row)


def rate_label(rate: float) -> str:
    """``0.2``, ``-0.1``, ``NaN``: how rates are keyed and printed."""
    return "NaN" if math.isnan(rate) else f"{rate:g}"
