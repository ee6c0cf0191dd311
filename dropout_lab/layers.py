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
