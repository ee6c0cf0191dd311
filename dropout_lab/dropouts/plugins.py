"""Users' own dropout layers: ``--layer MODULE:CLASS``.

The class is imported with ``importlib`` from the current folder or
``PYTHONPATH`` and must be a ``keras.layers.Layer`` subclass. Importing it
runs the user's module, which is the point of a plugin and its risk: only
names the user typed are imported (see the README's "Your own layer").

Imports Keras at module level: import this module only where a user's layer
is needed.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys

import keras

from dropout_lab.core.errors import ConfigError

_EXPECTED = "MODULE:CLASS naming a Keras layer importable from the current folder or PYTHONPATH"


def import_layer_class(spec: str) -> type:
    """The Keras layer class ``spec`` (``module.sub:ClassName``) names.

    Raises:
        ConfigError: the module or class cannot be imported, or is not a layer class.
    """
    module_name, class_name = spec.split(":")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a user's module may raise anything, even exit)
        raise ConfigError(f"Invalid value for `layer`: expected {_EXPECTED}. Received: "
                          f"layer={spec!r} ({type(exc).__name__}: {exc})", param="layer") from exc
    if not (isinstance(cls, type) and issubclass(cls, keras.layers.Layer)):
        raise ConfigError(f"Invalid value for `layer`: expected {_EXPECTED}. Received: "
                          f"layer={spec!r}, which is {cls!r}, not a keras.layers.Layer subclass",
                          param="layer")
    return cls


def init_parameters(cls: type) -> set[str]:
    """Names of the arguments ``cls(...)`` takes."""
    return set(inspect.signature(cls.__init__).parameters)


def qualified_name(cls: type) -> str:
    """Public dotted name of a layer class, e.g. ``keras.layers.Dropout``."""
    if getattr(keras.layers, cls.__name__, None) is cls:
        return f"keras.layers.{cls.__name__}"  # not keras.src.layers.regularization...
    return f"{cls.__module__}.{cls.__qualname__}"
