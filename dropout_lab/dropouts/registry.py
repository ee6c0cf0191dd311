"""The one ``--layer`` registry: every dropout implementation a command can take, by name.

A ``--layer`` value is one of:

- a built-in name (``BUILTIN``): Keras's and TensorFlow's layers and
  functions, dropout-lab's own Keras layers (``vanilla``, ``uniform``) and
  its NumPy references (``numpy-vanilla``, ``numpy-inverted``);
- a short alias (``ALIASES``): ``keras`` is ``keras.layers.Dropout``;
- ``MODULE:CLASS``, a Keras layer of the user's (see ``dropout_lab.dropouts.plugins``).

Importing this module is cheap (no TensorFlow, no Keras, no NumPy): names are
checked in microseconds, so a bad ``--layer`` is reported before any import.
Building an implementation happens in ``dropout_lab.dropouts.appliers``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dropout_lab.core.errors import ConfigError

#: What the toy net's commands (train, reload, compare) can put in a Keras model.
TOY = "toy"
#: What ``noise-shape`` can use: implementations that take a ``noise_shape`` argument.
NOISE_SHAPE = "noise-shape"


@dataclass(frozen=True)
class Implementation:
    """One implementation under test.

    Attributes:
        name: what ``--layer`` takes and tables show, e.g. ``tf.nn.dropout``.
        framework: ``keras``, ``tensorflow``, ``numpy`` or ``dropout-lab``.
        description: one line, for tables and ``--help``.
        rank: rank of the probe's input; the Spatial layers need 3, 4 and 5.
        takes_noise_shape: accepts a ``noise_shape`` argument.
        function: a function, not a layer: no inference mode of its own.
        rate_argument: the argument the rate is passed as (GaussianNoise: ``stddev``).
        noise: ``bernoulli`` (a 0/1 mask), ``channel`` (whole channels),
            ``continuous`` (multiplicative noise, nothing zeroed), ``alpha``
            (dropped entries set to a constant, affine correction) or
            ``additive`` (out = x + noise): what ``compare`` explains its verdict with.
        toy: usable in the toy net of train/reload/compare (a Keras layer, or a
            function wrapped in one, that works on (batch, features)).
    """

    name: str
    framework: str
    description: str
    rank: int = 3
    takes_noise_shape: bool = False
    function: bool = False
    rate_argument: str = "rate"
    noise: str = "bernoulli"
    toy: bool = True


_K, _TF, _LAB = "keras", "tensorflow", "dropout-lab"
BUILTIN: dict[str, Implementation] = {impl.name: impl for impl in (
    Implementation("keras.layers.Dropout", _K, "Keras's Dropout layer", takes_noise_shape=True),
    Implementation("keras.random.dropout", _K, "Keras's functional dropout",
                   takes_noise_shape=True, function=True),
    Implementation("tf.nn.dropout", _TF, "TensorFlow's stateful dropout op (S003)",
                   takes_noise_shape=True, function=True),
    Implementation("tf.nn.experimental.stateless_dropout", _TF,
                   "TensorFlow's stateless dropout op (what Keras calls)",
                   takes_noise_shape=True, function=True),
    Implementation("keras.layers.SpatialDropout1D", _K, "drops whole channels of (b, t, c)",
                   noise="channel", toy=False),
    Implementation("keras.layers.SpatialDropout2D", _K, "drops whole channels of (b, h, w, c)",
                   rank=4, noise="channel", toy=False),
    Implementation("keras.layers.SpatialDropout3D", _K,
                   "drops whole channels of (b, d, h, w, c)", rank=5, noise="channel", toy=False),
    Implementation("keras.layers.GaussianDropout", _K,
                   "multiplicative N(1, rate/(1-rate)) noise", noise="continuous"),
    Implementation("keras.layers.AlphaDropout", _K, "SELU-preserving dropout (affine)",
                   takes_noise_shape=True, noise="alpha"),
    Implementation("keras.layers.GaussianNoise", _K,
                   "additive N(0, stddev^2) noise, a non-dropout contrast (rate -> stddev)",
                   rate_argument="stddev", noise="additive"),
    Implementation("vanilla", _LAB, "dropout-lab's Keras vanilla dropout: mask in training, "
                                    "x keep at test (compare's positive control)"),
    Implementation("uniform", _LAB,
                   "dropout-lab's UniformDropout: x ~U(1-rate, 1+rate), identity at test",
                   takes_noise_shape=True, noise="continuous"),
    Implementation("numpy-vanilla", "numpy",
                   "dropout-lab's NumPy VanillaDropout (S001): x keep at test", toy=False),
    Implementation("numpy-inverted", "numpy",
                   "dropout-lab's NumPy InvertedDropout (S001): / keep in training", toy=False),
)}

#: Short names accepted wherever a built-in name is.
ALIASES = {"keras": "keras.layers.Dropout"}

_MODULE_CLASS = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def is_module_class(spec: str) -> bool:
    """True when ``spec`` looks like ``package.module:ClassName``."""
    return bool(_MODULE_CLASS.fullmatch(spec))


def known_names(purpose: str | None = None) -> list[str]:
    """Built-in names in the probe's default order; only those fit for ``purpose``."""
    return [name for name, impl in BUILTIN.items() if _fits(impl, purpose)]


