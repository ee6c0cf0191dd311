"""dropout-lab's own Keras dropout layers: the vanilla control, uniform noise, functions as layers.

Layer classes only; names are resolved by ``dropout_lab.dropouts.registry``,
which this module never imports. Imports Keras at module level: import it
only inside commands that run TensorFlow.
"""

from __future__ import annotations

from typing import Any

import keras


class VanillaDropout(keras.layers.Layer):
    """Vanilla (non-inverted) dropout: the positive control of ``compare``.

    Training: ``x * mask`` with ``mask ~ Bernoulli(keep_prob)`` per entry, no
    rescaling. Inference: ``x * keep_prob``. Expectations agree
    (E[x * mask] = keep_prob * x), but unlike inverted dropout the test-time
    network is not the identity.

    Args:
        rate: drop probability in [0, 1); ``keep_prob = 1 - rate``.
        seed: integer seed of the layer's mask generator.
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value in [0, 1). Received: rate={rate}")
        self.rate = float(rate)
        self.keep_prob = 1.0 - self.rate
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs * self.keep_prob
        # (same shape as inputs): 1 with probability keep_prob, else 0
        uniform = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator)
        mask = keras.ops.cast(uniform < self.keep_prob, inputs.dtype)
        return inputs * mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class UniformDropout(keras.layers.Layer):
    """Continuous (uniform) dropout, inverted-style: the project's choice, documented.

    Training: ``x * m`` with ``m ~ Uniform(1 - rate, 1 + rate)`` drawn per
    entry (or per ``noise_shape`` cell, broadcast like Keras's Dropout).
    Inference: the identity. Hence E[m] = 1, so E[out] = x exactly as for
    inverted Bernoulli dropout, and Var[m] = rate**2 / 3.

    Why this variance: ``rate`` stays a number in [0, 1] with the usual
    meaning of "how much noise", the multiplier never goes negative (its
    support is [1 - rate, 1 + rate] within [0, 2]), rate 0 is the identity,
    and rate 1 is the continuous-dropout paper's U(0, 1) mask divided by its
    mean 0.5 (i.e. the inverted form of that mask). Matching Bernoulli
    dropout's variance rate / (1 - rate) instead would need a half-width of
    sqrt(3 * rate / (1 - rate)) > 1 for rate > 1/4, i.e. sign-flipping
    multipliers. The ratio of the two variances, rate * (1 - rate) / 3, is
    what ``probe`` reports as this layer's variance ratio. Nothing is ever
    exactly zeroed: ``rate`` is not a drop probability here.

    Args:
        rate: half-width of the multiplier's support, in [0, 1].
        noise_shape: like Keras's Dropout: the shape of the multiplier
            tensor, broadcast to the input; ``None`` entries take the input's
            size at call time.
        seed: integer seed of the layer's generator.
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = keras.ops.shape(inputs)
        if self.noise_shape is not None:  # None entries resolved now, from the input
            shape = tuple(size if want is None else want
                          for want, size in zip(self.noise_shape, shape, strict=True))
        multiplier = keras.random.uniform(shape, minval=1.0 - self.rate, maxval=1.0 + self.rate,
                                          dtype=inputs.dtype, seed=self.seed_generator)
        return inputs * multiplier

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class FunctionDropout(keras.layers.Layer):
    """A functional dropout (``tf.nn.dropout`` and the like) as a layer of a Keras model.

    What a user writes to put a function in a model: the function in training,
    the identity at inference (a function has no inference mode of its own).

    Args:
        function: ``keras.random.dropout``, ``tf.nn.dropout`` or
            ``tf.nn.experimental.stateless_dropout``.
        rate: drop probability, passed to the function as is.
        seed: integer seed of the layer's generator.
    """

    FUNCTIONS = ("keras.random.dropout", "tf.nn.dropout", "tf.nn.experimental.stateless_dropout")

    def __init__(self, function: str, rate: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if function not in self.FUNCTIONS:
            raise ValueError(f"Invalid value received for argument `function`. Expected one of "
                             f"{self.FUNCTIONS}. Received: function={function!r}")
        self.function, self.rate, self.seed = function, rate, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        import tensorflow as tf

        if self.function == "keras.random.dropout":
            return keras.random.dropout(inputs, self.rate, seed=self.seed_generator)
        if self.function == "tf.nn.dropout":
            return tf.nn.dropout(inputs, self.rate, seed=self.seed)
        # stateless: a fresh (seed, counter) pair from the generator at every call
        seed = tf.cast(self.seed_generator.next(), tf.int64)[:2]
        return tf.nn.experimental.stateless_dropout(inputs, self.rate, seed=seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "function": self.function, "rate": self.rate,
                "seed": self.seed}
