"""Names of the dropout implementations the toy experiments accept (no TF import).

``--layer`` takes a built-in name or ``MODULE:CLASS``, a user's Keras layer
importable from the current folder or PYTHONPATH. The format is checked here,
cheaply; importing and constructing happens in ``dropout_lab.layers``.
"""

from __future__ import annotations

import re

from dropout_lab.errors import invalid_value

#: Built-in implementations for train/reload/compare, with what they are.
TOY_LAYERS = {
    "keras": "keras.layers.Dropout (Keras's own layer)",
    "vanilla": "dropout-lab's reference vanilla dropout: mask in training, x keep at test",
}

_MODULE_CLASS = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def is_module_class(spec: str) -> bool:
    """True when ``spec`` looks like ``package.module:ClassName``."""
    return bool(_MODULE_CLASS.fullmatch(spec))


def check_layer_spec(spec: str, known: dict[str, str] = TOY_LAYERS, name: str = "layer") -> str:
    """Return ``spec`` if it names a known layer or has the MODULE:CLASS form.

    Raises:
        ConfigError: otherwise, listing the accepted names.
    """
    if spec in known or is_module_class(spec):
        return spec
    raise invalid_value(name, "one of " + ", ".join(known) + " or MODULE:CLASS", spec)
