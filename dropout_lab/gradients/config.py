"""Config of ``gradients`` (S002: claims C5, C6, C7); light: no TF, no NumPy."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dropout_lab.core import config as cfg
from dropout_lab.core.errors import invalid_value
from dropout_lab.core.limits import require_memory

#: Four passes' activations and gradients, kept as NumPy per layer, per 16x16x3 image.
BYTES_PER_IMAGE = 512 * 1024


@dataclass(frozen=True)
class GradientsConfig:
    """Settings of ``dropout-lab gradients``; defaults follow S002."""

    rate: float = 0.2  # drop probability of the Dropout layer (S002: Dropout(0.2))
    seed: int = 0  # seeds weights, batch and the Dropout mask (once per run)
    batch_size: int = 32  # random images in the batch
    learning_rate: float = 1e-4  # RMSprop step size (S002: RMSprop(lr=0.0001))
    false_alarm: float = 1e-4  # two-sided error of the drop-fraction interval

    def __post_init__(self):
        if not (math.isfinite(self.rate) and 0 <= self.rate < 1):
            raise invalid_value("rate", "a drop probability in [0, 1) (rate 1 is measured "
                                        "separately, as claim C7)", self.rate)
        cfg.require_positive_int("batch_size", self.batch_size)
        require_memory("batch_size", self.batch_size, self.batch_size * BYTES_PER_IMAGE,
                       f"a batch of {self.batch_size} images")
        cfg.require_positive("learning_rate", self.learning_rate)
        cfg.require_probability("false_alarm", self.false_alarm)
        cfg.require_seed("seed", self.seed)
