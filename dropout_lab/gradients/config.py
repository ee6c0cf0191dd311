"""Config of ``gradients`` (S002: claims C5, C6, C7); light: no TF, no NumPy."""

from __future__ import annotations

from dataclasses import dataclass

from dropout_lab.core.config import COUNT, POSITIVE, PROBABILITY, SEED
from dropout_lab.core.limits import require_memory
from dropout_lab.core.options import Config, option

#: Four passes' activations and gradients, kept as NumPy per layer, per 16x16x3 image.
BYTES_PER_IMAGE = 512 * 1024


@dataclass(frozen=True)
class GradientsConfig(Config):
    """Settings of ``dropout-lab gradients``; defaults follow S002."""

    rate: float = option(0.2, "Drop probability of the Dropout layer (S002: Dropout(0.2)).",
                         ge=0, lt=1, expected="a drop probability in [0, 1) (rate 1 is measured "
                                              "separately, as claim C7)")
    seed: int = option(0, "Seed of the weights, the batch and the mask.", **SEED)
    batch_size: int = option(32, "Random images in the batch.", **COUNT)
    learning_rate: float = option(1e-4, "RMSprop step size of the one training step (S002: "
                                        "RMSprop(lr=0.0001)).", aliases=("--lr",), **POSITIVE)
    false_alarm: float = option(1e-4, "Two-sided error of the drop-fraction interval.",
                                **PROBABILITY)

    def check(self) -> None:
        require_memory("batch_size", self.batch_size, self.batch_size * BYTES_PER_IMAGE,
                       f"a batch of {self.batch_size} images")
