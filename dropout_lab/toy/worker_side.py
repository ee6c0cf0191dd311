"""``compare --framework torch|jax``, worker side: S000's toy net in PyTorch or Flax NNX.

``run(request, progress)`` does in the worker's framework what ``compare``
does in Keras: train the net (from the initial weights the parent sends, with
the framework's own Dropout active, full-batch plain SGD on MSE), save the
weights in dropout-lab's HDF5 format (Keras's names and layout), reload them
from the file into a trained-rate net and a rate-0 net, and measure what the
checks of ``dropout_lab.toy.verdicts`` need. The net itself is built by
``toy_torch`` or ``toy_jax``, which share one interface:

- ``LAYER_CLASS``, ``LINEAR_CLASS``: the classes' public names; ``version()``;
- ``build(arrays, rate, seed)``: the net holding ``arrays``, its dropout's
  generator seeded with ``seed``;
- ``train(net, inputs, targets, epochs, learning_rate, progress) -> losses``;
- ``arrays(net)``: its variables in Keras's layout;
- ``predict(net, inputs)``: test mode, (samples,);
- ``sampler(net, inputs)``: ``sample(n) -> (n, samples)`` training-mode passes;
- ``vanilla_expectation(net, keep_prob, inputs)``: the dropout input x keep, (samples,).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from dropout_lab.core import weights
from dropout_lab.core.atomic import atomic_write_bytes
from dropout_lab.toy.common import (
    WEIGHT_SHAPES,
    ProgressFn,
    divergence,
    pack,
    running_moments,
    unpack,
)


def side(worker: str) -> ModuleType:
    """The module that builds the toy net in ``worker``'s framework (imported here, late)."""
    if worker == "torch":
        from dropout_lab.toy import toy_torch

        return toy_torch
    if worker == "jax":
        from dropout_lab.toy import toy_jax

        return toy_jax
    raise ValueError(f"no toy net for the {worker} worker; expected torch or jax")


def run(request: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Train, save, reload and measure; the answer's arrays are ``common.pack``-ed.

    Args:
        request: ``worker``, ``rate``, ``epochs``, ``learning_rate``, ``seed``
            (training), ``measure_seed`` (the reloaded nets' dropout), ``runs``,
            ``mc_samples``, ``inputs`` (samples, 2), ``targets`` (samples, 1),
            ``initial`` (packed arrays by ``layer/variable``) and ``weights_path``
            (where the weights file is written).
        progress: ``progress(done, epochs + mc_samples)``: training steps first,
            then training-mode passes.

    Returns:
        ``{"diverged": message}`` when training diverged (nothing written), else
        ``f_r`` (runs, samples), ``f_0`` (runs, samples), ``g``, ``mean``, ``se``,
        ``recorded`` (each (samples,)), ``layer_class``, ``versions`` and ``losses``
        (the training loss before each step).
    """
    framework = side(request["worker"])
    inputs, targets = unpack(request["inputs"]), unpack(request["targets"])
    rate, epochs, mc_samples = request["rate"], request["epochs"], request["mc_samples"]
    total = epochs + mc_samples
    initial = {key: unpack(value) for key, value in request["initial"].items()}
    net = framework.build(initial, rate, request["seed"])
    losses = framework.train(net, inputs, targets, epochs, request["learning_rate"],
                             lambda done, _: progress(done, total))
    trained_arrays = framework.arrays(net)
    diverged = divergence(losses, all(np.isfinite(a).all() for a in trained_arrays.values()),
                          request["learning_rate"])
    if diverged:
        return {"diverged": diverged}
    recorded = framework.predict(net, inputs)  # the trained net, before any file
    path = Path(request["weights_path"])
    _save(framework, trained_arrays, request, path)
    arrays, _ = weights.read_arrays(path, WEIGHT_SHAPES)  # what the file holds, checked
    trained = framework.build(arrays, rate, request["measure_seed"])
    reloaded = framework.build(arrays, 0.0, request["measure_seed"])
    f_r = np.stack([framework.predict(trained, inputs) for _ in range(request["runs"])])
    f_0 = np.stack([framework.predict(reloaded, inputs) for _ in range(request["runs"])])
    # fixed chunks (common.MOMENT_CHUNK): the numbers must not depend on this machine's speed
    mean, sd = running_moments(framework.sampler(trained, inputs), mc_samples, len(inputs),
                               lambda done, _: progress(epochs + done, total))
    return {"f_r": pack(f_r), "f_0": pack(f_0),
            "g": pack(framework.vanilla_expectation(reloaded, 1.0 - rate, inputs)),
            "mean": pack(mean), "se": pack(sd / np.sqrt(mc_samples)), "recorded": pack(recorded),
            "layer_class": framework.LAYER_CLASS, "versions": framework.version(),
            "losses": pack(np.asarray(losses, dtype=np.float64))}


def _save(framework: ModuleType, arrays: dict[str, np.ndarray], request: dict[str, Any],
          path: Path) -> None:
    """The weights file, with the attributes a Keras training run writes (and the framework)."""
    attrs = {"rate": request["rate"], "layer": framework.LAYER_CLASS, "seed": request["seed"],
             "layer_class": framework.LAYER_CLASS, "framework": request["worker"],
             "versions": framework.version()}
    classes = {key.split("/")[0]: framework.LINEAR_CLASS for key in arrays}
    atomic_write_bytes(path, weights.arrays_to_bytes(arrays, attrs, classes))
