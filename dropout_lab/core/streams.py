"""The standard streams as a command finds them: closed, full, ASCII-only, zero columns wide.

``prepare`` runs when a command starts:

- a closed descriptor 0, 1 or 2 is reopened on ``/dev/null``, so no file the
  run opens takes its number (TensorFlow's log lines would land in a results
  file), and a closed stream is remembered (``CLOSED``);
- text that the stream's encoding cannot hold (``PYTHONIOENCODING=ascii``) is
  written in ASCII (``±`` as ``+/-``, others escaped), never an exception;
- ``COLUMNS`` or ``LINES`` that is not a positive integer is ignored.

``writing`` turns a failed write to stdout (a full device, a closed pipe, a
stream closed from the start) into one ``OutputError`` line that says whether
the run itself finished; a failed write to stderr under ``--json`` is given up
quietly (the JSON object still goes to stdout).
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.printable import printable

CLOSED: set[str] = set()  # "stdout" / "stderr": closed when the command started
ERRORS = "dropout_lab.ascii"  # the codec error handler of the standard streams
#: What people read in ASCII instead of the symbols dropout-lab prints.
ASCII = {"±": "+/-", "—": "--", "–": "-", "…": "...", "≤": "<=", "≥": ">=", "∞": "inf",
         "×": "x", "≈": "~", "µ": "u", "μ": "u", "“": '"', "”": '"', "‘": "'", "’": "'",
         "→": "->", "·": ".", "√": "sqrt", "≠": "!=", "━": "-", "•": "*", "²": "^2"}


class OutputError(ExperimentError):
    """stdout could not be written: the message says why and whether the run finished."""


def _ascii(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start:exc.end]
    return "".join(ASCII.get(c, printable(c) if not c.isprintable() else
                             f"\\x{ord(c):02x}" if ord(c) < 0x100 else
                             f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
                   for c in text), exc.end


codecs.register_error(ERRORS, _ascii)


def prepare() -> None:
    """Make the standard streams safe to use; see the module docstring."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            _reopen_null(fd)
            CLOSED.add(name)
            if name != "stdin" and getattr(sys, name) is None:
                setattr(sys, name, open(fd, "w", closefd=False, encoding="utf-8",  # noqa: SIM115  (sys keeps it open)
                                        errors=ERRORS))
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, io.TextIOWrapper) and stream.errors != ERRORS:
            with contextlib.suppress(Exception):
                stream.reconfigure(errors=ERRORS)
    for name in ("COLUMNS", "LINES"):
        value = os.environ.get(name)
        if value is not None and not (value.strip().isdigit() and int(value) > 0):
            del os.environ[name]


def _reopen_null(fd: int) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    if null != fd:
        os.dup2(null, fd)
        os.close(null)


@contextlib.contextmanager
def writing(to_stderr: bool, finished: Path | None = None) -> Iterator[None]:
    """Writes to stdout (or stderr) in the block; a failure on stdout becomes an OutputError.

    Args:
        to_stderr: the block writes people's output to stderr (``--json``): a failure is
            given up quietly; nothing else could say it.
        finished: the run folder the command completed, named in the message.
    """
    if not to_stderr and "stdout" in CLOSED:
        raise _output_error(os.strerror(errno.EBADF) + ": stdout was closed", finished)
    try:
        yield
    except OSError as exc:
        if to_stderr:
            return
        _reopen_null(1)  # what is still buffered goes nowhere, and the exit flush succeeds
        raise _output_error(exc.strerror or str(exc), finished) from None


def _output_error(why: str, finished: Path | None) -> OutputError:
    done = (f"; the run itself is complete: {printable(finished)}" if finished is not None
            else "")
    return OutputError(f"Cannot write to stdout ({why}){done}.")
