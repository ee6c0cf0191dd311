"""Reading files a user or a stranger handed us: regular files only, sizes checked first.

A FIFO, a device (``/dev/zero``), a socket or a folder given where a file is
expected would hang or exhaust memory; ``open_regular`` refuses them before
reading a byte, and ``read_bytes`` refuses a file larger than the caller
expects. Files inside a run folder must also stay inside it: ``inside``
refuses links that lead out of the folder, and ``follow_links=False`` refuses
a link outright (a run's manifest is read only from the folder itself).
Paths in messages are ``printable``: they may hold anything.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dropout_lab.core.printable import printable

MIB = 1 << 20


class UnsafeFile(Exception):
    """A path is not a regular file of acceptable size; the message says why (one line)."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_regular(path: str | Path, max_bytes: int | None = None,
                  follow_links: bool = True) -> int:
    """The size of ``path`` if it is a regular file of at most ``max_bytes``.

    Args:
        follow_links: False to refuse a symbolic link instead of reading its target.

    Raises:
        UnsafeFile: missing, unreadable, a link (``follow_links=False``), not a regular
            file, or too large.
    """
    shown = printable(path)
    try:
        info = os.stat(path) if follow_links else os.lstat(path)
    except FileNotFoundError:
        raise UnsafeFile(f"{shown} does not exist") from None
    except OSError as exc:
        raise UnsafeFile(f"cannot read {shown} ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeFile(f"{shown} is a symbolic link (to {printable(_target(path))}); only "
                         "the folder's own file is read")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(f"{shown} is {_kind(info.st_mode)}, not a regular file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise UnsafeFile(f"{shown} is {info.st_size / MIB:.1f} MiB, more than the "
                         f"{max_bytes / MIB:.0f} MiB expected of it")
    return info.st_size


def _target(path: str | Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def read_bytes(path: str | Path, max_bytes: int, follow_links: bool = True) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (checked again after opening).

    Args:
        follow_links: False to refuse a symbolic link (``O_NOFOLLOW``).

    Raises:
        UnsafeFile: see ``check_regular``; also when the file grows past the limit.
    """
    check_regular(path, max_bytes, follow_links)
    shown = printable(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the check, open does not hang
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnsafeFile(f"cannot read {shown} ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UnsafeFile(f"{shown} is not a regular file")
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise UnsafeFile(f"cannot read {shown} ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise UnsafeFile(f"{shown} is larger than the {max_bytes / MIB:.0f} MiB expected of it")
    return data


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refused when it (or a link on the way) leads outside ``folder``.

    Raises:
        UnsafeFile: an absolute name, ``..``, or a symbolic link out of the folder.
    """
    candidate = folder / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise UnsafeFile(f"{name!r} is not a path inside {printable(folder)}")
    try:
        resolved, root = candidate.resolve(), folder.resolve()
    except (OSError, RuntimeError) as exc:
        raise UnsafeFile(f"cannot resolve {printable(candidate)} ({exc})") from None
    if root != resolved and root not in resolved.parents:
        raise UnsafeFile(f"{printable(candidate)} leads outside {printable(folder)} (to "
                         f"{printable(resolved)})")
    return candidate
