"""Writing, deleting and locking inside a run folder without following a link out of it.

A run folder, and above all an interrupted ``.partial`` one that ``--resume``
continues, may come from someone else: any name in it may be a symbolic link
to anywhere. Nothing dropout-lab writes, deletes or locks may resolve outside
the folder it belongs to, so every folder on the way is opened relative to
the one above it with ``O_NOFOLLOW`` (``os.open(..., dir_fd=...)``): a link
is refused, never followed, with one line naming it (``LinkRefused``). A file
is created with ``O_CREAT | O_EXCL | O_NOFOLLOW``; a tree is removed only when
it is a real folder (``shutil.rmtree`` with ``dir_fd``, which never follows
the links inside it either).

The folder given as ``root`` is the trusted start: its own path (``--out``
and above) is the user's, links there included.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.printable import printable

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class LinkRefused(ExperimentError):
    """A path dropout-lab would write, delete or lock through is a link, or not a folder."""


def _refusal(path: Path, doing: str) -> LinkRefused:
    """The one-line error for ``path``: a link (named with its target) or not a folder."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return LinkRefused(f"Cannot {doing} {printable(path)}: {exc.strerror}.")
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return LinkRefused(f"Refused: {printable(path)} is a symbolic link (to "
                           f"{printable(target)}); dropout-lab never {doing}s through a link "
                           "below --out.")
    return LinkRefused(f"Refused: {printable(path)} is not a folder; cannot {doing} in it.")


def check_real_dir(path: str | Path, doing: str = "write") -> Path:
    """``path`` itself if it is a real folder (not a link to one).

    Raises:
        LinkRefused: ``path`` is a link, not a folder, or cannot be read.
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise LinkRefused(f"Cannot {doing} {printable(path)}: {exc.strerror}.") from None
    if not stat.S_ISDIR(info.st_mode):
        raise _refusal(path, doing)
    return path


def _parts(relative: str | Path) -> tuple[str, ...]:
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or any(p in ("..", ".")
                                                                  for p in parts):
        raise ValueError(f"{relative!r} is not a path inside a folder")
    return parts


def _open_dir(name: str, dir_fd: int | None, shown: Path, doing: str,
              follow: bool = False) -> int:
    try:
        return os.open(name, _DIR_FLAGS & ~os.O_NOFOLLOW if follow else _DIR_FLAGS,
                       dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            raise _refusal(shown, doing) from None
        raise LinkRefused(f"Cannot {doing} in {printable(shown)}: {exc.strerror}.") from None


@contextlib.contextmanager
def opened_dir(root: str | Path, relative: str | Path | None = None, create: bool = False,
               doing: str = "write", follow_root: bool = False) -> Iterator[int]:
    """A file descriptor of the folder ``root / relative``, reached without following a link.

    Args:
        root: the folder to start from; a real folder, not a link to one, unless
            ``follow_root`` (``--out`` itself, which is the user's to choose).
        relative: folders below ``root`` (``"units/none_seed0"``), or None for ``root``.
        create: make the folders that do not exist yet.
        doing: the verb of the refusal message ("write", "delete", "lock").
        follow_root: open ``root`` even when it is a link.

    Raises:
        LinkRefused: ``root`` or a folder on the way is a link, or not a folder.
    """
    root = Path(root)
    fd = _open_dir(str(root), None, root, doing, follow=follow_root)
    shown = root
    try:
        for part in _parts(relative) if relative is not None else ():
            shown = shown / part
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
            inner = _open_dir(part, fd, shown, doing)
            os.close(fd)
            fd = inner
        yield fd
    finally:
        os.close(fd)


def make_dirs(root: str | Path, relative: str | Path, follow_root: bool = False) -> Path:
    """Create the folders ``root / relative`` (those missing), refusing any link on the way."""
    with opened_dir(root, relative, create=True, follow_root=follow_root):
        pass
    return Path(root) / relative


def check_inside(root: str | Path, relative: str | Path, doing: str = "write") -> Path:
    """``root / relative`` after checking that every folder on the way is real (nothing made)."""
    parent = PurePosixPath(relative).parent
    with opened_dir(root, None if str(parent) == "." else str(parent), doing=doing):
        pass
    return Path(root) / relative


def create_exclusive(path: str | Path, mode: int = 0o644) -> int:
    """Open a new file for writing: never an existing name, never through a link."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                   mode)


def open_lock(folder: str | Path) -> int:
    """Open (creating it if needed) the lock file ``.lock`` of ``folder``, never through a link.

    Raises:
        LinkRefused: ``folder`` or ``.lock`` is a link, or the lock cannot be opened.
    """
    folder = Path(folder)
    with opened_dir(folder, doing="lock") as fd:
        try:
            return os.open(".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                           dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _refusal(folder / ".lock", "lock") from None
            raise LinkRefused(f"Cannot lock {printable(folder)}: {exc.strerror}.") from None


def remove_tree(parent: str | Path, name: str) -> None:
    """Remove ``parent / name``: a real folder with what it holds, or a file; never a link.

    ``parent`` must be a real folder too. Nothing missing is an error.

    Raises:
        LinkRefused: ``parent`` or ``name`` is a link.
    """
    parent = Path(parent)
    with opened_dir(parent, doing="delete") as fd:
        try:
            info = os.lstat(name, dir_fd=fd)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(info.st_mode):
            raise _refusal(parent / name, "delete")
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(name, dir_fd=fd)
        else:
            os.unlink(name, dir_fd=fd)


def links_below(folder: str | Path) -> list[Path]:
    """Every symbolic link inside ``folder`` (its tree walked without following one)."""
    found = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(top) / name
            if path.is_symlink():
                found.append(path)
    return found
