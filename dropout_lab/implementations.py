"""The dropout implementations ``probe`` and ``noise-shape`` measure, by name.

Importing this module is cheap (no TensorFlow, no Keras): each entry's
builder imports its framework when called, so ``--layer`` names are checked
in milliseconds. ``build(name, rate, seed, noise_shape)`` returns an
``Applier`` working on NumPy arrays:

- ``train(x) -> (out, grad)``: one training-mode draw and, for the same
  draw, ``grad = d sum(out) / d x`` (for an element-wise multiplicative
  layer that is the multiplier of each entry, e.g. mask / keep); ``grad`` is
  None where the framework returns no gradient.
- ``test(x) -> out``: inference mode. Functions (``tf.nn.dropout``,
  ``keras.random.dropout`` ...) have no inference mode: a caller skips them,
  so ``Implementation.function`` is True and ``test`` returns None.

A layer that rejects a rate raises its own exception from ``build`` or from
the first call; ``describe_exception`` turns it into a behaviour string.
"""

from __future__ import annotations

import inspect
import itertools
import re
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from dropout_lab.errors import ConfigError
from dropout_lab.layerspec import is_module_class


@dataclass(frozen=True)
class Implementation:
    """One implementation under test.

    Attributes:
        name: what ``--layer`` takes and rows show, e.g. ``tf.nn.dropout``.
        framework: ``keras``, ``tensorflow``, ``numpy`` or ``dropout-lab``.
        description: one line, for tables and ``--help``.
        rank: rank of the probe's input; the Spatial layers need 3, 4 and 5.
        takes_noise_shape: accepts a ``noise_shape`` argument.
        function: a function, not a layer: no inference mode.
        rate_argument: the argument the probe's rate is passed as.
    """

    name: str
    framework: str
    description: str
    rank: int = 3
    takes_noise_shape: bool = False
    function: bool = False
    rate_argument: str = "rate"

    def version(self) -> str:
        """Version of the framework this implementation comes from."""
        return framework_version(self.framework)


