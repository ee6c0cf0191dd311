"""For each kind of run, how its results.json becomes its result again, and how that is shown.

The experiment modules are imported late and explicitly, one kind at a time:
showing a probe run imports the probe family only, and TensorFlow never
(results.json is data).
"""

from __future__ import annotations

from typing import Any, Callable

from dropout_lab.frameworks import render as frameworks_render
from dropout_lab.gradients import render as gradients_render
from dropout_lab.mnist import render as mnist_render
from dropout_lab.numpy_demo import render as numpy_demo_render
from dropout_lab.reproduce import experiment as reproduce
from dropout_lab.reproduce import render as reproduce_render
from dropout_lab.toy import render as toy_render

Viewer = tuple[Callable[[dict], Any], Callable[[Any], list]]


def viewer(kind: str) -> Viewer | None:
    """``(from_json, render)`` for a run kind (0.1's names too); None for an unknown kind."""
    kind = {"toy": "train", "noise_shape": "noise-shape", "numpy_demo": "numpy-demo"}.get(kind,
                                                                                         kind)
    if kind in ("train", "reload", "compare"):
        from dropout_lab.toy import compare, reload, train  # NumPy, TensorFlow-free

        module = {"train": train, "reload": reload, "compare": compare}[kind]
        return module.from_json, getattr(toy_render, kind)
    if kind in ("probe", "noise-shape"):
        from dropout_lab.probe import noise_shape, probe, render

        if kind == "probe":
            return probe.from_json, render.probe
        return noise_shape.from_json, render.noise_shape
    if kind == "gradients":
        from dropout_lab.gradients import experiment

        return experiment.from_json, gradients_render.gradients
    if kind == "numpy-demo":
        from dropout_lab.numpy_demo import experiment

        return experiment.from_json, numpy_demo_render.numpy_demo
    if kind in ("mnist", "mc-average"):
        from dropout_lab.mnist import mc_average, sweep

        if kind == "mnist":
            return sweep.from_json, mnist_render.mnist
        return mc_average.from_json, mnist_render.mc_average
    if kind == "reproduce":
        return reproduce.from_json, reproduce_render.reproduce
    if kind == "frameworks":
        from dropout_lab.frameworks import experiment  # NumPy, no framework

        return experiment.from_json, frameworks_render.frameworks
    return None


KINDS = ("train", "reload", "compare", "probe", "noise-shape", "gradients", "numpy-demo",
         "mnist", "mc-average", "reproduce", "frameworks")
