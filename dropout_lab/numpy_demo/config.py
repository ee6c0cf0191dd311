"""Config of ``numpy-demo`` (S001: claims C2, C3); light: no NumPy.

``keep_prob`` is S001's p, the probability of KEEPING a unit; the command also
takes ``--drop-rate`` (Keras's rate) and converts it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dropout_lab.core.config import PROBABILITY, SEED
from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.core.options import Config, option

COMPARISONS = 10  # 2 implementations x (2 at layer 1 + 3 at the output)
GRADIENT_BOUND = 1e-8  # max relative error of the gradient check (float64)
MAX_SAMPLES = 5_000_000  # ~1.2 GB of float64 working arrays at this size
TIMING_CONFIDENCE = 0.999  # C3: coverage of the interval of the median time ratio
#: C3's rounds stop once the interval's log half-width is this small (a quarter of the effect
#: the full profile measures, x 1.17: docs/methods.md, "power") ...
TIMING_PRECISION = 0.04
#: ... but not before this many: at the full profile's effect and spread they decide with
#: probability 0.998 (reproduce.power); 11 is the fewest with a finite 99.9 % interval.
TIMING_MIN_ROUNDS = 20


@dataclass(frozen=True)
class NumpyDemoConfig(Config):
    """Settings of ``dropout-lab numpy-demo``; defaults are S001's."""

    keep_prob: float = option(0.5, "Probability of KEEPING a unit (S001's p).", gt=0, le=1,
                              expected="a keep probability in (0, 1]")
    samples: int = option(1_000_000, "Columns of X, shape (3, samples) (S001: 1 000 000).",
                          ge=2, le=MAX_SAMPLES, why=" (an interval needs two samples)")
    seed: int = option(0, "Seed of the weights, X and the masks (S001 used none).", **SEED)
    repeats: int = option(400, "Most rounds of interleaved timed passes (C3); fewer once the "
                               "interval is narrow (docs/methods.md).", ge=3, le=1000)
    timing_seconds: float = option(30.0, "Time cap of C3's timing rounds, in seconds of CPU "
                                         "time (wall-clock cap: 10 times as much).", gt=0,
                                   le=3600)
    false_alarm: float = option(1e-4, "Family-wise error of the matches/shifted tests.",
                                **PROBABILITY)

    @property
    def drop_rate(self) -> float:
        """Probability of dropping a unit, 1 - keep_prob (Keras's ``rate``)."""
        return 1.0 - self.keep_prob


def keep_prob_from(keep_prob: float | None, drop_rate: float | None) -> float | None:
    """The keep probability from ``--keep-prob`` or ``--drop-rate`` (at most one given).

    Raises:
        ConfigError: both given, or the drop rate is outside [0, 1) or NaN.
    """
    if keep_prob is not None and drop_rate is not None:
        raise ConfigError("Invalid options: expected one of `keep_prob` or `drop_rate`, not "
                          f"both. Received: keep_prob={keep_prob!r}, drop_rate={drop_rate!r}",
                          param="drop_rate")
    if drop_rate is None:
        return keep_prob
    if not (math.isfinite(drop_rate) and 0 <= drop_rate < 1):
        raise invalid_value("drop_rate", "a drop probability in [0, 1)", drop_rate)
    return 1.0 - drop_rate
