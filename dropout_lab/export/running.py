"""``export``, the runtime's task (worker side): call each artifact, report what it does.

``run_task(request, progress)`` runs in a fresh process of the artifact's
runtime (``tensorflow``, ``onnxruntime``, ``litert``, ``torch``, ``jax``),
which never trained or exported anything. Per artifact: load it
(``loaders``), list its dropout/random nodes, call it ``calls`` times on the
same probe inputs (are the outputs bit-identical?) and, when they are not,
``mean_calls`` times more for the mean and standard deviation of each output
(float64). onnxruntime is measured twice: as served (its default graph
optimizations) and with none (the graph as written), when the graph has a
dropout or random node.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dropout_lab.export import inputs as shared
from dropout_lab.export import loaders

#: The task name of ``run_task`` for a worker request (``dropout_lab.workers.child``).
TASK = "dropout_lab.export.running:run_task"


def run_task(request: dict[str, Any], progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Measure every artifact of ``request["artifacts"]``.

    Args:
        request: ``artifacts`` (each ``route``, ``net``, ``artifact`` (its
            format), ``path`` (absolute), ``layout``), ``batch``, ``seed``,
            ``calls``, ``mean_calls``.

    Returns:
        ``import_seconds`` (the first load, its runtime's import included),
        ``cpu_seconds`` (the process's CPU time) and ``results``: per artifact
        ``route``, ``net``, ``runtime``, and either ``error`` (with ``stage``: load
        or call) or ``nodes``, ``active``,
        ``unsupported``, ``served`` and, for onnxruntime, ``unoptimized``
        (each ``measure``'s answer).
    """
    results, import_seconds = [], None
    for index, artifact in enumerate(request["artifacts"]):
        started = time.monotonic()
        results.append(_one(artifact, request))
        if import_seconds is None:
            import_seconds = round(time.monotonic() - started, 3)
        progress(index + 1, len(request["artifacts"]))
    return {"import_seconds": import_seconds or 0.0, "results": results,
            "cpu_seconds": round(time.process_time(), 3)}


def _inputs(artifact: dict[str, Any], request: dict[str, Any]) -> np.ndarray:
    x = shared.probe_inputs(artifact["net"], request["batch"], request["seed"])
    if artifact.get("layout") == "NCHW":
        x = x.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(x)


def _one(artifact: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    head = {"route": artifact["route"], "net": artifact["net"]}
    stage = "load"
    try:
        loaded = loaders.LOADERS[artifact["artifact"]](Path(artifact["path"]), request["seed"])
        stage = "call"
        x = _inputs(artifact, request)
        answer = {**head, "runtime": loaded.runtime, "error": None, "nodes": loaded.nodes,
                  "active": loaded.active, "unsupported": loaded.unsupported,
                  "served": measure(loaded.call, x, request["calls"], request["mean_calls"])}
        if loaded.unoptimized is not None:
            answer["unoptimized"] = measure(loaded.unoptimized, x, request["calls"],
                                            request["mean_calls"])
        return answer
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except loaders.Refused as exc:  # the graph was read: say what it holds
        return {**head, "runtime": None, "error": shared.first_line(str(exc)), "stage": stage,
                "nodes": exc.nodes, "unsupported": exc.unsupported}
    except BaseException as exc:  # noqa: BLE001  (a runtime may raise anything)
        return {**head, "runtime": None, "error": shared.describe(exc), "stage": stage}


def measure(call: Callable[[np.ndarray], np.ndarray], x: np.ndarray, calls: int,
            mean_calls: int) -> dict[str, Any]:
    """``first`` output, ``identical`` over ``calls`` calls; if not: ``mean``, ``sd``, ``draws``.

    Outputs are float32 widened to float64 exactly, so ``first`` is the
    artifact's output bit for bit.
    """
    outs = [call(x) for _ in range(calls)]
    identical = all(np.array_equal(outs[0], other) for other in outs[1:])
    answer: dict[str, Any] = {"first": outs[0].tolist(), "identical": identical}
    if not identical:
        drawn = np.stack([call(x) for _ in range(mean_calls)])  # (mean_calls, batch)
        answer.update(mean=drawn.mean(axis=0).tolist(), sd=drawn.std(axis=0, ddof=1).tolist(),
                      draws=mean_calls)
    return answer
