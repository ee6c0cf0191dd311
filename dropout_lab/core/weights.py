"""Model weights as plain HDF5 arrays, written and read with h5py.

Format (``format = "dropout-lab.weights"``, version 1): one group per layer
name, one float dataset per variable (``dense_in/kernel``), root attributes
for the run (rate, layer kind, seed, framework versions).

Writing builds the file in memory (h5py's core driver, no backing store) and
writes its bytes with the same atomic write as every other file, so a full
disk is one clean error, never a half-written file or a crash inside libhdf5.

Reading treats the file as untrusted data: a regular file only; arrays
only, never code or configs; and before a byte of data is read, every
dataset the model needs is checked to be a plain dataset stored in the file
itself (no external storage, external or soft links, or virtual datasets,
which could pull bytes from elsewhere on the machine) whose declared dtype
and shape match the model's variable. Every variable must be matched by name
and shape: nothing is skipped silently (the Keras 3
``load_weights(by_name=True)`` pitfall).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from dropout_lab.core.atomic import atomic_write_bytes
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.files import UnsafeFile, check_regular

FORMAT = "dropout-lab.weights"
FORMAT_VERSION = 1
MAX_ATTRS_BYTES = 1 << 20  # run attributes: a few hundred bytes


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


def to_bytes(model, attrs: dict[str, Any]) -> bytes:
    """The HDF5 file of every variable of ``model``, built in memory.

    Args:
        model: a built Keras model with uniquely named layers.
        attrs: run attributes stored on the root; non-scalars are JSON-encoded.
    """
    variables = model_variables(model)
    arrays = {key: np.asarray(variable.numpy()) for key, variable in variables.items()}
    classes = {layer.name: type(layer).__name__ for layer in model.layers}
    return arrays_to_bytes(arrays, attrs, classes)


def arrays_to_bytes(arrays: dict[str, np.ndarray], attrs: dict[str, Any],
                    classes: dict[str, str] | None = None) -> bytes:
    """The HDF5 file of named arrays, built in memory: ``to_bytes`` for any framework.

    The file is the one ``to_bytes`` writes for a Keras model with the same
    variables (same format, groups and datasets), so ``read_arrays`` and
    ``load`` read it whichever framework trained the weights.

    Args:
        arrays: ``layer_name/variable_name`` -> a numeric array, in Keras's
            layout (a Dense kernel is (in, out)); written in this order.
        attrs: run attributes stored on the root; non-scalars are JSON-encoded.
        classes: layer name -> the class that held it (the group's ``class_name``).

    Raises:
        ExperimentError: a key is not ``layer/variable`` or an array is not numeric.
    """
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        handle.attrs["format"] = FORMAT
        handle.attrs["format_version"] = FORMAT_VERSION
        for key, value in attrs.items():
            scalar = isinstance(value, (str, int, float, bool))
            handle.attrs[key] = value if scalar else json.dumps(value)
        for key, array in arrays.items():
            layer_name, _, variable_name = key.partition("/")
            array = np.asarray(array)
            if not (layer_name and variable_name) or "/" in variable_name:
                raise ExperimentError(f"Cannot save `{key}` by name: expected "
                                      "`layer_name/variable_name`.")
            if array.dtype.kind not in "fiu":
                raise ExperimentError(f"Cannot save `{key}`: it holds {array.dtype} data; only "
                                      "numeric arrays are saved.")
            group = handle.require_group(layer_name)
            if classes and layer_name in classes:
                group.attrs["class_name"] = classes[layer_name]
            group.create_dataset(variable_name, data=array)
    return buffer.getvalue()


def save(model, path: Path, attrs: dict[str, Any]) -> None:
    """Write the weights file of ``model`` to ``path``, atomically."""
    atomic_write_bytes(path, to_bytes(model, attrs))


def snapshot(model) -> dict[str, Any]:
    """The model's weights as plain arrays, to write elsewhere (another process, a Ray driver).

    Returns:
        ``{"arrays": {layer/variable: array}, "classes": {layer: class name}}``;
        ``save_snapshot`` writes from it the very file ``save`` writes from the model.
    """
    arrays = {key: np.asarray(variable.numpy()) for key, variable in
              model_variables(model).items()}
    return {"arrays": arrays, "classes": {layer.name: type(layer).__name__
                                          for layer in model.layers}}


def save_snapshot(weights: dict[str, Any], path: Path, attrs: dict[str, Any]) -> None:
    """Write a ``snapshot`` to ``path`` atomically, as ``save`` would have written its model."""
    atomic_write_bytes(path, arrays_to_bytes(weights["arrays"], attrs, weights["classes"]))


def _open(path: Path) -> h5py.File:
    try:
        check_regular(path)
    except UnsafeFile as exc:
        missing = "does not exist" in str(exc)
        raise ExperimentError(f"Cannot read weights file {path}: "
                              + ("the file is missing." if missing else f"{exc}.")) from None
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise ExperimentError(f"Cannot read weights file {path}: not a readable HDF5 file "
                              f"(truncated or another format: {exc}).") from None


def _root_attrs(handle: h5py.File, path: Path) -> dict[str, Any]:
    found = handle.attrs.get("format")
    if isinstance(found, bytes):
        found = found.decode(errors="replace")
    if not isinstance(found, str) or found != FORMAT:
        raise ExperimentError(f"{path} is not a dropout-lab weights file (its `format` "
                              f"attribute is {str(found)[:40]!r}, not {FORMAT!r}).")
    attrs = {}
    for key in handle.attrs:
        if handle.attrs.get_id(key).get_storage_size() > MAX_ATTRS_BYTES:
            raise ExperimentError(f"{path}: attribute `{key}` is larger than "
                                  f"{MAX_ATTRS_BYTES} bytes; not a dropout-lab weights file.")
        value = handle.attrs[key]
        attrs[key] = value.item() if isinstance(value, np.generic) else value
    return attrs


def _datasets(handle: h5py.File, path: Path) -> dict[str, h5py.Dataset]:
    """Every dataset of the file, each checked to be stored in the file itself."""
    found: dict[str, h5py.Dataset] = {}

    def visit(group: h5py.Group, prefix: str) -> None:
        for name in group:
            key = f"{prefix}{name}"
            link = group.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise ExperimentError(f"{path}: `{key}` is a {type(link).__name__}; a weights "
                                      "file holds its data itself, never a link.")
            item = group[name]
            if isinstance(item, h5py.Group):
                visit(item, key + "/")
            elif isinstance(item, h5py.Dataset):
                _check_storage(item, key, path)
                found[key] = item

    visit(handle, "")
    return found


def _check_storage(dataset: h5py.Dataset, key: str, path: Path) -> None:
    if dataset.is_virtual:
        raise ExperimentError(f"{path}: dataset `{key}` is virtual (its data lives in other "
                              "files); refused.")
    if dataset.id.get_create_plist().get_external_count() > 0:
        raise ExperimentError(f"{path}: dataset `{key}` keeps its data in external files; "
                              "refused.")
    if dataset.dtype.kind not in "fiu":
        raise ExperimentError(f"{path}: dataset `{key}` holds {dataset.dtype} data; "
                              f"only numeric arrays are accepted.")


def read_arrays(path: Path, expected: dict[str, tuple[int, ...]]) -> tuple[
        dict[str, np.ndarray], dict[str, Any]]:
    """Read the datasets named in ``expected``, after checking them all, and the root attrs.

    Args:
        expected: dataset name -> the shape it must have.

    Raises:
        ExperimentError: not HDF5, truncated, another format, a link or external
            storage, non-numeric data, or datasets that do not match ``expected``
            (checked from the declared shapes, before any data is read).
    """
    with _open(path) as handle:
        try:
            attrs = _root_attrs(handle, path)
            datasets = _datasets(handle, path)
            problems = _mismatches(datasets, expected)
            if problems:
                more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
                raise ExperimentError(f"Weights file {path} does not match the model: "
                                      + "; ".join(problems[:3]) + more + ".")
            arrays = {key: np.asarray(datasets[key][()]) for key in expected}
        except ExperimentError:
            raise
        except (OSError, RuntimeError, KeyError, ValueError) as exc:
            raise ExperimentError(f"Cannot read weights file {path}: damaged HDF5 data "
                                  f"({type(exc).__name__}: {exc}).") from None
    return arrays, attrs


def _mismatches(datasets: dict[str, h5py.Dataset], expected: dict[str, tuple[int, ...]]):
    problems = [f"the model's `{k}` is missing from the file" for k in expected
                if k not in datasets]
    problems += [f"the file's `{k}` has no place in the model"
                 for k in datasets if k not in expected]
    problems += [f"`{k}` has shape {datasets[k].shape} in the file but {shape} in the model"
                 for k, shape in expected.items()
                 if k in datasets and tuple(datasets[k].shape) != shape]
    return problems


def load(model, path: Path) -> dict[str, Any]:
    """Assign the weights in ``path`` to ``model``; every variable must match.

    Returns:
        The file's root attributes.

    Raises:
        ExperimentError: unreadable or unsafe file, or any variable missing, extra or
            of another shape (the message names the first few mismatches).
    """
    variables = model_variables(model)
    arrays, attrs = read_arrays(path, {k: tuple(v.shape) for k, v in variables.items()})
    for key, variable in variables.items():
        variable.assign(arrays[key].astype(variable.dtype))
    return attrs
