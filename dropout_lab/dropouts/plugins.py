"""Users' own dropout layers: ``--layer MODULE:CLASS``.

The class is imported with ``importlib`` from the import path (``PYTHONPATH``;
the current folder only when it is on it) and must be a ``keras.layers.Layer``
subclass. Importing it runs the user's module, which is the point of a plugin
and its risk: only names the user typed (or, for a run folder's recorded
layer, confirmed with ``--trust-layer``) are imported; see the README's
"Your own layer".

Imports Keras at module level: import this module only where a user's layer
is needed.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import keras

from dropout_lab.core.errors import ConfigError

_EXPECTED = ("MODULE:CLASS naming a Keras layer importable from PYTHONPATH (the current folder "
             "is searched only when it is on PYTHONPATH, e.g. PYTHONPATH=.)")


def import_layer_class(spec: str) -> type:
    """The Keras layer class ``spec`` (``module.sub:ClassName``) names.

    Raises:
        ConfigError: the module or class cannot be imported, or is not a layer class.
    """
    module_name, class_name = spec.split(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # a user's module may raise anything, even exit
        raise ConfigError(f"Invalid value for `layer`: expected {_EXPECTED}. Received: "
                          f"layer={spec!r} ({type(exc).__name__}: {exc})", param="layer") from exc
    if not (isinstance(cls, type) and issubclass(cls, keras.layers.Layer)):
        raise ConfigError(f"Invalid value for `layer`: expected {_EXPECTED}. Received: "
                          f"layer={spec!r}, which is {cls!r}, not a keras.layers.Layer subclass",
                          param="layer")
    return cls


def init_parameters(cls: type[Any]) -> set[str]:
    """Names of the arguments ``cls(...)`` takes."""
    return set(inspect.signature(cls.__init__).parameters)


def qualified_name(cls: type) -> str:
    """Public dotted name of a layer class, e.g. ``keras.layers.Dropout``."""
    if getattr(keras.layers, cls.__name__, None) is cls:
        return f"keras.layers.{cls.__name__}"  # not keras.src.layers.regularization...
    return f"{cls.__module__}.{cls.__qualname__}"
