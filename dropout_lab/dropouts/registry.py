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

import importlib.util
import re
from dataclasses import dataclass
from typing import Any

from dropout_lab.core.errors import ConfigError
from dropout_lab.core.tfenv import import_tf

#: What the toy net's commands (train, reload, compare) can put in a Keras model.
#: Rates at the edges (0, 1) and outside the valid range, probed for their behaviour.
EDGE_RATES = (0.0, 1.0, -0.1, 1.5, float("nan"))
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
        worker: the worker process that runs it (``dropout_lab.frameworks``):
            ``torch``, ``jax``, ``keras-jax`` or ``keras-torch``; None for the
            TensorFlow, Keras-on-TensorFlow and NumPy ones, which run in-process.
        options: extra constructor arguments of a variant, e.g. ``{"broadcast_dims": [1]}``.
        layout: names of the probe input's axes in the framework's own layout.
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
    worker: str | None = None
    options: tuple[tuple[str, Any], ...] = ()
    layout: str = "channels_last"  # or channels_first (PyTorch's (N, C, L...))


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

_T, _J = "torch", "jax"
#: Implementations of other frameworks, each run in its worker process; the extras
#: ``dropout-lab[torch]`` and ``dropout-lab[jax]`` install them.
FOREIGN: dict[str, Implementation] = {impl.name: impl for impl in (
    Implementation("torch.nn.Dropout", "torch", "PyTorch's Dropout module (p = drop)",
                   rate_argument="p", worker=_T, toy=False, layout="channels_first"),
    Implementation("torch.nn.functional.dropout", "torch",
                   "PyTorch's functional dropout, called as F.dropout(x, p): training=True "
                   "by default", rate_argument="p", function=True, worker=_T, toy=False,
                   layout="channels_first"),
    Implementation("torch.nn.Dropout1d", "torch", "zeroes whole channels of (N, C, L)",
                   rate_argument="p", noise="channel", worker=_T, toy=False,
                   layout="channels_first"),
    Implementation("torch.nn.Dropout2d", "torch", "zeroes whole channels of (N, C, H, W)",
                   rank=4, rate_argument="p", noise="channel", worker=_T, toy=False,
                   layout="channels_first"),
    Implementation("torch.nn.Dropout2d-on-3d", "torch",
                   "Dropout2d given a 3-D input (N, C, L), as users of Dropout1d's era do",
                   rate_argument="p", noise="channel", worker=_T, toy=False,
                   layout="channels_first"),
    Implementation("torch.nn.Dropout3d", "torch", "zeroes whole channels of (N, C, D, H, W)",
                   rank=5, rate_argument="p", noise="channel", worker=_T, toy=False,
                   layout="channels_first"),
    Implementation("torch.nn.AlphaDropout", "torch", "SELU-preserving dropout (affine)",
                   rate_argument="p", noise="alpha", worker=_T, toy=False,
                   layout="channels_first"),
    Implementation("torch.nn.FeatureAlphaDropout", "torch",
                   "alpha dropout of whole channels of (N, C, H, W)", rank=4,
                   rate_argument="p", noise="alpha", worker=_T, toy=False,
                   layout="channels_first"),
    Implementation("flax.nnx.Dropout", "flax", "Flax NNX's Dropout (rate = drop)", worker=_J,
                   toy=False),
    Implementation("flax.nnx.Dropout[broadcast_dims=(1,)]", "flax",
                   "Flax NNX's Dropout, mask broadcast along axis 1 (timesteps)", worker=_J,
                   toy=False, options=(("broadcast_dims", (1,)),)),
    Implementation("flax.linen.Dropout", "flax", "Flax Linen's Dropout (rate = drop)",
                   worker=_J, toy=False),
    Implementation("equinox.nn.Dropout", "equinox", "Equinox's Dropout (p = drop)",
                   rate_argument="p", worker=_J, toy=False),
    *(Implementation(f"keras.layers.{cls}@{backend}", f"keras[{backend}]",
                     f"Keras's {cls} on the {backend} backend", rank=rank, noise=noise,
                     takes_noise_shape=cls in ("Dropout", "AlphaDropout"), toy=False,
                     worker=f"keras-{backend}")
      for backend in ("jax", "torch")
      for cls, rank, noise in (("Dropout", 3, "bernoulli"), ("SpatialDropout1D", 3, "channel"),
                               ("SpatialDropout2D", 4, "channel"),
                               ("GaussianDropout", 3, "continuous"),
                               ("AlphaDropout", 3, "alpha"))),
)}
#: A noise_shape variant of Keras's Dropout, beside flax's broadcast_dims (shared axes).
BUILTIN["keras.layers.Dropout[noise_shape=(None,1,64)]"] = Implementation(
    "keras.layers.Dropout[noise_shape=(None,1,64)]", _K,
    "Keras's Dropout, one mask per sample shared over timesteps", toy=False,
    options=(("noise_shape", (None, 1, 64)),))

