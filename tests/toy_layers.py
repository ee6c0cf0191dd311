"""Deliberately wrong dropout layers: ``compare`` must name each defect.

Importable as MODULE:CLASS (``toy_layers:ScaleTwice``) because pytest puts
``tests/`` on sys.path.
"""

import keras


class _Base(keras.layers.Layer):
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.keep = rate, 1.0 - rate
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _mask(self, inputs):
        uniform = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator)
        return keras.ops.cast(uniform < self.keep, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape


class ScaleTwice(_Base):
    """Scales by 1/keep in training AND by keep at test: test-time output is too small."""

    def call(self, inputs, training=False):
        return inputs * self._mask(inputs) / self.keep if training else inputs * self.keep


class ForgotToScale(_Base):
    """Masks in training but never rescales anywhere: test-time output is too large."""

    def call(self, inputs, training=False):
        return inputs * self._mask(inputs) if training else inputs


class OddScale(_Base):
    """Consistent (E[train] = test) but scales test by 0.7: neither inverted nor vanilla."""

    def call(self, inputs, training=False):
        return inputs * self._mask(inputs) * 0.7 / self.keep if training else inputs * 0.7


class NoSeed(keras.layers.Layer):
    """Correct inverted dropout whose constructor takes no ``seed`` argument."""

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs, training=False):
        return keras.random.dropout(inputs, self.rate) if training else inputs


class RejectsEverything(keras.layers.Layer):
    def __init__(self, rate, **kwargs):
        raise ValueError(f"this layer accepts no rate at all, got {rate}")


NOT_A_LAYER = 3


class SlightlyOff(_Base):
    """Inverted dropout whose training scale is 2 % too large (x 1.02 / keep): inconsistent."""

    def call(self, inputs, training=False):
        return inputs * self._mask(inputs) * 1.02 / self.keep if training else inputs


class KeepsWithRate(_Base):
    """Vanilla dropout keeping with probability ``rate`` (the rate/keep confusion): consistent,
    but x rate at test time, neither the identity nor x keep (except at 0.5)."""

    def call(self, inputs, training=False):
        if not training:
            return inputs * self.rate
        uniform = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator)
        return inputs * keras.ops.cast(uniform < self.rate, inputs.dtype)
