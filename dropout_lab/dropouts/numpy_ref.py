"""NumPy reference dropout (S001): vanilla and inverted, as layers.

Conventions are explicit in every name: ``keep_prob`` is the probability of
keeping a unit (the 2014 paper's p, CS231n's p); ``drop_rate`` = 1 - keep_prob
is Keras/TF/PyTorch's ``rate``. Construct a layer from either:
``InvertedDropout(drop_rate=0.2, rng=rng)`` or
``InvertedDropout.from_keep_prob(0.8, rng)``.

Each layer has ``forward(x, training)`` and ``backward(dout)``. ``backward``
returns the gradient of the last ``forward``: in training mode ``dout * mask``
(``mask`` is the multiplier of each entry: 0 or 1 for vanilla, 0 or
1/keep_prob for inverted), in test mode ``dout`` times the test-time factor
(keep_prob for vanilla, 1 for inverted). Randomness comes only from an
explicit ``numpy.random.Generator``, so two layers built with equal seeds draw
equal masks. ``gradient_error`` checks a layer's ``backward`` against central
differences of its ``forward``.
"""

from __future__ import annotations

import math

import numpy as np


class _ReferenceDropout:
    """Shared parts: the keep probability, the generator and the saved mask.

    Attributes:
        drop_rate: probability of dropping an entry, in [0, 1).
        keep_prob: probability of keeping it, 1 - drop_rate, in (0, 1].
        rng: the generator masks are drawn from.
        mask: multiplier of each entry in the last training-mode forward
            (same shape as its input), or None before the first one.
    """

    scales_at_training: bool = False  # inverted dropout divides by keep_prob when training

    def __init__(self, drop_rate: float, rng: np.random.Generator | None = None):
        if not (math.isfinite(drop_rate) and 0.0 <= drop_rate < 1.0):
            raise ValueError("Invalid value received for argument `drop_rate`. Expected a "
                             f"float in [0, 1). Received: drop_rate={drop_rate}")
        self.drop_rate = float(drop_rate)
        self.keep_prob = 1.0 - self.drop_rate
        self.rng = rng if rng is not None else np.random.default_rng()
        self.mask: np.ndarray | None = None  # (same shape as x), multiplier of each entry
        self._last_factor: np.ndarray | float | None = None  # what backward multiplies by

    @classmethod
    def from_keep_prob(cls, keep_prob: float, rng: np.random.Generator | None = None):
        """Build the layer from a keep probability in (0, 1] (kept exactly as given)."""
        if not (math.isfinite(keep_prob) and 0.0 < keep_prob <= 1.0):
            raise ValueError("Invalid value received for argument `keep_prob`. Expected a "
                             f"float in (0, 1]. Received: keep_prob={keep_prob}")
        layer = cls(1.0 - keep_prob, rng)
        layer.keep_prob = float(keep_prob)
        return layer

    def _draw_mask(self, shape: tuple[int, ...]) -> np.ndarray:
        kept = self.rng.random(shape) < self.keep_prob  # True with probability keep_prob
        scale = 1.0 / self.keep_prob if self.scales_at_training else 1.0
        return kept * scale

    def _test_factor(self) -> float:
        return 1.0 if self.scales_at_training else self.keep_prob

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """Training: multiply by a fresh mask. Test: multiply by the test-time factor."""
        if not training:
            self._last_factor = self._test_factor()
            return x if self._last_factor == 1.0 else x * self._last_factor
        self.mask = self._draw_mask(np.shape(x))
        self._last_factor = self.mask
        return x * self.mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Gradient w.r.t. the input of the last ``forward``: dout * (mask or test factor)."""
        if self._last_factor is None:
            raise RuntimeError("backward() needs a forward() first")
        return dout * self._last_factor


class VanillaDropout(_ReferenceDropout):
    """Vanilla dropout: train ``x * mask`` (mask in {0, 1}); predict ``x * keep_prob``."""


class InvertedDropout(_ReferenceDropout):
    """Inverted dropout: train ``x * mask / keep_prob``; predict ``x`` unchanged."""

    scales_at_training = True


def max_rel_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max |a - n| / max(|a|, |n|) over entries; entries where both are 0 count as 0."""
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    safe = np.where(scale > 0, scale, 1.0)
    return float(np.max(np.where(scale > 0, np.abs(analytic - numeric) / safe, 0.0)))


def gradient_error(make_layer, training: bool, rng: np.random.Generator,
                   shape: tuple[int, ...] = (4, 64), step: float = 1e-3) -> float:
    """Max relative error of ``backward`` against central differences of ``forward``.

    ``make_layer()`` must return a fresh layer that draws the same mask each
    time (e.g. built with a generator of a fixed seed). The loss is
    L(x) = sum(dout * forward(x)); its numeric derivative along entry i is
    sum(dout * (f(x + h e_i) - f(x - h e_i))) / 2h, all in float64.
    """
    x, dout = rng.standard_normal(shape), rng.standard_normal(shape)
    layer = make_layer()
    layer.forward(x, training)
    analytic = layer.backward(dout)
    numeric = np.empty(shape)
    for index in np.ndindex(*shape):
        nudge = np.zeros(shape)
        nudge[index] = step
        plus = make_layer().forward(x + nudge, training)
        minus = make_layer().forward(x - nudge, training)
        numeric[index] = np.sum(dout * (plus - minus)) / (2 * step)
    return max_rel_error(analytic, numeric)


class Applier:
    """A reference layer as the probe applies it: ``backward(ones)`` is the gradient."""

    function = False

    def __init__(self, layer: _ReferenceDropout):
        self.layer = layer

    def train(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One training-mode draw and d sum(out) / d x of the same draw."""
        out = self.layer.forward(x, training=True)
        return out, self.layer.backward(np.ones_like(x))

    def test(self, x: np.ndarray) -> np.ndarray:
        """The inference-mode output."""
        return self.layer.forward(x, training=False)


def applier(name: str, drop_rate: float, seed: int) -> Applier:
    """``numpy-vanilla`` or ``numpy-inverted`` at ``drop_rate``, drawing from ``seed``."""
    cls = VanillaDropout if name == "numpy-vanilla" else InvertedDropout
    return Applier(cls(drop_rate, np.random.default_rng(seed)))

