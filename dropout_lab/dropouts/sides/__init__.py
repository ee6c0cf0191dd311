"""Which module builds a worker's implementations (each imports its framework)."""

from __future__ import annotations

from types import ModuleType

from dropout_lab.dropouts.registry import Implementation


def module(worker: str | None) -> ModuleType:
    """The ``*_side`` module of a worker kind (imported here, late: it imports a framework);
    Keras's for ``None`` or ``"tensorflow"``."""
    if worker == "torch":
        from dropout_lab.dropouts.sides import torch_side

        return torch_side
    if worker == "jax":
        from dropout_lab.dropouts.sides import jax_side

        return jax_side
    from dropout_lab.dropouts.sides import keras_side

    return keras_side


def framework_version(impl: Implementation) -> str:
    """The version of the framework ``impl`` belongs to (``keras[jax]`` -> Keras's)."""
    versions = module(impl.worker).version()
    name = impl.framework.split("[")[0]
    return versions.get(name, next(iter(versions.values())))