def _fits(impl: Implementation, purpose: str | None) -> bool:
    if purpose == TOY:
        return impl.toy
    if purpose == NOISE_SHAPE:
        return impl.takes_noise_shape
    return True


def _accepted(purpose: str | None) -> str:
    names = [*ALIASES, *known_names(purpose)]
    if purpose == NOISE_SHAPE:
        return ("an implementation that takes noise_shape (" + ", ".join(names)
                + " or MODULE:CLASS with a noise_shape argument)")
    return "one of " + ", ".join(names) + " or MODULE:CLASS (a Keras layer of yours)"


def check_name(spec: str, purpose: str | None = None) -> str:
    """``spec`` if it names an implementation fit for ``purpose``, else a ConfigError.

    Args:
        spec: a ``--layer`` value.
        purpose: ``TOY``, ``NOISE_SHAPE`` or None (any implementation).

    Raises:
        ConfigError: unknown name, or a built-in that cannot serve ``purpose``
            (the message lists the accepted names).
    """
    name = ALIASES.get(spec, spec)
    if is_module_class(spec) or (name in BUILTIN and _fits(BUILTIN[name], purpose)):
        return spec
    why = ""
    if name in BUILTIN and purpose == TOY:
        why = f" ({name} cannot be the toy net's dropout layer: {_toy_reason(BUILTIN[name])})"
    raise ConfigError(f"Invalid value for `layer`: expected {_accepted(purpose)}. "
                      f"Received: layer={spec!r}{why}", param="layer")


def _toy_reason(impl: Implementation) -> str:
    if impl.framework == "numpy":
        return "a NumPy reference is not a Keras layer; its Keras twins are vanilla and keras"
    return f"it needs rank-{impl.rank} input and the toy net's is (batch, 100)"


def builtin(spec: str) -> Implementation | None:
    """The built-in entry a name or alias stands for (None for MODULE:CLASS)."""
    return BUILTIN.get(ALIASES.get(spec, spec))


def resolve(spec: str, purpose: str | None = None) -> Implementation:
    """The Implementation for a ``--layer`` value; MODULE:CLASS is imported (needs TF).

    Raises:
        ConfigError: unknown name, or a MODULE:CLASS that cannot be imported.
    """
    check_name(spec, purpose)
    found = builtin(spec)
    if found is not None:
        return found
    from dropout_lab.dropouts import plugins  # imports Keras and the user's module

    cls = plugins.import_layer_class(spec)
    params = plugins.init_parameters(cls)
    return Implementation(spec, _K, f"your layer {plugins.qualified_name(cls)}",
                          takes_noise_shape="noise_shape" in params)


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
