"""A small generated stand-in for MNIST: learnable, deterministic, MNIST's format.

Like ``tfds.testing.mock_data``, but through the real loader: conftest.py writes
these arrays as idx files and loads them with ``load_mnist`` (idx parsing,
checks, sha256 verification against the stand-in's digest, caching), so every
test that trains on "MNIST" exercises the same code a user's run does.

Each class has a prototype image (a few bright strokes at fixed places); an
image is its class's prototype, shifted by up to ``SHIFT`` pixels each way, at a
random brightness, with random bright speckles. A small MLP learns it in tens of steps
(accuracies well above chance, below 1), so curves and verdicts are not
degenerate.
"""

from __future__ import annotations

import hashlib

import numpy as np

TRAIN_IMAGES = 600  # the tests' subsets go up to 400 (S001's overfit config: 300)
TEST_IMAGES = 100
SIDE = 28  # the MLP takes 28 x 28 = 784 inputs, as on MNIST
CLASSES = 10
SHIFT = 3  # pixels, each way
SPECKLE = 0.1  # the fraction of background pixels lit at random (MNIST's background is 0)
SEED = 20140101  # fixed: the stand-in, and so its sha256, is the same in every session
ROLES = ("x_train", "y_train", "x_test", "y_test")  # checksum order


def _prototypes(rng: np.random.Generator) -> np.ndarray:
    """(CLASSES, SIDE, SIDE) float prototypes in [0, 1]: three strokes each."""
    protos = np.zeros((CLASSES, SIDE, SIDE))
    for proto in protos:
        for _ in range(3):
            row, col = rng.integers(SHIFT + 2, SIDE - SHIFT - 6, size=2)
            if rng.random() < 0.5:  # a horizontal or a vertical stroke, 2 px thick
                proto[row:row + 2, col:col + 8] = 1.0
            else:
                proto[row:row + 8, col:col + 2] = 1.0
    return protos


def _images(rng: np.random.Generator, protos: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(len(labels), SIDE, SIDE) uint8: shifted prototypes at random brightness, speckled."""
    shape = (len(labels), SIDE, SIDE)
    images = rng.uniform(0, 255, shape) * (rng.random(shape) < SPECKLE)
    for image, label in zip(images, labels, strict=True):
        shift = rng.integers(-SHIFT, SHIFT + 1, size=2)
        stroke = np.roll(protos[label], tuple(shift), axis=(0, 1))
        image[:] = np.maximum(image, stroke * rng.uniform(128, 255))
    return np.rint(images).astype(np.uint8)


def arrays(seed: int = SEED) -> dict[str, np.ndarray]:
    """The four uint8 arrays, MNIST's roles and layout: (n, 28, 28) images, (n,) labels 0..9."""
    rng = np.random.default_rng(seed)
    protos = _prototypes(rng)
    found = {}
    for part, count in (("train", TRAIN_IMAGES), ("test", TEST_IMAGES)):
        labels = rng.permutation(np.arange(count) % CLASSES).astype(np.uint8)  # balanced
        found[f"x_{part}"], found[f"y_{part}"] = _images(rng, protos, labels), labels
    return {role: found[role] for role in ROLES}


def sha256_of(data: dict[str, np.ndarray]) -> str:
    """The checksum ``load_mnist`` verifies, computed here independently of the library."""
    return hashlib.sha256(b"".join(data[role].tobytes() for role in ROLES)).hexdigest()
