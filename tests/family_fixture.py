"""A whole experiment family in one module, registered by tests/test_registry.py.

It is what a new family needs: a config dataclass with its options declared
once, an experiment (``KIND``, ``Result``, ``run``) and a render function.
NumPy only: it draws a Bernoulli mask and reports the fraction dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from rich.text import Text

from dropout_lab.core import results
from dropout_lab.core.config import SEED
from dropout_lab.core.options import Config, option
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import RunContext, new_run

KIND = "toy-demo"


@dataclass(frozen=True)
class ToyDemoConfig(Config):
    """Settings of the demo."""

    rate: float = option(0.5, "Drop probability of the mask.", ge=0, lt=1)
    size: int = option(1000, "Entries of the mask.", ge=1, le=10**6)
    seed: int = option(0, "Seed of the mask.", **SEED)


@record
class ToyDemoResult:
    """The fraction of a mask that was dropped."""

    KIND: ClassVar[str] = KIND
    config: ToyDemoConfig
    run_dir: Path
    dropped_fraction: Real


Result = ToyDemoResult


def run(config: ToyDemoConfig, ctx: RunContext | None = None) -> ToyDemoResult:
    """Draw the mask and write the run folder."""
    ctx = ctx or RunContext()
    mask = np.random.default_rng(config.seed).random(config.size) < config.rate
    with new_run(ctx.out, KIND, {"rate": config.rate, "size": config.size, "seed": config.seed},
                 config.seed, ctx.command, started=ctx.started) as folder:
        result = ToyDemoResult(config=config, run_dir=folder.final_path,
                               dropped_fraction=float(mask.mean()))
        folder.write_json("results.json", results.to_json(result))
    return result


def render(result: ToyDemoResult) -> list:
    """One line for people."""
    return [Text(f"dropped {result.dropped_fraction:.3f} of {result.config.size} entries")]
