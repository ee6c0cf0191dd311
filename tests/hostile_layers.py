"""Plugin layers that misbehave after (or instead of) construction: each must give one clean line.

Importable as MODULE:CLASS (``hostile_layers:WrongShape``) because pytest puts
``tests/`` on sys.path.
"""

import sys

import keras


class _Base(keras.layers.Layer):
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def compute_output_shape(self, input_shape):
        return input_shape


class WrongShape(_Base):
    """Returns half of its input's features."""

    def call(self, inputs, training=False):
        return inputs[:, :50]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 50)


class RaisesInCall(_Base):
    """Raises as soon as it is called."""

    def call(self, inputs, training=False):
        raise RuntimeError("this layer breaks when called")


class RaisesInTraining(_Base):
    """Fine at test time, raises in training mode."""

    def call(self, inputs, training=False):
        if training:
            raise ZeroDivisionError("training mode divides by zero")
        return inputs


class ExitsInInit(keras.layers.Layer):
    """Calls sys.exit from its constructor."""

    def __init__(self, rate, **kwargs):
        sys.exit(3)


class ExitsInCall(_Base):
    """Calls sys.exit when called."""

    def call(self, inputs, training=False):
        sys.exit(4)


class Prints(_Base):
    """Prints to stdout when built and called: must not spoil --json."""

    def __init__(self, rate, seed=None, **kwargs):
        print("Prints: constructed")
        super().__init__(rate, seed, **kwargs)

    def call(self, inputs, training=False):
        print("Prints: called")
        return keras.random.dropout(inputs, self.rate) if training else inputs


print("hostile_layers imported (this line goes to stdout)")
