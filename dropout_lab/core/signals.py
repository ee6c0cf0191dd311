"""SIGTERM and SIGHUP end a command as Ctrl-C does.

Python's default for SIGTERM and SIGHUP is to die at once: no ``finally``
runs, so a run's ``.partial`` folder stays and worker processes keep running.
``interruptible`` installs handlers, for the length of a command, that raise
``Terminated`` (a ``KeyboardInterrupt``) in the main thread instead: the
same cleanup as Ctrl-C follows (folders removed, or kept and said to be
resumable; workers killed) and the same one line. A signal the user chose
to ignore (``nohup`` ignores SIGHUP) stays ignored.

Python raises Ctrl-C's KeyboardInterrupt wherever the main thread is, and
now and then that is a place that swallows it (a weakref callback of the
import machinery prints "Exception ignored" and the run goes on). So the
handlers installed here (``install_sigint`` for Ctrl-C, ``interruptible`` for
the others) also record the signal, and ``checkpoint`` (called between steps
of work: imports done, progress reports) raises it again if it was swallowed.

``hard_exit`` ends the process without Python's shutdown, for the one case
where that shutdown could crash: TensorFlow's import abandoned half-way
(``core.tfenv``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

HANDLED = (signal.SIGTERM, signal.SIGHUP)
_pending: list[int] = []  # signals received whose interruption has not been reported yet


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like Ctrl-C's KeyboardInterrupt."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signal_name = signal.Signals(signum).name


def _interruption(signum: int) -> KeyboardInterrupt:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _raise(signum: int, _frame) -> None:
    _pending.append(signum)
    raise _interruption(signum)


def install_sigint() -> None:
    """Ctrl-C raises KeyboardInterrupt as Python's own handler does, and is recorded.

    Only Python's default handler is replaced (not SIG_IGN: a job started in
    the background keeps ignoring it), and only in the main thread. A recorded
    interruption swallowed as "Exception ignored" is not printed: ``checkpoint``
    raises it again.
    """
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _raise)
        if sys.unraisablehook is not _unraisable:
            _default_hook[:] = [sys.unraisablehook]
            sys.unraisablehook = _unraisable


_default_hook: list = []


def _unraisable(info) -> None:
    if isinstance(info.exc_value, KeyboardInterrupt) and _pending:
        return  # raised again at the next checkpoint
    (_default_hook or [sys.__unraisablehook__])[0](info)


def checkpoint() -> None:
    """Raise the interruption a signal caused if it was swallowed where it was first raised."""
    if _pending:
        signum = _pending[-1]
        _pending.clear()
        raise _interruption(signum)


def handled() -> None:
    """The interruption has been reported: forget the signals that caused it."""
    _pending.clear()


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``Terminated`` while the block runs (main thread only).

    A signal whose handler is not the default (ignored, or someone's own) is left as it is.
    Signals recorded during the block are forgotten when it ends (a command's interruption
    is never raised in the next command run in the same process).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in HANDLED:
        if signal.getsignal(signum) is signal.SIG_DFL:
            previous[signum] = signal.signal(signum, _raise)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        handled()  # raised out of the block, or too late to matter: not for the next command


def interrupted_words(exc: BaseException) -> str:
    """``Interrupted`` or ``Interrupted by SIGTERM``: how a command was stopped."""
    return f"Interrupted by {exc.signal_name}" if isinstance(exc, Terminated) else "Interrupted"


#: Set when a command ended by an interruption: the program then leaves without Python's
#: shutdown, whose TensorFlow teardown takes 1.5-2 s (measured) after the error line.
interrupted_command = False


def hard_exit(code: object) -> None:
    """Flush the standard streams and leave at once (``os._exit``), skipping Python's shutdown."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
