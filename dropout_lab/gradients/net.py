"""S002's transfer-learning net, shrunk to run in seconds, and its probes.

S002 freezes InceptionV3 (``trainable=False``) and adds Flatten ->
Dense(512, relu) -> Dense(1024, relu) -> Dropout(0.2) -> Dense(1, sigmoid),
trained with RMSprop(1e-4) on binary cross-entropy. Here a two-conv frozen
base with random weights fixed by the run's seed stands in for InceptionV3:
the questions (which outputs are zeroed, whose gradients change, which weights
move) are about the head and the ``trainable`` flag, not about what the base
has learned. The head is exactly S002's.

Imports Keras at module level: import only inside a command's run.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from dropout_lab.core.tfenv import import_tf

tf = import_tf()
import keras  # noqa: E402  (after the quiet TF import)

INPUT_SHAPE = (16, 16, 3)  # (height, width, channels) of the stand-in images
DROPOUT = "dropout"  # name of the Dropout layer


def build(rate: float, dropout_seed: int) -> keras.Sequential:
    """S002's head on a small frozen conv base; weights from Keras's seeded initialisers.

    Args:
        rate: drop probability of the Dropout layer (Keras accepts [0, 1]).
        dropout_seed: seed of the Dropout layer's own mask generator.
    """
    base = [keras.layers.Conv2D(8, 3, activation="relu", name="frozen_conv_1"),
            keras.layers.MaxPooling2D(2, name="frozen_pool"),
            keras.layers.Conv2D(16, 3, activation="relu", name="frozen_conv_2")]
    for layer in base:
        layer.trainable = False  # as S002 does for every InceptionV3 layer
    head = [keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(512, activation="relu", name="dense_512"),
            keras.layers.Dense(1024, activation="relu", name="dense_1024"),
            keras.layers.Dropout(rate, seed=dropout_seed, name=DROPOUT),
            keras.layers.Dense(1, activation="sigmoid", name="output")]
    return keras.Sequential([keras.Input(INPUT_SHAPE), *base, *head], name="s002")


def batch(batch_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random batch: images (batch, 16, 16, 3) ~ N(0, 1) and 0/1 labels (batch, 1)."""
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((batch_size, *INPUT_SHAPE)).astype(np.float32)
    labels = rng.integers(0, 2, size=(batch_size, 1)).astype(np.float32)
    return images, labels


@dataclass
class Pass:
    """One forward/backward pass: every layer's output and the gradient of every weight.

    Attributes:
        outputs: layer name -> that layer's output, as NumPy.
        gradients: weight path -> gradient (NumPy), or None where TF found no
            path from the loss to the weight. Frozen weights are watched
            explicitly, so their gradients are known even though no optimizer uses them.
    """

    outputs: dict[str, np.ndarray]
    gradients: dict[str, np.ndarray | None]


def forward_backward(model: keras.Sequential, images, labels, training: bool,
                     unconnected_zero: bool = False) -> Pass:
    """Run the model layer by layer under a tape; collect outputs and gradients.

    Args:
        training: True applies dropout (the only layer here that reads it).
        unconnected_zero: ask TF for zeros instead of None for unreachable weights.
    """
    weights = model.weights
    with tf.GradientTape() as tape:
        tape.watch([w.value for w in weights])  # frozen ones too
        outputs, h = {}, tf.convert_to_tensor(images)
        for layer in model.layers:
            h = layer(h, training=training)
            outputs[layer.name] = h
        loss = keras.losses.BinaryCrossentropy()(labels, h)
    mode = (tf.UnconnectedGradients.ZERO if unconnected_zero else tf.UnconnectedGradients.NONE)
    grads = tape.gradient(loss, [w.value for w in weights], unconnected_gradients=mode)
    return Pass(outputs={k: v.numpy() for k, v in outputs.items()},
                gradients={w.path: None if g is None else g.numpy()
                           for w, g in zip(weights, grads, strict=True)})


def layer_weights(model: keras.Sequential) -> dict[str, list[str]]:
    """Layer name -> paths of its weights (empty for Flatten, pooling, Dropout)."""
    return {layer.name: [w.path for w in layer.weights] for layer in model.layers}


def snapshot(model: keras.Sequential) -> dict[str, np.ndarray]:
    """A copy of every weight, by path."""
    return {w.path: np.array(w.numpy(), copy=True) for w in model.weights}


def optimizer_step(model: keras.Sequential, images, labels,
                   learning_rate: float) -> list[str]:
    """One Keras training step, as ``fit`` takes it: RMSprop on binary cross-entropy.

    Uses ``train_on_batch``, so Keras itself decides which weights the optimizer
    sees (``trainable_weights``). Returns the warnings Keras raised, as text.
    """
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate),
                  loss="binary_crossentropy", jit_compile=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.train_on_batch(images, labels)
    return list(dict.fromkeys(str(w.message) for w in caught))  # unique, in order


def pre_activation(model: keras.Sequential, hidden: np.ndarray) -> np.ndarray:
    """z = h @ W + b of Dense(1024): its input before the ReLU, (batch, 1024)."""
    kernel, bias = (w.numpy() for w in model.get_layer("dense_1024").weights)
    return hidden @ kernel + bias


def activation_orders(z: np.ndarray, rate: float, seed: int, activation: str
                      ) -> tuple[np.ndarray, np.ndarray, bool]:
    """``act(dropout(z))`` and ``dropout(act(z))`` with the same Keras mask.

    Two Keras Dropout layers built with the same seed draw the same first mask;
    a third and fourth pair, applied to ones, confirm it (returned as ``same_mask``).

    Returns:
        (dropout before activation, dropout after activation, same_mask)
    """
    act = keras.activations.get(activation)

    def drop(x):
        return keras.layers.Dropout(rate, seed=seed)(x, training=True)

    before = act(drop(tf.constant(z))).numpy()
    after = drop(act(tf.constant(z))).numpy()
    ones = tf.ones_like(tf.constant(z))
    same_mask = bool(np.array_equal(drop(ones).numpy(), drop(ones).numpy()))
    return before, after, same_mask
