"""Config of ``export``; light: no framework, no NumPy.

Every option is declared once, on its field (``core.options``). The
tolerances are stated here, with their reasons, so that the verdict code and
the docs read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from dropout_lab.core.config import POSITIVE, PROBABILITY, SEED
from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.core.options import Config, option
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
class ExportConfig(Config):
    """Which routes and nets to export, how to train them, how often to call the artifacts."""

    routes: tuple[str, ...] = option(
        (), "A route to measure (repeatable): one of the routes listed below.",
        flag="--route", multiple=True, choices=tuple(catalog.BY_NAME), metavar="ROUTE",
        default_text="every installed one")
    nets: tuple[str, ...] = option(
        catalog.NETS, "A net to export (repeatable): S000's toy net, the same with a "
                      "hand-written vanilla dropout, a conv net with channel dropout.",
        flag="--net", multiple=True, choices=catalog.NETS, default_text="all three")
    drop_rate: float = option(0.3, "Drop rate of every net's dropout; not 0.5, so that keep "
                                   "and 1/keep tell vanilla from inverted.", gt=0, lt=1)
    steps: int = option(20, "Training steps with dropout active, before the export.", ge=0,
                        le=10_000)
    batch: int = option(8, "Probe inputs per call.", ge=1, le=256)
    calls: int = option(5, "Calls on the same inputs that must be bit-identical.", ge=2,
                        le=1000)
    mean_calls: int = option(200, "Calls averaged when an artifact draws anew each call.",
                             ge=10, le=100_000)
    seed: int = option(0, "Seed of training, probe inputs and runtimes.", **SEED)
    false_alarm: float = option(1e-4, "Chance that a correctly drawing artifact fails its "
                                      "mean test.", **PROBABILITY)
    timeout: float = option(300.0, "Seconds a worker process may take.", **POSITIVE)
    jobs: int = option(2, "Worker processes run at once.", ge=1, le=8)

    def check(self) -> None:
        if not self.nets:
            raise invalid_value("nets", "at least one of " + ", ".join(catalog.NETS),
                                list(self.nets))

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
