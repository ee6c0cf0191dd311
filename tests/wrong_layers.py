"""Deliberately wrong dropout layers: ``probe`` and ``noise-shape`` must name each defect.

Importable as MODULE:CLASS (``wrong_layers:NeverRescales``) because pytest
puts ``tests/`` on sys.path. Each is correct inverted dropout except for the
one defect its name says.
"""

import keras


class _Masked(keras.layers.Layer):
    """Shared parts: rate, keep = 1 - rate, a seeded generator, a 0/1 mask."""

    def __init__(self, rate, seed=None, noise_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.keep = rate, 1.0 - rate
        self.noise_shape = noise_shape
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _mask(self, shape, keep_prob, dtype):
        # (shape): 1 with probability keep_prob, else 0
        uniform = keras.random.uniform(shape, seed=self.seed_generator)
        return keras.ops.cast(uniform < keep_prob, dtype)

    def compute_output_shape(self, input_shape):
        return input_shape


class KeepsWithRate(_Masked):
    """Seed 003's reading of tf.nn.dropout: keeps each entry with probability ``rate``."""

    def call(self, inputs, training=False):
        if not training:
            return inputs
        return inputs * self._mask(keras.ops.shape(inputs), self.rate, inputs.dtype) / self.rate


class NeverRescales(_Masked):
    """Masks in training, never rescales (neither 1/keep in training nor keep at test)."""

    def call(self, inputs, training=False):
        if not training:
            return inputs
        return inputs * self._mask(keras.ops.shape(inputs), self.keep, inputs.dtype)


class RescalesTwice(_Masked):
    """Divides kept entries by keep twice in training (x 1/keep^2)."""

    def call(self, inputs, training=False):
        if not training:
            return inputs
        mask = self._mask(keras.ops.shape(inputs), self.keep, inputs.dtype)
        return inputs * mask / self.keep / self.keep


class SharesMaskAcrossBatch(_Masked):
    """Draws one mask of shape (1, ...) and applies it to every sample of the batch."""

    def call(self, inputs, training=False):
        if not training:
            return inputs
        shape = (1, *keras.ops.shape(inputs)[1:])
        return inputs * self._mask(shape, self.keep, inputs.dtype) / self.keep


class IgnoresNoiseShape(_Masked):
    """Accepts ``noise_shape`` but draws an independent mask per entry anyway."""

    def call(self, inputs, training=False):
        if not training:
            return inputs
        return inputs * self._mask(keras.ops.shape(inputs), self.keep, inputs.dtype) / self.keep
