"""NumPy reference dropout (seed 001): vanilla and inverted, as layers.

Conventions are explicit in every name: ``keep_prob`` is the probability of
keeping a unit (the 2014 paper's p, CS231n's p); ``drop_rate`` = 1 - keep_prob
is Keras/TF/PyTorch's ``rate``. Each layer has ``forward(x, training)`` and
``backward(dout)``; the mask of the last training-mode forward is kept for
``backward``. Randomness comes from an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

import numpy as np


class _ReferenceDropout:
    """Shared parts: the keep probability, the generator and the saved mask."""

    scales_at_training: bool = False

    def __init__(self, drop_rate: float, rng: np.random.Generator | None = None):
        if not 0.0 <= drop_rate < 1.0:
            raise ValueError("Invalid value received for argument `drop_rate`. Expected a "
                             f"float in [0, 1). Received: drop_rate={drop_rate}")
        self.drop_rate = float(drop_rate)
        self.keep_prob = 1.0 - self.drop_rate
        self.rng = rng if rng is not None else np.random.default_rng()
        self.mask: np.ndarray | None = None  # (same shape as x), multiplier of each entry

    def _draw_mask(self, shape: tuple[int, ...]) -> np.ndarray:
        kept = self.rng.random(shape) < self.keep_prob  # True with probability keep_prob
        scale = 1.0 / self.keep_prob if self.scales_at_training else 1.0
        return kept * scale

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Gradient w.r.t. the input of the last training-mode ``forward``: dout * mask."""
        if self.mask is None:
            raise RuntimeError("backward() needs a training-mode forward() first")
        return dout * self.mask


class VanillaDropout(_ReferenceDropout):
    """Vanilla dropout: train ``x * mask`` (mask in {0, 1}); predict ``x * keep_prob``."""

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """Training: drop each entry with probability drop_rate. Test: scale by keep_prob."""
        if not training:
            return x * self.keep_prob
        self.mask = self._draw_mask(x.shape)
        return x * self.mask


class InvertedDropout(_ReferenceDropout):
    """Inverted dropout: train ``x * mask / keep_prob``; predict ``x`` unchanged."""

    scales_at_training = True

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """Training: drop with probability drop_rate, scale kept entries by 1/keep_prob."""
        if not training:
            return x
        self.mask = self._draw_mask(x.shape)
        return x * self.mask
