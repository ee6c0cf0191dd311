"""Config of ``frameworks``; light: no framework, no NumPy.

Workers (one process each): ``tensorflow`` (Keras on TensorFlow and TF's own
ops), ``torch`` (PyTorch), ``jax`` (Flax NNX, Flax Linen, Equinox),
``keras-jax`` and ``keras-torch`` (Keras on those backends).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from dropout_lab.core import config as cfg
from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.dropouts import registry
from dropout_lab.workers.parent import WORKERS

#: A worker's modules and the extra that installs them (TensorFlow is in the base install).
NEEDS = {"tensorflow": (None, ()), **registry.EXTRAS}
MAX_SIZE = 1 << 20


def missing(worker: str) -> list[str]:
    """The modules a worker needs that are not installed (found without importing them)."""
    return [m for m in NEEDS[worker][1] if importlib.util.find_spec(m) is None]


def installed() -> list[str]:
    """The workers that can run here."""
    return [w for w in WORKERS if not missing(w)]


@dataclass(frozen=True)
class FrameworksConfig:
    """Which frameworks to measure, at which rates and sizes."""

    frameworks: tuple[str, ...] = ()  # workers to run; () = every installed one
    rates: tuple[float, ...] = (0.2, 0.8)  # rates other than 0.5 tell drop from keep
    size: int = 16384  # entries per draw
    seed: int = 0
    false_alarm: float = 1e-4  # chance a correct implementation fails any test of its row
    timeout: float = 300.0  # seconds a worker may take
    jobs: int = 2  # workers run at once

    def __post_init__(self):
        for worker in self.frameworks:
            cfg.require_choice("framework", worker, WORKERS)
        if not self.rates:
            raise invalid_value("rates", "at least one rate", list(self.rates))
        for rate in self.rates:
            if not 0 < rate < 1:
                raise invalid_value("rate", "a number in (0, 1) (rates 0, 1 and invalid ones "
                                    "are measured as edge behaviour anyway)", rate)
        cfg.require_int_range("size", self.size, 4096, MAX_SIZE)
        cfg.require_seed("seed", self.seed)
        cfg.require_probability("false_alarm", self.false_alarm)
        cfg.require_positive("timeout", self.timeout)
        cfg.require_int_range("jobs", self.jobs, 1, 8)

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
