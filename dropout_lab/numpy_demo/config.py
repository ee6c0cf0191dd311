"""Config of ``numpy-demo`` (S001: claims C2, C3); light: no NumPy.

``keep_prob`` is S001's p, the probability of KEEPING a unit; the command also
takes ``--drop-rate`` (Keras's rate) and converts it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dropout_lab.core import config as cfg
from dropout_lab.core.errors import ConfigError, invalid_value

COMPARISONS = 10  # 2 implementations x (2 at layer 1 + 3 at the output)
GRADIENT_BOUND = 1e-8  # max relative error of the gradient check (float64)
MAX_SAMPLES = 5_000_000  # ~1.2 GB of float64 working arrays at this size
TIMING_CONFIDENCE = 0.999  # C3: coverage of the interval of the median time ratio


@dataclass(frozen=True)
class NumpyDemoConfig:
    """Settings of ``dropout-lab numpy-demo``; defaults are S001's."""

    keep_prob: float = 0.5  # probability of KEEPING a unit (S001: p = 0.5, a keep probability)
    samples: int = 1_000_000  # columns of X, shape (3, samples) (S001: 1 000 000)
    seed: int = 0  # seeds weights, X and masks (S001 used none)
    repeats: int = 21  # timed test-time passes of each kind (C3)
    false_alarm: float = 1e-4  # family-wise error of the matches/shifted tests

    def __post_init__(self):
        if not (math.isfinite(self.keep_prob) and 0 < self.keep_prob <= 1):
            raise invalid_value("keep_prob", "a keep probability in (0, 1]", self.keep_prob)
        cfg.require_int_range("samples", self.samples, 2, MAX_SAMPLES,
                              " (an interval needs two samples)")
        cfg.require_int_range("repeats", self.repeats, 3, 1000)
        cfg.require_probability("false_alarm", self.false_alarm)
        cfg.require_seed("seed", self.seed)

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
