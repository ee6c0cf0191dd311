"""The idx file format of MNIST (and Fashion-MNIST, KMNIST, ...), parsed with NumPy.

An idx file is a 4-byte magic number ``00 00 TT NN`` (TT: data type code,
NN: number of dimensions), then NN big-endian uint32 sizes, then the data,
big-endian, C order. Nothing else may follow: the byte length is checked
exactly, so a truncated or padded file is an error, never a short array.
Files may be gzip-compressed (recognised by their content, not their name).

A dataset directory holds four such files under the standard names
(``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``); the variants
``train-images.idx3-ubyte`` and a ``.gz`` suffix are accepted too.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.files import UnsafeFile, read_bytes

#: idx data type codes -> big-endian NumPy dtypes.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

#: The four files of a dataset: role -> (stem, idx kind), in checksum order.
IDX_FILES = {
    "x_train": ("train-images", "idx3"),
    "y_train": ("train-labels", "idx1"),
    "x_test": ("t10k-images", "idx3"),
    "y_test": ("t10k-labels", "idx1"),
}

_GZIP_MAGIC = b"\x1f\x8b"
#: The largest idx file accepted, uncompressed (MNIST's train images: 47 MB).
MAX_IDX_BYTES = 256 << 20
HEADER_MAX = 4 + 4 * 255  # magic number and up to 255 dimensions


class IdxFormatError(ValueError):
    """A file is not a well-formed idx file (the message says what is wrong)."""


def parse_idx(raw: bytes, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Decode the bytes of an idx file (plain or gzip) into an array.

    The header is checked before the data: its declared size must be at most
    ``max_bytes``, and a gzip stream is decompressed only up to that size (a
    small file that would inflate to gigabytes is refused, not inflated).

    Args:
        raw: the file's bytes.
        max_bytes: the largest uncompressed file accepted.

    Returns:
        A writable, native-endian array of the shape and type the header states.

    Raises:
        IdxFormatError: bad gzip stream, bad magic number, unknown type code, a
            declared size over ``max_bytes``, or a byte length that does not match
            the header exactly.
    """
    if raw[:2] == _GZIP_MAGIC:
        raw = _gunzip(raw, max_bytes)
    if len(raw) < 4:
        raise IdxFormatError(f"truncated: {len(raw)} bytes, shorter than the 4-byte magic number")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES or raw[3] == 0:
        raise IdxFormatError(f"not an idx file: magic number 0x{raw[:4].hex()}, expected "
                             "0x0000TTNN with type code TT in 08,09,0b,0c,0d,0e and NN >= 1")
    dtype, ndim = np.dtype(IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IdxFormatError(f"truncated header: {len(raw)} bytes, {ndim} dimensions "
                             f"need {header}")
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if expected > max_bytes:
        raise IdxFormatError(f"header declares shape {shape} of {dtype.itemsize}-byte values, "
                             f"{expected} bytes, more than the {max_bytes} accepted")
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "trailing bytes"
        raise IdxFormatError(f"{state}: {len(raw)} bytes, header says {expected} "
                             f"({dtype.itemsize}-byte values, shape {shape})")
    count = (expected - header) // dtype.itemsize
    data = np.frombuffer(raw, dtype, count=count, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # a copy: writable, native byte order


def _declared_bytes(head: bytes) -> int | None:
    """The file size an idx header declares (None when ``head`` holds no valid header)."""
    if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in IDX_DTYPES or head[3] == 0:
        return None
    ndim = head[3]
    if len(head) < 4 + 4 * ndim:
        return None
    shape = np.frombuffer(head, ">u4", count=ndim, offset=4)
    return 4 + 4 * ndim + math.prod(int(n) for n in shape) * np.dtype(IDX_DTYPES[head[2]]).itemsize


def _gunzip(raw: bytes, max_bytes: int) -> bytes:
    """A gzip stream inflated only as far as its idx header says (and never past ``max_bytes``).

    The header is inflated first; the rest only up to the size it declares, plus
    one byte to notice trailing data: a bomb is refused after reading its header.
    """
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, HEADER_MAX)
        limit = min(max_bytes, _declared_bytes(out) or max_bytes)
        if len(out) <= limit and inflater.unconsumed_tail:
            out += inflater.decompress(inflater.unconsumed_tail, limit + 1 - len(out))
    except zlib.error as exc:
        raise IdxFormatError(f"corrupt gzip stream ({exc})") from None
    if len(out) > max_bytes:
        raise IdxFormatError(f"gzip stream inflates to more than {max_bytes} bytes; refused")
    if len(out) <= limit and not inflater.eof:
        raise IdxFormatError("corrupt gzip stream (truncated)")
    return out


def encode_idx(array: np.ndarray) -> bytes:
    """The idx bytes of ``array`` (the inverse of ``parse_idx``).

    Raises:
        ValueError: the array's dtype has no idx type code, or it is 0-d.
    """
    codes = {np.dtype(v).newbyteorder("="): k for k, v in IDX_DTYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None or array.ndim == 0:
        raise ValueError(f"cannot encode dtype {array.dtype} with {array.ndim} dims as idx")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + np.ascontiguousarray(array, IDX_DTYPES[code]).tobytes()


def idx_names(role: str) -> tuple[str, ...]:
    """The accepted file names for ``role`` (e.g. "x_train"), preferred first."""
    stem, kind = IDX_FILES[role]
    plain = (f"{stem}-{kind}-ubyte", f"{stem}.{kind}-ubyte")
    return plain + tuple(name + ".gz" for name in plain)


def match_idx_names(names: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Pick the file for each role from the ``names`` present.

    Returns:
        (found, missing): role -> chosen name, and the roles with no file
        (described by their standard name).
    """
    present = set(names)
    found: dict[str, str] = {}
    for role in IDX_FILES:
        choice = next((n for n in idx_names(role) if n in present), None)
        if choice is not None:
            found[role] = choice
    missing = [idx_names(role)[0] for role in IDX_FILES if role not in found]
    return found, missing


@dataclass(frozen=True, eq=False)
class Splits:
    """A labelled image dataset split into train and test.

    Attributes:
        x_train: (n_train, rows, cols) images.
        y_train: (n_train,) labels.
        x_test: (n_test, rows, cols) images.
        y_test: (n_test,) labels.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The four arrays in checksum order: x_train, y_train, x_test, y_test."""
        return self.x_train, self.y_train, self.x_test, self.y_test

    def sha256(self) -> str:
        """Hex sha256 over the four arrays' C-contiguous bytes, in checksum order."""
        return arrays_sha256(self.arrays())

    def shapes(self) -> dict[str, list[int]]:
        """Role -> shape, e.g. {"x_train": [60000, 28, 28], ...}."""
        return {role: list(a.shape) for role, a in zip(IDX_FILES, self.arrays(), strict=True)}


@dataclass(frozen=True, eq=False)
class IdxDataset(Splits):
    """A dataset read from an idx directory, not checked against any reference.

    Attributes:
        path: the directory it was read from.
    """

    path: Path | None = None


def arrays_sha256(arrays: Iterable[np.ndarray]) -> str:
    """Hex sha256 over the C-contiguous bytes of ``arrays``, concatenated in order."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def check_splits(arrays: dict[str, np.ndarray]) -> None:
    """Check that four role -> array entries form an image dataset.

    Raises:
        IdxFormatError: wrong ranks, or image and label counts that disagree.
    """
    for part in ("train", "test"):
        images, labels = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise IdxFormatError(f"{part} images {images.shape} and labels {labels.shape} do not "
                                 "form a dataset: expected (n, rows, cols) and (n,)")


def read_idx_dir(directory: Path) -> dict[str, np.ndarray]:
    """Read the four idx files of ``directory`` (plain or .gz), role -> array.

    Raises:
        IdxFormatError: a file is missing, unreadable or malformed (named in the message).
    """
    directory = Path(directory)
    try:
        found, missing = match_idx_names(p.name for p in directory.iterdir())
    except OSError as exc:
        raise IdxFormatError(f"cannot list {directory} ({exc.strerror})") from None
    if missing:
        raise IdxFormatError(f"missing {', '.join(missing)} (plain or .gz) in {directory}")
    arrays = {}
    for role, name in found.items():
        try:
            arrays[role] = parse_idx(read_bytes(directory / name, MAX_IDX_BYTES))
        except UnsafeFile as exc:
            raise IdxFormatError(str(exc)) from None
        except IdxFormatError as exc:
            raise IdxFormatError(f"{directory / name}: {exc}") from None
    check_splits(arrays)
    return arrays


def load_idx_dataset(directory: Path) -> IdxDataset:
    """Load any MNIST-format dataset (e.g. Fashion-MNIST) from a directory, unverified.

    No checksum is checked (there is no reference for arbitrary data); the
    caller should say so. For MNIST itself use ``dropout_lab.core.data.mnist.load_mnist``.

    Raises:
        ExperimentError: a file is missing or malformed (the message names it).
    """
    try:
        arrays = read_idx_dir(directory)
    except IdxFormatError as exc:
        raise ExperimentError(f"Cannot load the idx dataset in {directory}: {exc}") from None
    return IdxDataset(**arrays, path=Path(directory))
