"""Interrupted run folders for resume tests: a sweep with one unit done, a reproduction with one
step done (each stopped as by Ctrl-C)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.runs import RunContext


def mnist_partial(out: Path, **config) -> Path:
    """``out/mnist/.<id>.partial``: arms none and dropout, one seed, unit none_seed<k> done."""
    from dropout_lab.mnist import sweep
    from dropout_lab.mnist.config import MnistConfig

    settings = {"arms": ("none", "dropout"), "seeds": 1, "steps": 4, "eval_every": 2,
                "train_subset": 64}
    config = MnistConfig(**{**settings, **config})

    def stop(task, done, total):
        if task.startswith("units") and done == 1:  # the executor's bar: "units [local] | ..."
            raise KeyboardInterrupt

    with pytest.raises(ExperimentError, match="Interrupted: 1 of 2 units"):
        sweep.run(config, RunContext(out=out, progress=stop))
    (partial,) = (out / "mnist").glob(".*.partial")
    return partial


def reproduce_partial(out: Path, **config) -> Path:
    """``out/reproduce/.<id>.partial`` of claims C1 and C10: compare done, probe interrupted."""
    from dropout_lab.reproduce import experiment
    from dropout_lab.reproduce.config import ReproduceConfig

    real = experiment._module

    def module(command):
        if command == "probe":
            raise KeyboardInterrupt
        return real(command)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(experiment, "_module", module)
        with pytest.raises(ExperimentError, match="Interrupted in step probe"):
            experiment.run(ReproduceConfig(claims=("C1", "C10"), **config), RunContext(out=out))
    (partial,) = (out / "reproduce").glob(".*.partial")
    return partial
