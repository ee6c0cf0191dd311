"""Config of ``frameworks``; light: no framework, no NumPy.

Workers (one process each): ``tensorflow`` (Keras on TensorFlow and TF's own
ops), ``torch`` (PyTorch), ``jax`` (Flax NNX, Flax Linen, Equinox),
``keras-jax`` and ``keras-torch`` (Keras on those backends).
"""

from __future__ import annotations

from dataclasses import dataclass

from dropout_lab.core.config import POSITIVE, PROBABILITY, SEED
from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.core.options import Config, option
from dropout_lab.dropouts.frameworks import NEEDS, installed, missing
from dropout_lab.workers.parent import WORKERS

MAX_SIZE = 1 << 20


@dataclass(frozen=True)
class FrameworksConfig(Config):
    """Which frameworks to measure, at which rates and sizes."""

    frameworks: tuple[str, ...] = option(
        (), "A worker to run (repeatable): tensorflow, torch, jax (Flax, Equinox), keras-jax, "
            "keras-torch.", flag="--framework", multiple=True, choices=tuple(WORKERS),
        default_text="every installed one")
    rates: tuple[float, ...] = option(
        (0.2, 0.8), "A rate to measure at (repeatable); rates other than 0.5 tell drop from "
                    "keep.", flag="--rate", multiple=True, gt=0, lt=1,
        why=" (rates 0, 1 and invalid ones are measured as edge behaviour anyway)")
    size: int = option(16384, "Entries per draw.", ge=4096, le=MAX_SIZE)
    seed: int = option(0, "Seed of every draw.", **SEED)
    false_alarm: float = option(1e-4, "Chance that a correct implementation fails any test of "
                                      "its row.", **PROBABILITY)
    timeout: float = option(300.0, "Seconds a worker may take.", **POSITIVE)
    jobs: int = option(2, "Workers run at once.", ge=1, le=8)

    def check(self) -> None:
        if not self.rates:
            raise invalid_value("rates", "at least one rate", list(self.rates))

    def require_installed(self) -> None:
        """ConfigError naming the extra to install when a chosen framework is missing.

        (Not in ``__post_init__``: a recorded run of another machine still reads back.)
        """
        for worker in self.frameworks:
            absent = missing(worker)
            if absent:
                raise ConfigError(
                    f"Invalid value for `framework`: {worker} needs {', '.join(absent)}, which "
                    f"is not installed; install it with: pip install "
                    f"'dropout-lab[{NEEDS[worker][0]}]'. Received: framework={worker!r}",
                    param="framework")

    @property
    def workers(self) -> list[str]:
        """The workers this run starts, in the matrix's order."""
        return list(self.frameworks) or installed()
