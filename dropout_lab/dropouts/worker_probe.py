"""What a worker measures per implementation (worker side; see ``worker``).

Every implementation is probed exactly as ``probe`` probes the in-process
ones (``probing.measure_row``, ``probing.edge_behaviour``), plus:

- ``warnings``: what the framework warns while the first row is measured;
- ``seeding``: the SHA-256 of the first draw's output at rate 0.5 built with
  seed ``seed`` (the parent compares it across two worker processes), whether
  a second build with the same seed in the same process draws the same
  output, and whether two calls of one built layer differ;
- ``default_call``: what the layer does when built and called with defaults
  only (no training flag, no key): ``active (draws noise)``, ``identity
  (off)`` or its exception.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from dropout_lab.core import tfenv
from dropout_lab.dropouts import classify, registry, sides
from dropout_lab.dropouts import probing as probe
from dropout_lab.dropouts.registry import EDGE_RATES

#: The task name of ``probe_task`` for a worker request (``dropout_lab.workers.child``).
TASK = "dropout_lab.dropouts.worker_probe:probe_task"
SEEDING_RATE = 0.5
SEEDING_SIZE = 4096


def probe_task(request: dict[str, Any], progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Rows, edges, warnings, seeding and defaults of every named implementation."""
    started = time.monotonic()
    imported = import_framework(request["worker"])
    # the worker imported its framework before the task (workers.child): its seconds count
    import_seconds = request.get("startup_seconds", 0.0) + time.monotonic() - started
    answer = probe_all(request, progress)
    return {**answer, "versions": imported, "import_seconds": round(import_seconds, 3)}


def import_framework(worker: str) -> dict[str, str]:
    """Import the worker's framework; return the versions that matter."""
    if worker == "tensorflow":
        tfenv.import_tf()
        found = tfenv.versions()
        return {k: found[k] for k in ("tensorflow", "keras")}
    return sides.module(worker).version()


def probe_all(request: dict[str, Any], progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Measure every implementation ``request["names"]`` lists."""
    names, rates, seed = request["names"], request["rates"], request["seed"]
    if request["worker"] == "tensorflow":
        tfenv.seed_everything(seed)  # as probe does in-process
    if request.get("only_seeding"):  # the second process of the seeding check
        return {"implementations": [{"name": name, "seeding": seeding(registry.builtin(name),
                                                                      seed)} for name in names]}
    per_impl = len(rates) + len(EDGE_RATES) + 1
    total = len(names) * per_impl
    found = []
    for index, name in enumerate(names):
        impl = registry.builtin(name)
        found.append(_one(impl, request, _shifted(progress, index * per_impl, total)))
    return {"implementations": found}


def _shifted(progress: Callable[[int, int], None], start: int,
             total: int) -> Callable[[int], None]:
    """One implementation's progress (``done`` of its steps) as the whole run's."""
    return lambda done: progress(start + done, total)


def _one(impl, request: dict[str, Any], progress: Callable[[int], None]) -> dict[str, Any]:
    rows: list[Any] = []
    caught: list[str] = []  # warnings heard, for the implementation's report
    for index, rate in enumerate(request["rates"]):
        rows.append(_noting(caught, probe.measure_row, impl, rate, request["size"],
                            request["seed"], request["alpha"]))
        progress(index + 1)
    edges = {}
    for index, rate in enumerate(EDGE_RATES):
        edges[probe.rate_label(rate)] = _noting(caught, probe.edge_behaviour, impl, rate,
                                                request["seed"])
        progress(len(request["rates"]) + index + 1)
    answer = {"name": impl.name, "framework": impl.framework,
              "version": rows[0].framework_version, "rows": [probe.row_to_json(r) for r in rows],
              "edges": edges, "warnings": sorted(set(filter(None, caught)))[:5]}
    if not request.get("skip_extras"):  # probe needs only rows and edges
        answer.update(seeding=seeding(impl, request["seed"]), default_call=default_call(impl))
    progress(len(request["rates"]) + len(EDGE_RATES) + 1)
    return answer


def _noting(caught: list[str], function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``; what the framework warned meanwhile is added to ``caught``."""
    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        value = function(*args)
    caught += _heard(heard)
    return value


def _first_line(line: str, limit: int = 500) -> str:
    """``line`` whole when short, else cut at a word before ``limit`` and marked as cut."""
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + " \N{HORIZONTAL ELLIPSIS}"


def _heard(heard) -> list[str]:
    """What the framework told its user: its warnings, not deprecations aimed at developers."""
    found = []
    for warning in heard:
        if issubclass(warning.category, (DeprecationWarning, PendingDeprecationWarning)):
            continue
        text = str(warning.message).strip().splitlines()
        found.append(f"{warning.category.__name__}: {_first_line(text[0])}" if text else "")
    return found


def seeding(impl, seed: int) -> dict[str, Any]:
    """Hash of the first draw, same seed again in this process, two calls of one layer."""
    x = classify.probe_input(impl.rank, SEEDING_SIZE, impl.layout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = probe.build(impl, SEEDING_RATE, seed)
            one, _ = first.train(x)
            two, _ = first.train(x)
            again, _ = probe.build(impl, SEEDING_RATE, seed).train(x)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a layer may raise anything)
        return {"error": registry.describe_exception(exc)}
    return {"sha256": hashlib.sha256(np.ascontiguousarray(one).tobytes()).hexdigest(),
            "same_seed_same_draw": bool(np.array_equal(one, again)),
            "two_calls_differ": not np.array_equal(one, two)}


def default_call(impl) -> str:
    """What the implementation does when built and called with defaults only."""
    x = classify.probe_input(impl.rank, SEEDING_SIZE, impl.layout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = np.asarray(_call_with_defaults(impl, x))
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a layer may raise anything)
        return registry.describe_exception(exc)
    return "identity (off)" if np.array_equal(out, x) else "active (draws noise)"


def _call_with_defaults(impl, x: np.ndarray):
    if impl.worker is not None:
        return sides.module(impl.worker).default_call(impl, SEEDING_RATE, x)
    if impl.framework == "numpy":
        return probe.build(impl, SEEDING_RATE, 0).train(x)[0]
    from dropout_lab.dropouts import appliers  # TensorFlow

    if impl.function:  # a function has no training switch: it always draws
        return probe.build(impl, SEEDING_RATE, 0).train(x)[0]
    options = dict(impl.options)
    layer = appliers.layer_class(impl.name.split("[")[0])(SEEDING_RATE, **options)
    return layer(x)  # Keras: training defaults to False outside fit()
