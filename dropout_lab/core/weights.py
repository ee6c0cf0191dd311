"""Model weights as plain HDF5 arrays, written and read with h5py.

Format (``format = "dropout-lab.weights"``, version 1): one group per layer
name, one float dataset per variable (``dense_in/kernel``), root attributes
for the run (rate, layer kind, seed, framework versions). Loading reads arrays
only, never code or configs, and insists that every variable of the model is
matched by name and shape: nothing is skipped silently (the Keras 3
``load_weights(by_name=True)`` pitfall).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from dropout_lab.core.errors import ExperimentError

FORMAT = "dropout-lab.weights"
FORMAT_VERSION = 1


def model_variables(model) -> dict[str, Any]:
    """The model's saved variables keyed ``layer_name/variable_name``.

    ``layer.weights`` leaves out RNG state (Keras's ``SeedGenerator``), which
    belongs to the run, not to the model.
    """
    found: dict[str, Any] = {}
    for layer in model.layers:
        for variable in layer.weights:
            key = f"{layer.name}/{variable.name}"
            if key in found:
                raise ExperimentError(f"Layer `{layer.name}` has two variables named "
                                      f"`{variable.name}`; cannot save them by name.")
            found[key] = variable
    return found


def save(model, path: Path, attrs: dict[str, Any]) -> None:
    """Write every variable of ``model`` to a new HDF5 file at ``path``.

    Args:
        model: a built Keras model with uniquely named layers.
        path: destination (written as is: callers handle atomicity).
        attrs: run attributes stored on the root; non-scalars are JSON-encoded.
    """
    with h5py.File(path, "w") as handle:
        handle.attrs["format"] = FORMAT
        handle.attrs["format_version"] = FORMAT_VERSION
        for key, value in attrs.items():
            scalar = isinstance(value, (str, int, float, bool))
            handle.attrs[key] = value if scalar else json.dumps(value)
        for key, variable in model_variables(model).items():
            layer_name = key.split("/", 1)[0]
            group = handle.require_group(layer_name)
            group.attrs["class_name"] = type(model.get_layer(layer_name)).__name__
            group.create_dataset(variable.name, data=np.asarray(variable.numpy()))


def read_arrays(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read every dataset of a weights file as a NumPy array, and the root attrs.

    Raises:
        ExperimentError: not HDF5, truncated, another format, or non-numeric data.
    """
    try:
        with h5py.File(path, "r") as handle:
            if handle.attrs.get("format") != FORMAT:
                found = handle.attrs.get("format")
                raise ExperimentError(f"{path} is not a dropout-lab weights file "
                                      f"(its `format` attribute is {found!r}).")
            arrays: dict[str, np.ndarray] = {}
            handle.visititems(lambda name, obj: _collect(arrays, path, name, obj))
            attrs = {k: _plain(v) for k, v in handle.attrs.items()}
    except OSError as exc:
        raise ExperimentError(f"Cannot read weights file {path}: not a readable HDF5 file "
                              f"(truncated or another format: {exc}).") from exc
    return arrays, attrs


def _collect(arrays: dict[str, np.ndarray], path: Path, name: str, obj: Any) -> None:
    if not isinstance(obj, h5py.Dataset):
        return
    if obj.dtype.kind not in "fiu":
        raise ExperimentError(f"{path}: dataset `{name}` holds {obj.dtype} data; "
                              f"only numeric arrays are accepted.")
    arrays[name] = np.asarray(obj[()])


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def load(model, path: Path) -> dict[str, Any]:
    """Assign the weights in ``path`` to ``model``; every variable must match.

    Returns:
        The file's root attributes.

    Raises:
        ExperimentError: unreadable file, or any variable missing, extra or of
            another shape (the message names the first few mismatches).
    """
    arrays, attrs = read_arrays(path)
    variables = model_variables(model)
    problems = [f"the model's `{k}` is missing from the file" for k in variables if k not in arrays]
    problems += [f"the file's `{k}` has no place in the model"
                 for k in arrays if k not in variables]
    problems += [f"`{k}` has shape {arrays[k].shape} in the file but {tuple(v.shape)} in the model"
                 for k, v in variables.items() if k in arrays and arrays[k].shape != tuple(v.shape)]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ExperimentError(f"Weights file {path} does not match the model: "
                              + "; ".join(problems[:3]) + more + ".")
    for key, variable in variables.items():
        variable.assign(arrays[key].astype(variable.dtype))
    return attrs
