"""``export``, the exporter's task (worker side): train each net, write each route's artifact.

``export_task(request, progress)`` runs in the framework's worker process
(``tensorflow``, ``torch`` or ``jax``). A side module (``keras_side``,
``torch_side``, ``jax_side``) provides:

- ``version() -> dict``: the versions that matter;
- ``prepare(net, rate, steps, seed) -> (model, info)``: built, trained with
  dropout active; ``info``: first and last loss, the dropout layer's class;
- ``references(model, net, x) -> dict``: the framework's inference output on
  the probe inputs (``inference``), and for the vanilla net the output with the
  dropout as the identity (``unscaled``: what a lost x keep gives);
- ``export(route, model, net, stem, x) -> (path, extras)``: the artifact
  written; ``extras`` may hold ``train_draw`` (what the exporting process
  computes with the exported function itself: a draw baked into the artifact)
  and ``layout`` (``NCHW`` when the artifact takes channels first).

An exporter that refuses is a measured result: its exception is the answer
for that (route, net), and what it warned or logged is kept with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from dropout_lab.export import inputs as shared

#: The task name of ``export_task`` for a worker request (``dropout_lab.workers.child``).
TASK = "dropout_lab.export.exporting:export_task"


def side(framework: str) -> ModuleType:
    """The exporter module of ``framework`` (imported here, late: it imports the framework)."""
    if framework == "keras":
        from dropout_lab.export import keras_side

        return keras_side
    if framework == "torch":
        from dropout_lab.export import torch_side

        return torch_side
    if framework == "jax":
        from dropout_lab.export import jax_side

        return jax_side
    raise ValueError(f"no exporter for {framework!r}; expected keras, torch or jax")


def export_task(request: dict[str, Any], progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Train and export; see the module docstring.

    Args:
        request: ``framework``, ``routes`` (ids), ``nets``, ``drop_rate``,
            ``steps``, ``batch``, ``seed`` and ``folder`` (where artifacts go:
            ``folder/<route>/<net>[.ext]``).

    Returns:
        ``versions``, ``import_seconds``, ``cpu_seconds`` (the process's CPU time,
        all threads: a measure of the work a busy machine does not inflate), ``nets``
        (net -> info and references)
        and ``artifacts`` (route -> net -> ``path`` (relative to ``folder``),
        ``error``, ``heard``, ``seconds`` and the side's extras).
    """
    started = time.monotonic()
    module = side(request["framework"])
    versions = module.version()
    import_seconds = round(time.monotonic() - started, 3)
    folder = Path(request["folder"])
    nets: dict[str, dict[str, Any]] = {}
    artifacts: dict[str, dict[str, Any]] = {route: {} for route in request["routes"]}
    total = len(request["nets"]) * (1 + len(request["routes"]))
    done = 0
    for net in request["nets"]:
        x = shared.probe_inputs(net, request["batch"], request["seed"])
        model, info = module.prepare(net, request["drop_rate"], request["steps"],
                                     request["seed"])
        nets[net] = {**info, **module.references(model, net, x)}
        done += 1
        progress(done, total)
        for route in request["routes"]:
            artifacts[route][net] = _one(module, route, model, net, folder, x)
            done += 1
            progress(done, total)
    return {"versions": versions, "import_seconds": import_seconds, "nets": nets,
            "artifacts": artifacts, "cpu_seconds": round(time.process_time(), 3)}


def _one(module: ModuleType, route: str, model: Any, net: str, folder: Path, x) -> dict:
    (folder / route).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with shared.heard() as found:
        try:
            path, extras = module.export(route, model, net, folder / route / net, x)
            answer = {"path": path.relative_to(folder).as_posix(), "error": None, **extras}
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # noqa: BLE001  (an exporter may raise anything)
            answer = {"path": None, "error": shared.describe(exc)}
    return {**answer, "heard": found, "seconds": round(time.monotonic() - started, 3)}
