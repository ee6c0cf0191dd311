"""S001's 3-layer ReLU net in NumPy, with dropout after each hidden layer.

out = W3 @ d2(relu(W2 @ d1(relu(W1 @ X + b1)) + b2)) + b3, with W1 (4, 3),
W2 and W3 (4, 4), biases (4, 1) and X (3, samples), all standard normal as in
S001. ``d1``/``d2`` are the NumPy reference layers (``dropout_lab.dropouts.numpy_ref``).

Because d2 is followed by the linear map W3, E over d2's mask is exact; d1 is
followed by a ReLU, so E over d1's mask is taken by enumerating its 2**4
masks with their probabilities. ``mask_expectation`` therefore gives the
exact mean of the training-mode output over all masks, for each sample.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from dropout_lab.dropouts.numpy_ref import InvertedDropout, VanillaDropout

HIDDEN = 4  # units per hidden layer (S001: W1 4x3, W2 4x4, W3 4x4)
INPUTS = 3  # input features (S001: X of shape (3, 1000000))


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x), as S001 writes it."""
    return np.maximum(0, x)


@dataclass(frozen=True)
class SeedNet:
    """S001's weights; columns of X are samples."""

    w1: np.ndarray  # (4, 3)
    b1: np.ndarray  # (4, 1)
    w2: np.ndarray  # (4, 4)
    b2: np.ndarray  # (4, 1)
    w3: np.ndarray  # (4, 4)
    b3: np.ndarray  # (4, 1)

    @classmethod
    def draw(cls, rng: np.random.Generator) -> SeedNet:
        """Standard normal weights, drawn in S001's order W1, b1, W2, b2, W3, b3."""
        shapes = ((HIDDEN, INPUTS), (HIDDEN, 1), (HIDDEN, HIDDEN), (HIDDEN, 1),
                  (HIDDEN, HIDDEN), (HIDDEN, 1))
        return cls(*(rng.standard_normal(shape) for shape in shapes))

    def hidden1(self, x: np.ndarray) -> np.ndarray:
        """relu(W1 @ x + b1): the input of the first dropout layer, (4, samples)."""
        return relu(self.w1 @ x + self.b1)

    def head(self, h1: np.ndarray, d2, training: bool) -> np.ndarray:
        """From the first dropout layer's output to the net's output, (4, samples)."""
        return self.w3 @ d2.forward(relu(self.w2 @ h1 + self.b2), training) + self.b3

    def forward(self, x: np.ndarray, d1, d2, training: bool) -> np.ndarray:
        """The whole net with dropout layers ``d1``, ``d2``."""
        return self.head(d1.forward(self.hidden1(x), training), d2, training)

    def folded(self, keep_prob: float) -> SeedNet:
        """Vanilla's test-time net with keep_prob folded into W2 and W3.

        W2 @ (keep * h) = (keep * W2) @ h, so the folded plain net computes the
        vanilla test-time output with no extra multiply (equal up to rounding).
        """
        return SeedNet(self.w1, self.b1, keep_prob * self.w2, self.b2, keep_prob * self.w3,
                       self.b3)

    def plain(self, x: np.ndarray) -> np.ndarray:
        """The net without dropout layers (inverted dropout's test-time net)."""
        return self.w3 @ relu(self.w2 @ self.hidden1(x) + self.b2) + self.b3

    def mask_expectation(self, h1: np.ndarray, keep_prob: float, inverted: bool) -> np.ndarray:
        """E over both masks of the training-mode output, exactly, per sample (4, samples).

        Args:
            h1: ``hidden1(x)``, the first dropout layer's input, (4, samples).

        Vanilla: E = W3 @ (keep * E_m1[relu(W2 @ (m1 * h1) + b2)]) + b3.
        Inverted: E = W3 @ E_m1[relu(W2 @ (m1 * h1 / keep) + b2)] + b3.
        """
        h1 = h1 / keep_prob if inverted else h1
        expected = np.zeros((HIDDEN, h1.shape[1]))
        for bits in itertools.product((0.0, 1.0), repeat=HIDDEN):
            mask = np.array(bits)[:, None]  # (4, 1), broadcast over samples
            kept = int(mask.sum())
            weight = keep_prob ** kept * (1.0 - keep_prob) ** (HIDDEN - kept)
            if weight > 0:
                expected += weight * relu(self.w2 @ (mask * h1) + self.b2)
        second = expected if inverted else keep_prob * expected
        return self.w3 @ second + self.b3


def layers(keep_prob: float, seed: int, inverted: bool):
    """Two reference dropout layers sharing one generator seeded with ``seed``.

    Vanilla and inverted pairs built with the same seed draw the same kept sets,
    so their training-mode outputs differ only by the 1/keep_prob scaling.
    """
    cls = InvertedDropout if inverted else VanillaDropout
    rng = np.random.default_rng(seed)
    return cls.from_keep_prob(keep_prob, rng), cls.from_keep_prob(keep_prob, rng)