class Applier:
    """Applies one built implementation to NumPy arrays (see the module docstring)."""

    def __init__(self, call: Callable[[Any, bool], Any], function: bool):
        self._call, self.function = call, function  # call(x, training) on tf tensors

    def train(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        from dropout_lab.tfenv import import_tf

        tf = import_tf()
        inputs = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            out = self._call(inputs, True)
        grad = tape.gradient(out, inputs)  # d sum(out) / d inputs
        return np.asarray(out), None if grad is None else np.asarray(grad)

    def test(self, x: np.ndarray) -> np.ndarray | None:
        from dropout_lab.tfenv import import_tf

        return None if self.function else np.asarray(self._call(import_tf().constant(x), False))


class NumpyApplier:
    """Applier for the NumPy references: ``backward(ones)`` is the gradient."""

    function = False

    def __init__(self, layer):
        self.layer = layer

    def train(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = self.layer.forward(x, training=True)
        return out, self.layer.backward(np.ones_like(x))

    def test(self, x: np.ndarray) -> np.ndarray:
        return self.layer.forward(x, training=False)


_K, _TF = "keras", "tensorflow"
BUILTIN: dict[str, Implementation] = {impl.name: impl for impl in (
    Implementation("keras.layers.Dropout", _K, "Keras's Dropout layer", takes_noise_shape=True),
    Implementation("keras.random.dropout", _K, "Keras's functional dropout",
                   takes_noise_shape=True, function=True),
    Implementation("tf.nn.dropout", _TF, "TensorFlow's stateful dropout op (seed 003)",
                   takes_noise_shape=True, function=True),
    Implementation("tf.nn.experimental.stateless_dropout", _TF,
                   "TensorFlow's stateless dropout op (what Keras calls)",
                   takes_noise_shape=True, function=True),
    Implementation("keras.layers.SpatialDropout1D", _K, "drops whole channels of (b, t, c)"),
    Implementation("keras.layers.SpatialDropout2D", _K, "drops whole channels of (b, h, w, c)",
                   rank=4),
    Implementation("keras.layers.SpatialDropout3D", _K,
                   "drops whole channels of (b, d, h, w, c)", rank=5),
    Implementation("keras.layers.GaussianDropout", _K,
                   "multiplicative N(1, rate/(1-rate)) noise"),
    Implementation("keras.layers.AlphaDropout", _K, "SELU-preserving dropout (affine)",
                   takes_noise_shape=True),
    Implementation("keras.layers.GaussianNoise", _K,
                   "additive N(0, stddev^2) noise, a non-dropout contrast (rate -> stddev)",
                   rate_argument="stddev"),
    Implementation("numpy-vanilla", "numpy",
                   "dropout-lab's NumPy VanillaDropout (seed 001): x keep at test"),
    Implementation("numpy-inverted", "numpy",
                   "dropout-lab's NumPy InvertedDropout (seed 001): / keep in training"),
    Implementation("uniform", "dropout-lab",
                   "dropout-lab's UniformDropout: x ~U(1-rate, 1+rate), identity at test",
                   takes_noise_shape=True),
)}


def known_names() -> list[str]:
    """The built-in names, in the probe's default order."""
    return list(BUILTIN)


def check_name(spec: str) -> str:
    """``spec`` if it is a built-in name or MODULE:CLASS, else a ConfigError listing the names."""
    if spec in BUILTIN or is_module_class(spec):
        return spec
    raise ConfigError("Invalid value for `layer`: expected one of " + ", ".join(BUILTIN)
                      + f" or MODULE:CLASS (a Keras layer of yours). Received: layer={spec!r}",
                      param="layer")


def resolve(spec: str) -> Implementation:
    """The Implementation for a name; MODULE:CLASS is imported (needs TF) and checked.

    Raises:
        ConfigError: unknown name, or a MODULE:CLASS that cannot be imported.
    """
    check_name(spec)
    if spec in BUILTIN:
        return BUILTIN[spec]
    from dropout_lab.tfenv import import_tf

    import_tf()
    from dropout_lab import layers

    cls = layers.layer_class(spec)
    params = inspect.signature(cls.__init__).parameters
    return Implementation(spec, "keras", f"your layer {layers.qualified_name(cls)}",
                          takes_noise_shape="noise_shape" in params)


def framework_version(framework: str) -> str:
    """``keras.__version__`` and the like, for a framework name."""
    if framework == "numpy":
        return np.__version__
    if framework == "dropout-lab":
        from dropout_lab import __version__

        return __version__
    from dropout_lab.tfenv import import_tf

    tf = import_tf()
    if framework == "tensorflow":
        return tf.__version__
    import keras

    return keras.__version__


def row_seed(seed: int, name: str, rate: float) -> int:
    """A seed for one (implementation, rate), the same whichever others are probed."""
    words = [seed, zlib.crc32(name.encode()), zlib.crc32(repr(float(rate)).encode())]
    return int(np.random.SeedSequence(words).generate_state(1)[0] >> 1)


def build(impl: Implementation, rate: float, seed: int,
          noise_shape: tuple[int | None, ...] | None = None):
    """Build ``impl`` at ``rate``; the layer's own exception propagates (see module doc)."""
    if impl.framework == "numpy":
        from dropout_lab import numpy_ref

        vanilla = impl.name == "numpy-vanilla"
        cls = numpy_ref.VanillaDropout if vanilla else numpy_ref.InvertedDropout
        return NumpyApplier(cls(rate, np.random.default_rng(seed)))
    from dropout_lab.tfenv import import_tf

    import_tf()
    if impl.function:
        return Applier(_function(impl.name, rate, seed, noise_shape), function=True)
    layer = _construct(_layer_class(impl.name), impl.rate_argument, rate, seed, noise_shape)
    return Applier(lambda x, training: layer(x, training=training), function=False)


def _layer_class(name: str) -> type:
    import keras

    from dropout_lab import layers

    if name == "uniform":
        return layers.UniformDropout
    if name.startswith("keras.layers."):
        return getattr(keras.layers, name.rsplit(".", 1)[1])
    return layers.layer_class(name)


def _construct(cls: type, rate_argument: str, rate: float, seed: int,
               noise_shape: tuple[int | None, ...] | None):
    params = inspect.signature(cls.__init__).parameters
    kwargs: dict[str, Any] = {rate_argument: rate}
    if "seed" in params:
        kwargs["seed"] = seed
    if noise_shape is not None:
        kwargs["noise_shape"] = noise_shape
    return cls(**kwargs)


def _function(name: str, rate: float, seed: int, noise_shape) -> Callable[[Any, bool], Any]:
    import keras
    import tensorflow as tf

    if name == "keras.random.dropout":
        generator = keras.random.SeedGenerator(seed)
        return lambda x, training: keras.random.dropout(x, rate, noise_shape, seed=generator)
    if name == "tf.nn.dropout":
        return lambda x, training: tf.nn.dropout(x, rate, noise_shape, seed=seed)
    counter = itertools.count()  # stateless: a fresh (seed, counter) pair per call
    return lambda x, training: tf.nn.experimental.stateless_dropout(
        x, rate, seed=[seed, next(counter)], noise_shape=noise_shape)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def exception_message(exc: BaseException) -> str:
    """The first line of what an exception says, without Keras's call wrapper or colours."""
    text = _ANSI.sub("", str(exc)).strip()
    if text.startswith("Exception encountered when calling"):
        # Keras wraps call() errors: the original message is the second paragraph
        parts = [p.strip() for p in text.split("\n\n") if p.strip()]
        text = parts[1] if len(parts) > 1 else text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else ""


def describe_exception(exc: BaseException) -> str:
    """``raises ValueError: <the layer's message>``."""
    return f"raises {type(exc).__name__}: {exception_message(exc)}"
