"""Dropout layers under test: Keras's own, the project's references, users' own.

Imports Keras at module level: import this module only inside commands that
run TensorFlow.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from typing import Any

import keras

from dropout_lab.errors import ConfigError
from dropout_lab.layerspec import TOY_LAYERS, check_layer_spec


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


def _import_class(spec: str) -> type:
    module_name, class_name = spec.split(":")
    expected = "MODULE:CLASS naming a Keras layer importable from the current folder or PYTHONPATH"
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except Exception as exc:  # any failure inside the user's module is reported, not raised
        raise ConfigError(f"Invalid value for `layer`: expected {expected}. Received: "
                          f"layer={spec!r} ({type(exc).__name__}: {exc})", param="layer") from exc
    if not (isinstance(cls, type) and issubclass(cls, keras.layers.Layer)):
        raise ConfigError(f"Invalid value for `layer`: expected {expected}. Received: "
                          f"layer={spec!r}, which is {cls!r}, not a keras.layers.Layer subclass",
                          param="layer")
    return cls


def layer_class(spec: str) -> type:
    """The class a ``--layer`` value names (``keras``, ``vanilla`` or MODULE:CLASS)."""
    check_layer_spec(spec, TOY_LAYERS)
    return {"keras": keras.layers.Dropout, "vanilla": VanillaDropout}.get(spec) or \
        _import_class(spec)


def qualified_name(cls: type) -> str:
    """Public dotted name of a layer class, e.g. ``keras.layers.Dropout``."""
    if getattr(keras.layers, cls.__name__, None) is cls:
        return f"keras.layers.{cls.__name__}"  # not keras.src.layers.regularization...
    return f"{cls.__module__}.{cls.__qualname__}"


def make_layer(spec: str, rate: float, seed: int | None, name: str = "dropout"):
    """Construct the dropout layer ``spec`` with drop rate ``rate``.

    The class is called as ``CLASS(rate=rate, name=name)``, plus ``seed=seed``
    when its constructor takes a ``seed``.

    Raises:
        ConfigError: the class cannot be imported, or rejects the arguments
            (its own message is quoted: the layer's rate range is the layer's own).
    """
    cls = layer_class(spec)
    kwargs: dict[str, Any] = {"rate": rate, "name": name}
    if "seed" in inspect.signature(cls.__init__).parameters:
        kwargs["seed"] = seed
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise ConfigError(f"Invalid value for `rate`: {qualified_name(cls)} rejects it "
                          f"({exc}). Received: rate={rate!r}", param="rate") from exc
    except Exception as exc:  # a user's constructor may raise anything
        raise ConfigError(f"Invalid value for `layer`: expected a class constructible as "
                          f"CLASS(rate=..., name=...). Received: layer={spec!r} "
                          f"({type(exc).__name__}: {exc})", param="layer") from exc


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
                          for want, size in zip(self.noise_shape, shape))
        multiplier = keras.random.uniform(shape, minval=1.0 - self.rate, maxval=1.0 + self.rate,
                                          dtype=inputs.dtype, seed=self.seed_generator)
        return inputs * multiplier

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}
