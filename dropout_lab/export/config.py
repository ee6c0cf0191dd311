"""Config of ``export``; light: no framework, no NumPy.

The tolerances are stated here, with their reasons, so that the verdict code
and the docs read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from dropout_lab.core import config as cfg
from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.export import routes as catalog

#: max |artifact - framework's inference output| allowed, relative to max |inference output|.
#: The framework's own runtime (TF, torch, XLA) may fuse float32 ops differently from the
#: eager call (a few ulps per op, ~1e-7 relative); onnxruntime and LiteRT (XNNPACK) use
#: kernels of their own (measured here: <= 2e-7 relative). Both bounds are ~50x the largest
#: difference measured on these nets, and far below the smallest change dropout can make:
#: one dropped unit of 100 moves the toy output by ~1e-2 relative.
RTOL = {"tensorflow": 1e-5, "torch": 1e-5, "jax": 1e-5, "onnxruntime": 1e-4, "litert": 1e-4}
ATOL = 1e-6  # added to every bound: outputs near zero


@dataclass(frozen=True)
class ExportConfig:
    """Which routes and nets to export, how to train them, how often to call the artifacts."""

    routes: tuple[str, ...] = ()  # route ids; () = every installed route
    nets: tuple[str, ...] = catalog.NETS  # toy, vanilla, conv
    drop_rate: float = 0.3  # not 0.5: keep (0.7) and 1/keep (1.43) then tell vanilla from inverted
    steps: int = 20  # training steps with dropout active, before the export
    batch: int = 8  # probe inputs per call
    calls: int = 5  # calls on the same input: are they bit-identical?
    mean_calls: int = 200  # calls averaged when an artifact draws a new output per call
    seed: int = 0
    false_alarm: float = 1e-4  # chance that a correctly drawing artifact fails its mean test
    timeout: float = 300.0  # seconds a worker may take
    jobs: int = 2  # workers run at once

    def __post_init__(self):
        for name in self.routes:
            cfg.require_choice("route", name, catalog.BY_NAME)
        if not self.nets:
            raise invalid_value("nets", "at least one of " + ", ".join(catalog.NETS),
                                list(self.nets))
        for net in self.nets:
            cfg.require_choice("net", net, catalog.NETS)
        if not 0 < self.drop_rate < 1:
            raise invalid_value("drop_rate", "a number in (0, 1)", self.drop_rate)
        cfg.require_int_range("steps", self.steps, 0, 10_000)
        cfg.require_int_range("batch", self.batch, 1, 256)
        cfg.require_int_range("calls", self.calls, 2, 1000)
        cfg.require_int_range("mean_calls", self.mean_calls, 10, 100_000)
        cfg.require_seed("seed", self.seed)
        cfg.require_probability("false_alarm", self.false_alarm)
        cfg.require_positive("timeout", self.timeout)
        cfg.require_int_range("jobs", self.jobs, 1, 8)

    def require_installed(self) -> None:
        """ConfigError naming the extra to install when a chosen route cannot run here.

        (Not in ``__post_init__``: a recorded run of another machine still reads back.)
        """
        for name in self.routes:
            route = catalog.BY_NAME[name]
            absent = catalog.missing(route)
            if absent:
                raise ConfigError(
                    f"Invalid value for `route`: {name} needs {', '.join(absent)}, which is "
                    f"not installed; install it with: {catalog.install_hint(route)}. "
                    f"Received: route={name!r}", param="route")

    @property
    def chosen(self) -> list[catalog.Route]:
        """The routes this run measures, in the catalogue's order."""
        if self.routes:
            return [r for r in catalog.ROUTES if r.name in self.routes]
        return catalog.installed()