#: Short names accepted wherever a built-in name is.
ALIASES = {"keras": "keras.layers.Dropout"}

_MODULE_CLASS = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def is_module_class(spec: str) -> bool:
    """True when ``spec`` looks like ``package.module:ClassName``."""
    return bool(_MODULE_CLASS.fullmatch(spec))


def known_names(purpose: str | None = None) -> list[str]:
    """Built-in names in the probe's default order; only those fit for ``purpose``.

    Variants (``options``) and other frameworks' implementations are left out:
    ``frameworks`` probes those, and ``--layer`` takes them by name.
    """
    return [name for name, impl in BUILTIN.items() if _fits(impl, purpose) and not impl.options]


#: The extra that installs each worker's framework, and the modules it needs.
EXTRAS = {"torch": ("torch", ("torch",)), "jax": ("jax", ("jax", "flax", "equinox")),
          "keras-jax": ("jax", ("jax",)), "keras-torch": ("torch", ("torch",))}


def missing_framework(impl: Implementation) -> str | None:
    """None when ``impl`` can run here, else the one-line reason and the extra to install."""
    if impl.worker is None:
        return None
    extra, modules = EXTRAS[impl.worker]
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    if not absent:
        return None
    return (f"{impl.name} needs {', '.join(absent)}, which is not installed; install it with: "
            f"pip install 'dropout-lab[{extra}]'")


def _fits(impl: Implementation, purpose: str | None) -> bool:
    if purpose == TOY:
        return impl.toy
    if purpose == NOISE_SHAPE:
        return impl.takes_noise_shape
    return True


def _accepted(purpose: str | None) -> str:
    names = [*ALIASES, *known_names(purpose)]
    if purpose is None:
        names += [n for n, impl in BUILTIN.items() if impl.options] + list(FOREIGN)
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
    if name in FOREIGN and _fits(FOREIGN[name], purpose):
        missing = missing_framework(FOREIGN[name])
        if missing:
            raise ConfigError(f"Invalid value for `layer`: {missing}. Received: layer={spec!r}",
                              param="layer")
        return spec
    if is_module_class(spec) or (name in BUILTIN and _fits(BUILTIN[name], purpose)):
        return spec
    why, known = "", BUILTIN.get(name) or FOREIGN.get(name)
    if known is not None and purpose == TOY:
        why = f" ({name} cannot be the toy net's dropout layer: {_toy_reason(known)})"
    raise ConfigError(f"Invalid value for `layer`: expected {_accepted(purpose)}. "
                      f"Received: layer={spec!r}{why}", param="layer")


def _toy_reason(impl: Implementation) -> str:
    if impl.worker is not None:
        return "it is not a Keras layer on TensorFlow; compare --framework trains the toy net "\
               "in PyTorch or JAX"
    if impl.framework == "numpy":
        return "a NumPy reference is not a Keras layer; its Keras twins are vanilla and keras"
    return f"it needs rank-{impl.rank} input and the toy net's is (batch, 100)"


def builtin(spec: str) -> Implementation | None:
    """The built-in entry a name or alias stands for (None for MODULE:CLASS)."""
    name = ALIASES.get(spec, spec)
    return BUILTIN.get(name) or FOREIGN.get(name)


def known(name: str) -> Implementation:
    """The built-in entry of a name the code chose itself (a catalog's, a worker's answer).

    Raises:
        KeyError: ``name`` is no built-in implementation (a bug, not a user's error).
    """
    found = builtin(name)
    if found is None:
        raise KeyError(f"no built-in implementation {name!r}")
    return found


def resolve(spec: str, purpose: str | None = None) -> Implementation:
    """The Implementation for a ``--layer`` value; MODULE:CLASS is imported (needs TF).

    Raises:
        ConfigError: unknown name, or a MODULE:CLASS that cannot be imported.
    """
    check_name(spec, purpose)
    found = builtin(spec)
    if found is not None:
        return found
    import_tf()  # quietly and interruptibly, before plugins imports Keras
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
