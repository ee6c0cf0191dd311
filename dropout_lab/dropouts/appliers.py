"""Build the registry's implementations: Keras layers for the toy net, appliers for the probe.

``make_layer(spec, rate, seed)`` gives a Keras layer to put in a model
(train, reload, compare). ``build(impl, rate, seed, noise_shape)`` gives an
applier working on NumPy arrays (probe, noise-shape; the NumPy references
have theirs in ``numpy_ref``):

- ``train(x) -> (out, grad)``: one training-mode draw and, for the same
  draw, ``grad = d sum(out) / d x`` (for an element-wise multiplicative
  layer that is the multiplier of each entry, e.g. mask / keep); ``grad`` is
  None where the framework returns no gradient.
- ``test(x) -> out``: inference mode; None for a function (no inference mode).

A layer that rejects a rate raises its own exception from ``build`` or from
the first call; ``registry.describe_exception`` turns it into a behaviour string.
Imports TensorFlow and Keras at module level: import it only where they run.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from dropout_lab.core.errors import ConfigError, DropoutLabError, ExperimentError
from dropout_lab.core.tfenv import import_tf
from dropout_lab.dropouts import keras_layers, plugins, registry
from dropout_lab.dropouts.registry import Implementation

tf = import_tf()
import keras  # noqa: E402  (after the quiet TF import)


class Applier:
    """Applies one built TF/Keras implementation to NumPy arrays (see the module docstring)."""

    def __init__(self, call: Callable[[Any, bool], Any], function: bool):
        self._call, self.function = call, function  # call(x, training) on tf tensors

    def train(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        inputs = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            out = self._call(inputs, True)
        grad = tape.gradient(out, inputs)  # d sum(out) / d inputs
        return np.asarray(out), None if grad is None else np.asarray(grad)

    def test(self, x: np.ndarray) -> np.ndarray | None:
        return None if self.function else np.asarray(self._call(tf.constant(x), False))


def build(impl: Implementation, rate: float, seed: int,
          noise_shape: tuple[int | None, ...] | None = None) -> Applier:
    """Build a TF/Keras ``impl`` at ``rate``; the implementation's own exception propagates.

    (The NumPy references are built by ``numpy_ref.applier``, with no TF.)
    """
    if impl.function:
        return Applier(_function(impl.name, rate, seed, noise_shape), function=True)
    options = dict(impl.options)  # a variant's own arguments, e.g. its noise_shape
    noise_shape = options.pop("noise_shape", noise_shape)
    layer = _construct(layer_class(impl.name.split("[")[0]), impl.rate_argument, rate, seed,
                       noise_shape, **options)
    return Applier(lambda x, training: layer(x, training=training), function=False)


def layer_class(spec: str) -> type:
    """The Keras layer class of a layer's ``--layer`` value (not a function's)."""
    name = registry.ALIASES.get(spec, spec)
    if name == "uniform":
        return keras_layers.UniformDropout
    if name == "vanilla":
        return keras_layers.VanillaDropout
    if name.startswith("keras.layers."):
        return getattr(keras.layers, name.rsplit(".", 1)[1])
    return plugins.import_layer_class(spec)


def _construct(cls: type, rate_argument: str, rate: float, seed: int | None,
               noise_shape: tuple[int | None, ...] | None, **extra: Any):
    params = plugins.init_parameters(cls)
    kwargs: dict[str, Any] = {rate_argument: rate, **extra}
    if "seed" in params:
        kwargs["seed"] = seed
    if noise_shape is not None:
        kwargs["noise_shape"] = noise_shape
    return cls(**kwargs)


def _function(name: str, rate: float, seed: int, noise_shape) -> Callable[[Any, bool], Any]:
    if name == "keras.random.dropout":
        generator = keras.random.SeedGenerator(seed)
        return lambda x, training: keras.random.dropout(x, rate, noise_shape, seed=generator)
    if name == "tf.nn.dropout":
        return lambda x, training: tf.nn.dropout(x, rate, noise_shape, seed=seed)
    counter = itertools.count()  # stateless: a fresh (seed, counter) pair per call
    return lambda x, training: tf.nn.experimental.stateless_dropout(
        x, rate, seed=[seed, next(counter)], noise_shape=noise_shape)


def make_layer(spec: str, rate: float, seed: int | None, name: str = "dropout"):
    """The toy net's dropout layer: ``spec`` at drop rate ``rate``, named ``name``.

    A class is called as ``CLASS(rate=rate, name=name)``, plus ``seed=seed``
    when its constructor takes one (GaussianNoise gets ``stddev=rate``); a
    function is wrapped in ``keras_layers.FunctionDropout``.

    Raises:
        ConfigError: the class cannot be imported, or rejects the arguments
            (its own message is quoted: the layer's rate range is the layer's own).
    """
    impl = registry.resolve(spec, registry.TOY)
    if impl.function:
        return keras_layers.FunctionDropout(impl.name, rate, seed, name=name)
    cls = layer_class(spec)
    try:
        return _construct(cls, impl.rate_argument, rate, seed, None, name=name)
    except ValueError as exc:
        raise ConfigError(f"Invalid value for `rate`: {plugins.qualified_name(cls)} rejects it "
                          f"({exc}). Received: rate={rate!r}", param="rate") from exc
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # a user's constructor may raise anything
        raise ConfigError(f"Invalid value for `layer`: expected a class constructible as "
                          f"CLASS(rate=..., name=...). Received: layer={spec!r} "
                          f"({type(exc).__name__}: {exc})", param="layer") from exc


@contextlib.contextmanager
def layer_errors(spec: str, stage: str) -> Iterator[None]:
    """Report any failure of the layer ``spec`` during ``stage`` as one ExperimentError.

    A user's layer may raise anything, SystemExit included; Ctrl-C and the
    library's own errors pass through unchanged.
    """
    try:
        yield
    except (KeyboardInterrupt, GeneratorExit, DropoutLabError):
        raise
    except BaseException as exc:  # noqa: BLE001  (see the docstring)
        raise ExperimentError(f"The dropout layer {spec} failed {stage}: "
                              f"{type(exc).__name__}: {registry.exception_message(exc)}"
                              ) from None


def public_name(layer) -> str:
    """What a built layer is, for tables: ``keras.layers.Dropout``, ``tf.nn.dropout``..."""
    if isinstance(layer, keras_layers.FunctionDropout):
        return layer.function
    return plugins.qualified_name(type(layer))


def framework_version(framework: str) -> str:
    """``tf.__version__`` or ``keras.__version__``, for a TF-side framework name."""
    return tf.__version__ if framework == "tensorflow" else keras.__version__
